import { mkdtemp, rm, stat, symlink, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyAttrs, createMode, longname, lsTime, modeString, statsToAttrs } from './attrs';
import { parseIdFile } from './names';

test.each([
  [0o100644, '-rw-r--r--'],
  [0o040755, 'drwxr-xr-x'],
  [0o120777, 'lrwxrwxrwx'],
  [0o104755, '-rwsr-xr-x'],
  [0o102644, '-rw-r-Sr--'],
  [0o041777, 'drwxrwxrwt'],
  [0o041776, 'drwxrwxrwT'],
  [0o020620, 'crw--w----'],
  [0o060660, 'brw-rw----'],
  [0o010644, 'prw-r--r--'],
  [0o140755, 'srwxr-xr-x'],
])('modeString(%o) = %s', (mode, text) => {
  expect(modeString(mode)).toBe(text);
});

test('lsTime: clock time within six months, the year otherwise (like ls and OpenSSH)', () => {
  const now = new Date(2025, 5, 15, 12, 0).getTime();
  expect(lsTime(new Date(2025, 5, 3, 9, 7).getTime(), now)).toBe('Jun  3 09:07');
  expect(lsTime(new Date(2024, 0, 20, 9, 7).getTime(), now)).toBe('Jan 20  2024');
  expect(lsTime(new Date(2025, 6, 1).getTime(), now)).toBe('Jul  1  2025'); // future
});

describe('on real files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'converge-attrs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('longname has OpenSSH sftp-server columns', async () => {
    await writeFile(join(dir, 'f'), 'hello');
    const st = await stat(join(dir, 'f'));
    const ids = { user: () => 'alice', group: () => 'staff' };
    const now = st.mtimeMs + 1000;
    expect(longname('f', st, ids, now)).toBe(
      `${modeString(st.mode)}    1 alice    staff           5 ${lsTime(st.mtimeMs, now)} f`,
    );
    const long = { user: () => 'a-very-long-user', group: () => 'g' };
    expect(longname('f', st, long, now)).toContain(' a-very-long-user g               5 ');
  });

  test('statsToAttrs keeps type bits, size, seconds', async () => {
    await writeFile(join(dir, 'f'), 'abc');
    await symlink('f', join(dir, 'l'));
    const attrs = statsToAttrs(await lstat(join(dir, 'l')));
    expect(attrs.mode & 0o170000).toBe(0o120000);
    const file = statsToAttrs(await stat(join(dir, 'f')));
    expect(file).toMatchObject({ size: 3 });
    expect(Number.isInteger(file.mtime)).toBe(true);
  });

  test('applyAttrs: size truncates, mode, times; absent fields untouched', async () => {
    const f = join(dir, 'f');
    await writeFile(f, 'abcdef');
    await applyAttrs({ path: f }, { size: 2, mode: 0o100600, atime: 1_000_000, mtime: 2_000_000 });
    const st = await stat(f);
    expect(st.size).toBe(2);
    expect(st.mode & 0o7777).toBe(0o600);
    expect(Math.floor(st.mtimeMs / 1000)).toBe(2_000_000);
    await applyAttrs({ path: f }, {});
    expect((await stat(f)).size).toBe(2);
  });
});

test('createMode: the client mode without type bits, else 0666', () => {
  expect(createMode({ mode: 0o100640 })).toBe(0o640);
  expect(createMode({})).toBe(0o666);
  expect(createMode(undefined)).toBe(0o666);
});

test('parseIdFile reads passwd/group lines, first name per id wins', () => {
  const names = parseIdFile('root:x:0:0:root:/root:/bin/bash\n# comment\nbad\ntoor:x:0:0::/:/bin/sh\nbob:x:1000:1000::/home/bob:\n');
  expect(names.get(0)).toBe('root');
  expect(names.get(1000)).toBe('bob');
  expect(names.size).toBe(2);
});

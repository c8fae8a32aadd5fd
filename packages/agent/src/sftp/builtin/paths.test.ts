import { constants } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFlags, OPEN_FLAG } from './files';
import { renameNoReplace, sftpRealpath } from './paths';
import { resolveClientPath } from './session';

test('client paths: relative to cwd, "" and "." are cwd, absolute untouched, .. folded', () => {
  expect(resolveClientPath('/home/u', '')).toBe('/home/u');
  expect(resolveClientPath('/home/u', '.')).toBe('/home/u');
  expect(resolveClientPath('/home/u', 'a/../b')).toBe('/home/u/b');
  expect(resolveClientPath('/home/u', '/etc//x')).toBe('/etc/x');
});

test.each([
  [OPEN_FLAG.READ, constants.O_RDONLY],
  [0, constants.O_RDONLY],
  [OPEN_FLAG.WRITE, constants.O_WRONLY],
  [OPEN_FLAG.READ | OPEN_FLAG.WRITE, constants.O_RDWR],
  [OPEN_FLAG.WRITE | OPEN_FLAG.CREAT | OPEN_FLAG.TRUNC, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC],
  [OPEN_FLAG.WRITE | OPEN_FLAG.APPEND | OPEN_FLAG.CREAT, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT],
  [OPEN_FLAG.WRITE | OPEN_FLAG.CREAT | OPEN_FLAG.EXCL, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL],
])('openFlags(%i)', (pflags, flags) => {
  expect(openFlags(pflags)).toBe(flags);
});

describe('on a temp dir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'converge-paths-')));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('sftpRealpath resolves existing paths and a missing last component only', async () => {
    await mkdir(join(dir, 'a'));
    expect(await sftpRealpath(join(dir, 'a/../a/.'))).toBe(join(dir, 'a'));
    expect(await sftpRealpath(join(dir, 'a/new'))).toBe(join(dir, 'a/new'));
    await expect(sftpRealpath(join(dir, 'missing/new'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await sftpRealpath('/')).toBe('/');
  });

  test('renameNoReplace refuses to replace, as SFTP v3 says', async () => {
    await writeFile(join(dir, 'a'), 'A');
    await writeFile(join(dir, 'b'), 'B');
    await expect(renameNoReplace(join(dir, 'a'), join(dir, 'b'))).rejects.toThrow('File exists');
    await renameNoReplace(join(dir, 'a'), join(dir, 'c'));
    expect(await readFile(join(dir, 'c'), 'utf8')).toBe('A');
    await expect(renameNoReplace(join(dir, 'missing'), join(dir, 'd'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

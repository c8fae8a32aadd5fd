import { mkdtemp, open, opendir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SftpRequestError } from './errors';
import { HandleTable } from './handles';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'converge-handles-'));
  await writeFile(join(dir, 'f'), 'x');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fileEntry = async () => ({ kind: 'file' as const, file: await open(join(dir, 'f')), path: join(dir, 'f') });

test('handles are opaque 4-byte ids; unknown, short and closed ones are refused', async () => {
  const table = new HandleTable();
  const h = table.add(await fileEntry());
  expect(h.length).toBe(4);
  expect(table.file(h).kind).toBe('file');
  expect(() => table.get(Buffer.from('xy'))).toThrow(SftpRequestError);
  expect(() => table.get(Buffer.alloc(300))).toThrow('Invalid handle');
  expect(() => table.dir(h)).toThrow('Handle is not a directory');
  await table.close(h);
  expect(() => table.get(h)).toThrow('Invalid handle');
  await expect(table.close(h)).rejects.toThrow('Invalid handle');
});

test('a limit on open handles, and ids that are not reused right away', async () => {
  const table = new HandleTable(2);
  const a = table.add(await fileEntry());
  table.add({ kind: 'dir', dir: await opendir(dir), path: dir, dotsSent: false, eof: false });
  expect(table.full).toBe(true);
  const extra = await fileEntry();
  expect(() => table.add(extra)).toThrow('Too many open handles');
  await extra.file.close();
  await table.close(a);
  const c = table.add(await fileEntry());
  expect(c.equals(a)).toBe(false);
  expect(await table.closeAll()).toBe(2);
});

test('closeAll closes everything and refuses later adds', async () => {
  const table = new HandleTable();
  const entry = await fileEntry();
  table.add(entry);
  expect(await table.closeAll()).toBe(1);
  await expect(entry.file.stat()).rejects.toThrow(); // closed
  const late = await fileEntry();
  expect(() => table.add(late)).toThrow('Session closed');
  await late.file.close();
});

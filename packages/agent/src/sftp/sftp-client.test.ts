// ssh2-sftp-client (an SFTP client built on ssh2) against both servers: the API a Node user would drive.
import { lstat, mkdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import SftpClient from 'ssh2-sftp-client';
import { findSystemSftpServer } from './find-server';
import { sha256File, writeRandomFile, startTestServer, type TestServer } from '@converge/testkit';
import { attachSftp } from './index';

const modes = findSystemSftpServer() ? (['builtin', 'system'] as const) : (['builtin'] as const);

async function connect(server: TestServer): Promise<SftpClient> {
  const client = new SftpClient();
  await client.connect({
    host: '127.0.0.1',
    port: server.port,
    username: 'tester',
    privateKey: await readFile(server.keyPath),
    readyTimeout: 5000,
  });
  return client;
}

describe.each(modes)('ssh2-sftp-client, %s mode', (mode) => {
  let server: TestServer;
  let client: SftpClient;

  beforeEach(async () => {
    server = await startTestServer({ attach: attachSftp, mode });
    client = await connect(server);
  });
  afterEach(async () => {
    await client.end().catch(() => undefined);
    await server.close();
  });

  test('cwd, put/get buffers and streams, stat, exists, list', async () => {
    expect(await client.cwd()).toBe(server.home);
    await client.put(Buffer.from('buffer body'), 'buf.txt');
    expect(await readFile(join(server.home, 'buf.txt'), 'utf8')).toBe('buffer body');
    expect(((await client.get('buf.txt')) as Buffer).toString()).toBe('buffer body');

    await client.put(Readable.from([Buffer.from('stream '), Buffer.from('body')]), 'stream.txt');
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    await client.get('stream.txt', sink);
    expect(Buffer.concat(chunks).toString()).toBe('stream body');

    const st = await client.stat('buf.txt');
    expect(st).toMatchObject({ size: 11, isFile: true, isDirectory: false });
    expect(st.modifyTime).toBe(Math.floor((await stat(join(server.home, 'buf.txt'))).mtimeMs / 1000) * 1000);
    expect(await client.exists('buf.txt')).toBe('-');
    expect(await client.exists('.')).toBe('d');
    expect(await client.exists('nope')).toBe(false);

    const names = (await client.list('.')).map((e) => `${e.type}${e.name}`).sort();
    expect(names).toEqual(['-buf.txt', '-stream.txt']); // no "." and ".."
  });

  test('mkdir -p, rename, delete, rmdir -r, chmod, append, symlink/readlink', async () => {
    await client.mkdir('a/b/c', true);
    expect((await stat(join(server.home, 'a/b/c'))).isDirectory()).toBe(true);
    await client.put(Buffer.from('x'), 'a/b/c/f.txt');
    await client.rename('a/b/c/f.txt', 'a/g.txt');
    expect(await client.exists('a/g.txt')).toBe('-');
    await client.put(Buffer.from('y'), 'a/h.txt');
    // SFTP v3 RENAME does not replace an existing file (OpenSSH's sftp-server neither).
    await expect(client.rename('a/g.txt', 'a/h.txt')).rejects.toThrow();

    await client.chmod('a/g.txt', 0o640);
    expect((await stat(join(server.home, 'a/g.txt'))).mode & 0o777).toBe(0o640);
    await client.append(Buffer.from('+more'), 'a/g.txt');
    expect(await readFile(join(server.home, 'a/g.txt'), 'utf8')).toBe('x+more');

    await new Promise<void>((resolve, reject) =>
      client.sftp.symlink('g.txt', 'a/link', (err) => (err ? reject(err) : resolve())),
    );
    // Both servers read SYMLINK's fields in OpenSSH's order, as sshd's sftp-server does for every client.
    // ssh2 clients send the draft's order unless the server's version string starts with OpenSSH, so from
    // them the link lands where the target was named (against sshd the same happens to non-OpenSSH
    // clients that do not detect it).
    expect(await readlink(join(server.home, 'g.txt'))).toBe('a/link');
    await client.delete('g.txt');

    await client.delete('a/g.txt');
    expect(await client.exists('a/g.txt')).toBe(false);
    await client.rmdir('a', true);
    await expect(lstat(join(server.home, 'a'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('fastPut/fastGet (64 parallel 32 KiB requests) keep the bytes', async () => {
    const local = join(server.root, 'local');
    await mkdir(local);
    const digest = await writeRandomFile(join(local, 'f.bin'), 8 * 1024 * 1024 + 123);
    await client.fastPut(join(local, 'f.bin'), 'f.bin');
    expect(await sha256File(join(server.home, 'f.bin'))).toBe(digest);
    await client.fastGet('f.bin', join(local, 'back.bin'));
    expect(await sha256File(join(local, 'back.bin'))).toBe(digest);
  });

  test('errors: missing file is "No such file", a missing parent too', async () => {
    await expect(client.get('missing.txt')).rejects.toThrow(/No such file/);
    await expect(client.stat('missing.txt')).rejects.toThrow(/No such file/);
    await expect(client.put(Buffer.from('x'), 'no/dir/f')).rejects.toThrow(/No such file/);
    await writeFile(join(server.home, 'file'), 'x');
    await expect(client.mkdir('file', false)).rejects.toThrow();
  });
});

// What a careless or hostile client sends must not hurt the agent: bad handles, absurd lengths, malformed
// packets, floods, clients killed mid-transfer. Handles and sftp-server processes must be released.
import { spawn } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { findSystemSftpServer } from './find-server';
import { MAX_READ_LENGTH } from './builtin/files';
import { childPidsNamed, openFdsUnder, sftpBatch, sshOptions, waitFor, writeRandomFile, PKT, RawSftp, packet, statusOf, str, stringOf, u32, u64, startTestServer, type TestServer } from '@converge/testkit';
import { attachSftp } from './index';

const STATUS = { OK: 0, EOF: 1, NO_SUCH_FILE: 2, FAILURE: 4, BAD_MESSAGE: 5, OP_UNSUPPORTED: 8 };
const modes = findSystemSftpServer() ? (['builtin', 'system'] as const) : (['builtin'] as const);

async function released(server: TestServer, mode: 'builtin' | 'system'): Promise<boolean> {
  return mode === 'builtin'
    ? waitFor('the handles to close', async () => (await openFdsUnder(server.home)).length === 0, { timeoutMs: 5000 })
    : waitFor('sftp-server to exit', () => childPidsNamed('sftp-server').length === 0, { timeoutMs: 5000 });
}

describe('built-in server under hostile requests', () => {
  let server: TestServer;
  let raw: RawSftp;
  beforeEach(async () => {
    server = await startTestServer({ attach: attachSftp, mode: 'builtin' });
    await writeFile(join(server.home, 'f'), Buffer.alloc(600 * 1024, 1));
    raw = await RawSftp.open(server);
  });
  afterEach(async () => {
    raw.close();
    await server.close();
  });

  const open = async (id: number, path: string, pflags = 1): Promise<Buffer> => {
    const reply = await raw.request(PKT.OPEN, id, str(path), u32(pflags), u32(0));
    expect(reply.type).toBe(PKT.HANDLE);
    return stringOf(reply);
  };

  test('answers pipelined requests in the order they were sent (OpenSSH 9.2 scp truncates otherwise)', async () => {
    const h = await open(20, 'f');
    // Slow reads (255 KiB from disk) interleaved with instant ones (a bad handle, answered without IO):
    // a server that runs them concurrently answers the instant ones first.
    const ids: number[] = [];
    const replies: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      const id = 100 + i;
      ids.push(id);
      replies.push(raw.expect(id));
      raw.send(packet(PKT.READ, id, str(i % 2 === 0 ? h : Buffer.from('bogus')), u64(0n), u32(255 * 1024)));
    }
    await Promise.all(replies);
    expect(raw.replies.filter((r) => r.id >= 100).map((r) => r.id)).toEqual(ids);
  });

  test('bad handles, absurd lengths and offsets get status replies', async () => {
    const bogus = Buffer.from('nope');
    expect(statusOf(await raw.request(PKT.READ, 1, str(bogus), u64(0n), u32(10)))).toEqual({
      code: STATUS.FAILURE,
      message: 'Invalid handle',
    });
    expect(statusOf(await raw.request(PKT.WRITE, 2, str(Buffer.alloc(0)), u64(0n), str('x'))).code).toBe(STATUS.FAILURE);
    expect(statusOf(await raw.request(PKT.CLOSE, 3, str(bogus))).code).toBe(STATUS.FAILURE);
    expect(statusOf(await raw.request(PKT.READDIR, 4, str(bogus))).code).toBe(STATUS.FAILURE);
    expect(statusOf(await raw.request(PKT.FSETSTAT, 5, str(bogus), u32(0))).code).toBe(STATUS.FAILURE);

    const h = await open(10, 'f');
    const big = await raw.request(PKT.READ, 11, str(h), u64(0n), u32(0xffffffff));
    expect(big.type).toBe(PKT.DATA);
    expect(stringOf(big).length).toBe(MAX_READ_LENGTH); // clamped, not 4 GiB
    expect(statusOf(await raw.request(PKT.READ, 12, str(h), u64(2n ** 63n), u32(10))).code).toBe(STATUS.EOF);
    expect(statusOf(await raw.request(PKT.READ, 13, str(h), u64(600n * 1024n), u32(10))).code).toBe(STATUS.EOF);
    const dirHandle = stringOf(await raw.request(PKT.OPENDIR, 14, str('.')));
    expect(statusOf(await raw.request(PKT.READ, 15, str(dirHandle), u64(0n), u32(10))).message).toBe(
      'Handle is not a file',
    );
    expect(statusOf(await raw.request(PKT.CLOSE, 16, str(h))).code).toBe(STATUS.OK);
    expect(statusOf(await raw.request(PKT.CLOSE, 17, str(h))).code).toBe(STATUS.FAILURE); // already closed

    expect(statusOf(await raw.request(PKT.OPEN, 20, str('a\0b'), u32(1), u32(0))).code).toBe(STATUS.BAD_MESSAGE);
    expect(statusOf(await raw.request(PKT.STAT, 21, str('x'.repeat(5000)))).code).toBe(STATUS.BAD_MESSAGE);
    expect(statusOf(await raw.request(PKT.EXTENDED, 22, str('nosuch@example.com'), str('/'))).code).toBe(
      STATUS.OP_UNSUPPORTED,
    );
    expect(statusOf(await raw.request(PKT.EXTENDED, 25, str('posix-rename@openssh.com'), str('x'))).code).toBe(
      STATUS.BAD_MESSAGE,
    );
    expect(statusOf(await raw.request(99, 26, str('x'))).code).toBe(STATUS.OP_UNSUPPORTED);
    const exclusive = u32(0x08 | 0x20 | 0x02); // CREAT | EXCL | WRITE on an existing file: EEXIST
    expect(statusOf(await raw.request(PKT.OPEN, 23, str('f'), exclusive, u32(0))).code).toBe(STATUS.FAILURE);
    expect(statusOf(await raw.request(PKT.REMOVE, 24, str('missing'))).code).toBe(STATUS.NO_SUCH_FILE);
  });

  test('a flood of pipelined requests is slowed down, never refused: every one gets its data', async () => {
    const h = await open(1, 'f');
    const count = 2000;
    const replies = Array.from({ length: count }, (_, i) => raw.expect(100 + i));
    raw.send(Buffer.concat(replies.map((_, i) => packet(PKT.READ, 100 + i, str(h), u64(BigInt(i * 100)), u32(32768)))));
    const got = await Promise.all(replies);
    expect(got.filter((r) => r.type !== PKT.DATA).map((r) => statusOf(r).message)).toEqual([]);
    expect(statusOf(await raw.request(PKT.CLOSE, 5000, str(h))).code).toBe(STATUS.OK);
  });

  test('extensions OpenSSH 9.2 sftp does not send: limits, expand-path, fstatvfs, fsync', async () => {
    const limits = await raw.request(PKT.EXTENDED, 1, str('limits@openssh.com'));
    expect(limits.type).toBe(PKT.EXTENDED_REPLY);
    expect([0, 8, 16].map((at) => Number(limits.body.readBigUInt64BE(at)))).toEqual([256 * 1024, MAX_READ_LENGTH, MAX_READ_LENGTH]);
    const expanded = await raw.request(PKT.EXTENDED, 2, str('expand-path@openssh.com'), str('~/'));
    expect(expanded.type).toBe(PKT.NAME);
    expect(stringOf(expanded, 4).toString()).toBe(homedir());
    const h = await open(3, 'f');
    const vfs = await raw.request(PKT.EXTENDED, 4, str('fstatvfs@openssh.com'), str(h));
    expect(vfs.type).toBe(PKT.EXTENDED_REPLY);
    expect(vfs.body.length).toBe(11 * 8);
    expect(Number(vfs.body.readBigUInt64BE(0))).toBeGreaterThan(0); // block size
    expect(statusOf(await raw.request(PKT.EXTENDED, 5, str('fsync@openssh.com'), str(h))).code).toBe(STATUS.OK);
  });

  test('a malformed packet ends that session only', async () => {
    // A length field past the 256 KiB limit: nothing after it can be framed, so the channel closes.
    raw.send(Buffer.from([0x7f, 0xff, 0xff, 0xff, PKT.CLOSE]));
    await new Promise((resolve) => raw.channel.once('close', resolve));
    const again = await sftpBatch(server, ['ls']);
    expect(again.code).toBe(0);
  });

  test('handles left open are closed when the connection drops', async () => {
    for (let i = 0; i < 20; i++) await open(i + 1, 'f');
    expect((await openFdsUnder(server.home)).length).toBe(20);
    raw.conn.destroy();
    await waitFor('the handles to close', async () => (await openFdsUnder(server.home)).length === 0, { timeoutMs: 5000 });
  });
});

describe.each(modes)('%s mode: a client killed mid-put', (mode) => {
  test('leaves the server serving and releases the session', async () => {
    const server = await startTestServer({ attach: attachSftp, mode });
    try {
      const local = join(server.root, 'local');
      await mkdir(local);
      await writeRandomFile(join(local, 'big.bin'), 256 * 1024 * 1024);
      const batch = join(server.root, 'batch');
      await writeFile(batch, `put ${local}/big.bin big.bin\n`);
      // Own process group, so the kill takes sftp and the ssh it runs.
      const child = spawn('sftp', ['-b', batch, ...sshOptions(server), '-P', String(server.port), 'tester@127.0.0.1'], {
        stdio: 'ignore',
        detached: true,
      });
      await waitFor('the upload to start', async () => (await stat(join(server.home, 'big.bin')).catch(() => undefined))?.size! > 1 << 20, { timeoutMs: 10_000 });
      process.kill(-(child.pid as number), 'SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
      expect((await stat(join(server.home, 'big.bin'))).size).toBeLessThan(256 * 1024 * 1024);

      expect(await released(server, mode)).toBe(true);
      const after = await sftpBatch(server, ['ls -l big.bin']);
      expect(after.code).toBe(0);
      expect(await released(server, mode)).toBe(true);
    } finally {
      await server.close();
    }
  }, 30_000);
});

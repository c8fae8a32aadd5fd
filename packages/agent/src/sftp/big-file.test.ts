// Data integrity and throughput: a large random file put and got back with OpenSSH sftp, in both modes.
// CONVERGE_SFTP_BIG_MIB sets the size (default 64; e.g. 512 for a manual run).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { findSystemSftpServer } from './find-server';
import { sha256File, sftpBatch, writeRandomFile, startTestServer } from '@converge/testkit';
import { attachSftp } from './index';

const MIB = Number(process.env.CONVERGE_SFTP_BIG_MIB ?? 64);
const modes = findSystemSftpServer() ? (['builtin', 'system'] as const) : (['builtin'] as const);

test(`${MIB} MiB random file: put and get back byte-identical (${modes.join(', ')})`, async () => {
  const rates: string[] = [];
  for (const mode of modes) {
    const server = await startTestServer({ attach: attachSftp, mode });
    try {
      const local = join(server.root, 'local');
      await mkdir(local);
      const source = join(local, 'big.bin');
      const digest = await writeRandomFile(source, MIB * 1024 * 1024);
      const timeoutMs = Math.max(60_000, MIB * 1000);

      let started = Date.now();
      const put = await sftpBatch(server, [`put ${source} big.bin`], { timeoutMs });
      const putSeconds = (Date.now() - started) / 1000;
      expect(put).toMatchObject({ code: 0, stderr: '' });
      expect(await sha256File(join(server.home, 'big.bin'))).toBe(digest);

      started = Date.now();
      const get = await sftpBatch(server, [`get big.bin ${local}/back.bin`], { timeoutMs });
      const getSeconds = (Date.now() - started) / 1000;
      expect(get).toMatchObject({ code: 0, stderr: '' });
      expect(await sha256File(join(local, 'back.bin'))).toBe(digest);

      rates.push(
        `${mode}: put ${(MIB / putSeconds).toFixed(1)} MiB/s (${putSeconds.toFixed(1)} s), ` +
          `get ${(MIB / getSeconds).toFixed(1)} MiB/s (${getSeconds.toFixed(1)} s)`,
      );
    } finally {
      await server.close();
    }
  }
  console.log(`sftp ${MIB} MiB over 127.0.0.1\n${rates.join('\n')}`);
}, Math.max(90_000, MIB * 2000));

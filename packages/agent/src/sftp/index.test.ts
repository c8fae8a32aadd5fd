// Mode choice: auto falls back to the built-in server; system without a binary refuses sftp.
import SftpClient from 'ssh2-sftp-client';
import { readFile } from 'node:fs/promises';
import { chooseSftpBackend } from './index';
import { findSystemSftpServer } from './find-server';
import { sftpBatch, startTestServer } from '@converge/testkit';
import { attachSftp } from './index';

test('chooseSftpBackend', () => {
  expect(chooseSftpBackend('builtin', '/x/sftp-server')).toBe('builtin');
  expect(chooseSftpBackend('system', '/x/sftp-server')).toBe('system');
  expect(chooseSftpBackend('auto', '/x/sftp-server')).toBe('system');
  expect(chooseSftpBackend('auto', undefined)).toBe('builtin');
  expect(chooseSftpBackend('system', undefined)).toBeUndefined();
});

test('auto without sftp-server serves with the built-in server and says so', async () => {
  const server = await startTestServer({ attach: attachSftp, mode: 'auto', sftpServerPath: null });
  try {
    expect((await sftpBatch(server, ['pwd'])).code).toBe(0);
    expect(server.logs.join('\n')).toContain('sftp: serving with the built-in server');
  } finally {
    await server.close();
  }
});

(findSystemSftpServer() ? test : test.skip)('auto with sftp-server uses it', async () => {
  const server = await startTestServer({ attach: attachSftp, mode: 'auto' });
  try {
    expect((await sftpBatch(server, ['pwd'])).code).toBe(0);
    expect(server.logs.join('\n')).toContain('sftp: serving with the system sftp-server');
  } finally {
    await server.close();
  }
});

test('system without sftp-server refuses the subsystem with a warning', async () => {
  const server = await startTestServer({ attach: attachSftp, mode: 'system', sftpServerPath: null });
  const client = new SftpClient();
  try {
    await expect(
      client.connect({ host: '127.0.0.1', port: server.port, username: 't', privateKey: await readFile(server.keyPath) }),
    ).rejects.toThrow();
    expect(server.logs.join('\n')).toContain('no sftp-server binary was found');
  } finally {
    await client.end().catch(() => undefined);
    await server.close();
  }
});

test('a vanished sftp-server binary closes the channel instead of hanging', async () => {
  const server = await startTestServer({ attach: attachSftp, mode: 'system', sftpServerPath: '/nonexistent/sftp-server' });
  try {
    const result = await sftpBatch(server, ['pwd'], { timeoutMs: 10_000 });
    expect(result.code).not.toBe(0);
    expect(server.logs.join('\n')).toContain('could not start sftp-server');
  } finally {
    await server.close();
  }
});

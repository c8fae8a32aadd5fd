// Test-only harness: an ssh2 server on 127.0.0.1 whose sessions call attachSftp, plus an OpenSSH key for it.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Server, utils, type Connection } from 'ssh2';
import winston, { type Logger } from 'winston';
import { generateHostKey } from '../host-key';
import { attachSftp, type SftpMode } from './index';

const execFileAsync = promisify(execFile);

export interface TestServer {
  readonly port: number;
  /** Temp dir: the sessions' cwd is `<root>/home`; the client key lives in `<root>/key`. */
  readonly root: string;
  readonly home: string;
  readonly keyPath: string;
  /** Everything logged so far, one line per message ("level message {meta}"). */
  readonly logs: string[];
  readonly connections: Set<Connection>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly mode: SftpMode;
  readonly sftpServerPath?: string | null;
}

function memoryLogger(lines: string[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8').trimEnd());
      done();
    },
  });
  return winston.createLogger({
    level: 'debug',
    format: winston.format.printf(({ level, message, ...meta }) => `${level} ${String(message)} ${JSON.stringify(meta)}`),
    transports: [new winston.transports.Stream({ stream: sink })],
  });
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const root = await mkdtemp(join(tmpdir(), 'converge-sftp-'));
  const home = join(root, 'home');
  await execFileAsync('mkdir', ['-p', home]);
  const keyPath = join(root, 'key');
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', keyPath]);
  const allowed = utils.parseKey(await readFile(`${keyPath}.pub`, 'utf8'));
  if (allowed instanceof Error) throw allowed;
  const hostKey = generateHostKey().privateKey;
  const logs: string[] = [];
  const log = memoryLogger(logs);
  const connections = new Set<Connection>();

  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    connections.add(client);
    client.on('close', () => connections.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || !allowed.getPublicSSH().equals(ctx.key.data)) {
        ctx.reject(['publickey']);
        return;
      }
      if (ctx.signature && ctx.blob && !allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) {
        ctx.reject(['publickey']);
        return;
      }
      ctx.accept();
    });
    client.on('session', (accept) => {
      const session = accept();
      attachSftp(session, {
        mode: options.mode,
        cwd: home,
        env: process.env,
        log,
        ...(options.sftpServerPath !== undefined ? { sftpServerPath: options.sftpServerPath } : {}),
      });
    });
  });
  const tcp = createServer((socket) => {
    // Nagle off, or every status reply waits on a delayed ACK (docs/SSH2-PITFALLS.md, item 3).
    socket.setNoDelay(true);
    server.injectSocket(socket);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const address = tcp.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    root,
    home,
    keyPath,
    logs,
    connections,
    async close() {
      for (const c of connections) c.end();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

// A bare ssh2 server on 127.0.0.1:0 that admits one generated key and serves SFTP on each session with
// the function the test gives (the agent's attachSftp), keeping what it logged in memory.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Server, utils, type Connection, type Session } from 'ssh2';
import type winston from 'winston';
import { ssh2HostKey } from './keys';
import { captureLogWithMeta } from './log';

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

/** How the test serves SFTP on each session: the agent's attachSftp and the mode to give it. */
export interface TestServerOptions<Mode extends string> {
  readonly attach: (session: Session, options: { mode: Mode; cwd: string; env: NodeJS.ProcessEnv; log: winston.Logger; sftpServerPath?: string | null }) => void;
  readonly mode: Mode;
  /** null: as if no system sftp-server existed; a path: that binary; absent: found on PATH. */
  readonly sftpServerPath?: string | null;
}

export async function startTestServer<Mode extends string>(options: TestServerOptions<Mode>): Promise<TestServer> {
  const root = await mkdtemp(join(tmpdir(), 'converge-sftp-'));
  const home = join(root, 'home');
  await execFileAsync('mkdir', ['-p', home]);
  const keyPath = join(root, 'key');
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', keyPath]);
  const allowed = utils.parseKey(await readFile(`${keyPath}.pub`, 'utf8'));
  if (allowed instanceof Error) throw allowed;
  const hostKey = ssh2HostKey();
  const logs: string[] = [];
  const log = captureLogWithMeta(logs);
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
      const { attach, mode, sftpServerPath } = options;
      attach(accept(), { mode, cwd: home, env: process.env, log, ...(sftpServerPath !== undefined ? { sftpServerPath } : {}) });
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

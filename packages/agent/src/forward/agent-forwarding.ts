// `ssh -A`: the person's ssh-agent, reachable from the job while they are connected (to `git push` with
// their key). On auth-agent-req@openssh.com the connection gets a Unix socket in a private directory
// (0700, socket 0600), sessions started afterwards have SSH_AUTH_SOCK pointing at it, and every
// connection to it becomes an auth-agent@openssh.com channel back to the client. It is refused under
// the key's no-agent-forwarding (or restrict) and wherever port forwarding is switched off.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, ServerChannel } from 'ssh2';
import { type ForwardContext, forwardingRefusal } from './direct';
import { joinSocketChannel } from './pipe';

// ssh2 1.17 internals. Its server can receive the request but has no method to open the channel back
// (openChannel() knows forwarded-tcpip, x11 and forwarded-streamlocal only); this does what that
// function does for the auth-agent@openssh.com type, with ssh2's own protocol writer.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MAX_WINDOW, PACKET_SIZE } = require('ssh2/lib/Channel.js') as { MAX_WINDOW: number; PACKET_SIZE: number };

interface Ssh2ConnectionInternals {
  _chanMgr?: { add(handler: unknown): number };
  _protocol?: { openssh_authAgent?(channel: number, window: number, packetSize: number): void };
}

/** Asks the client to open an auth-agent@openssh.com channel (to its ssh-agent). */
export function openAuthAgentChannel(client: Connection, cb: (error: Error | undefined, channel?: ServerChannel) => void): void {
  const internals = client as unknown as Ssh2ConnectionInternals;
  const open = internals._protocol?.openssh_authAgent;
  if (!internals._chanMgr || typeof open !== 'function') return cb(new Error('agent forwarding is unavailable (ssh2 internals changed)'));
  const handler = Object.assign((error: Error | undefined, channel?: ServerChannel) => cb(error, channel), { type: 'auth-agent@openssh.com' });
  const local = internals._chanMgr.add(handler);
  if (local === -1) return cb(new Error('No free channels available'));
  open.call(internals._protocol, local, MAX_WINDOW, PACKET_SIZE);
}

/** One connection's forwarded agent: a socket that lives as long as the connection. */
export class AgentForwarding {
  private server?: NetServer;
  private dir?: string;
  private socketPath?: string;

  constructor(
    private readonly client: Connection,
    private readonly ctx: ForwardContext,
  ) {}

  /** The SSH_AUTH_SOCK path once forwarding was requested and allowed, else undefined. */
  get path(): string | undefined {
    return this.socketPath;
  }

  /** Answers auth-agent-req: the socket's path, or undefined (refused, with the reason logged). */
  request(): string | undefined {
    const { label, log } = this.ctx;
    const refusal = this.ctx.options.noAgentForwarding ? 'no-agent-forwarding is set for this key' : forwardingRefusal(this.ctx);
    if (refusal) {
      log.info(`${label}: agent forwarding refused: ${refusal}`);
      return undefined;
    }
    if (this.socketPath) return this.socketPath;
    this.dir = mkdtempSync(join(tmpdir(), 'converge-ssh-'));
    const path = join(this.dir, `agent.${process.pid}`);
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      this.ctx.sockets.add(socket);
      socket.pause();
      openAuthAgentChannel(this.client, (error, channel) => {
        if (error || !channel) {
          log.info(`${label}: the client did not open its agent: ${error?.message ?? 'no channel'}`);
          return void socket.destroy();
        }
        joinSocketChannel(socket, channel);
        socket.resume();
      });
    });
    server.on('error', (error) => log.info(`${label}: agent socket: ${error.message}`));
    const umask = process.umask(0o177);
    try {
      server.listen(path);
    } finally {
      process.umask(umask);
    }
    this.server = server;
    this.socketPath = path;
    log.info(`${label}: agent forwarding on ${path}`);
    return path;
  }

  close(): void {
    this.server?.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.server = undefined;
  }
}

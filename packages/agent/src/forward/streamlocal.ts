// Unix-socket forwarding, as OpenSSH's streamlocal extensions: `ssh -L port:/path.sock` (a
// direct-streamlocal@openssh.com channel: the agent connects to the socket) and `ssh -R /path.sock:...`
// (streamlocal-forward@openssh.com: the agent listens on a socket and hands each connection to the
// client as a forwarded-streamlocal@openssh.com channel). The same switches as TCP forwarding
// (--no-forwarding, the relay's --allow-forwarding, the key's no-port-forwarding) apply, as sshd's
// DisableForwarding does; permitopen and permitlisten name TCP ports and do not apply.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server as NetServer } from 'node:net';
import type { AcceptConnection, Connection, RejectConnection, ServerChannel } from 'ssh2';
import { type ForwardContext, forwardingRefusal } from './direct';
import { joinSocketChannel } from './pipe';

const CONNECT_TIMEOUT_MS = 10_000;

/** `ssh -L port:/path.sock`: connect to the socket on the agent's machine and join it to the channel. */
export function handleDirectStreamLocal(accept: AcceptConnection<ServerChannel>, reject: RejectConnection, socketPath: string, ctx: ForwardContext): void {
  const { label, log } = ctx;
  const refusal = forwardingRefusal(ctx);
  if (refusal) {
    log.info(`${label}: forward to socket ${JSON.stringify(socketPath)} refused: ${refusal}`);
    return reject();
  }
  const socket = connect({ path: socketPath, allowHalfOpen: true });
  ctx.sockets.add(socket);
  socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('connect timed out')));
  const onEarlyError = (error: Error): void => {
    log.info(`${label}: forward to socket ${JSON.stringify(socketPath)} failed: ${error.message}`);
    reject();
  };
  socket.once('error', onEarlyError);
  socket.once('connect', () => {
    socket.setTimeout(0);
    socket.removeListener('error', onEarlyError);
    log.debug(`${label}: forwarding to socket ${JSON.stringify(socketPath)}`);
    joinSocketChannel(socket, accept());
  });
}

/** True when `path` is a socket file (a stale one may be replaced; anything else never is). */
function isSocketFile(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

/** The `ssh -R /path.sock:...` listeners of one SSH connection; their socket files go with them. */
export class RemoteStreamLocalForwards {
  private readonly listeners = new Map<string, NetServer>();

  constructor(
    private readonly client: Connection,
    private readonly ctx: ForwardContext,
  ) {}

  add(socketPath: string, accept: (() => void) | undefined, reject: (() => void) | undefined): void {
    const { label, log } = this.ctx;
    const refusal = forwardingRefusal(this.ctx);
    if (refusal || this.listeners.has(socketPath)) {
      log.info(`${label}: remote forward on socket ${JSON.stringify(socketPath)} refused: ${refusal ?? 'already forwarded'}`);
      return reject?.();
    }
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
      this.ctx.sockets.add(socket);
      this.client.openssh_forwardOutStreamLocal(socketPath, (error, channel) => {
        if (error) {
          log.info(`${label}: client refused forwarded connection on socket ${JSON.stringify(socketPath)}: ${error.message}`);
          return void socket.destroy();
        }
        joinSocketChannel(socket, channel);
        socket.resume();
      });
    });
    server.once('error', (error) => {
      log.info(`${label}: remote forward on socket ${JSON.stringify(socketPath)} failed: ${error.message}`);
      reject?.();
    });
    // As sshd's StreamLocalBindUnlink no: an existing file is never replaced, and the client is told.
    // StreamLocalBindMask 0177: only the agent's user may connect. Node binds a path synchronously inside
    // listen(), so the umask set around it gives the socket its mode from the start.
    const umask = process.umask(0o177);
    try {
      server.listen(socketPath, () => {
        chmodSync(socketPath, 0o600);
        this.listeners.set(socketPath, server);
        log.info(`${label}: remote forward listening on socket ${JSON.stringify(socketPath)}`);
        accept?.();
      });
    } finally {
      process.umask(umask);
    }
  }

  cancel(socketPath: string): boolean {
    const server = this.listeners.get(socketPath);
    if (!server) return false;
    this.close(socketPath, server);
    this.ctx.log.info(`${this.ctx.label}: remote forward on socket ${JSON.stringify(socketPath)} cancelled`);
    return true;
  }

  closeAll(): void {
    for (const [path, server] of this.listeners) this.close(path, server);
  }

  private close(socketPath: string, server: NetServer): void {
    this.listeners.delete(socketPath);
    server.close();
    // Node unlinks a Unix socket it listened on when it closes; make sure, the path may be reused.
    if (isSocketFile(socketPath)) {
      try {
        unlinkSync(socketPath);
      } catch {
        // gone already
      }
    }
  }
}

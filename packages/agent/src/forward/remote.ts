// `ssh -R` (tcpip-forward / cancel-tcpip-forward): listen on the agent's machine and hand every accepted
// connection to the client as a forwarded-tcpip channel. Bind address as OpenSSH's GatewayPorts says
// (loopback by default, whatever the client asks); the key's permitlisten limits what may be bound;
// port 0 lets the OS choose and the chosen port goes back in the reply ("Allocated port N").
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Connection } from 'ssh2';
import type { KeyOptions } from '../auth/options';
import { type ForwardContext, forwardingRefusal } from './direct';
import { joinSocketChannel } from './pipe';
import type { GatewayPorts } from './policy';

export interface BindRequest {
  readonly bindAddr: string;
  readonly bindPort: number;
}

/** The address to bind for what the client sent: `localhost` (OpenSSH's default) -> 127.0.0.1,
 *  `""` or `*` (all interfaces, RFC 4254) -> 0.0.0.0, anything else as given. */
export function bindHost(bindAddr: string): string {
  if (bindAddr === '' || bindAddr === '*') return '0.0.0.0';
  if (bindAddr === 'localhost') return '127.0.0.1';
  return bindAddr;
}

/** Where a remote forward really listens under GatewayPorts (sshd's rule). */
export function gatewayBindHost(bindAddr: string, gatewayPorts: GatewayPorts): string {
  if (gatewayPorts === 'clientspecified') return bindHost(bindAddr);
  if (gatewayPorts === 'yes') return '0.0.0.0';
  return bindAddr === '::1' ? '::1' : '127.0.0.1';
}

/** permitlisten="[host:]port" entries (`*` for any port, or any host); none given means anything. Port 0
 *  (let the agent choose) needs a `*` port, as in OpenSSH. */
export function permitListenAllows(options: KeyOptions, bindAddr: string, port: number): boolean {
  if (!options.permitListen) return true;
  return options.permitListen.some((entry) => {
    const m = /^(?:(?:\[([^\]]+)\]|([^:]+)):)?(\d+|\*)$/.exec(entry);
    if (!m) return false;
    const host = m[1] ?? m[2];
    const hostOk = host === undefined || host === '*' || host === bindAddr || (host === 'localhost' && (bindAddr === '' || bindAddr === 'localhost'));
    return hostOk && (m[3] === '*' || (port !== 0 && Number(m[3]) === port));
  });
}

interface Listener {
  readonly server: NetServer;
  readonly request: BindRequest;
  readonly port: number;
}

/** The remote forwards of one SSH connection. */
export class RemoteForwards {
  private readonly listeners = new Map<string, Listener>();

  constructor(
    private readonly client: Connection,
    private readonly ctx: ForwardContext,
  ) {}

  private static keyOf(bindAddr: string, port: number): string {
    return `${bindAddr}\n${port}`;
  }

  /** Answers one tcpip-forward request: accept(port) once listening, reject() otherwise. */
  async add(request: BindRequest, accept: ((port?: number) => void) | undefined, reject: (() => void) | undefined): Promise<void> {
    const { label, log } = this.ctx;
    const wanted = `${request.bindAddr || '*'}:${request.bindPort}`;
    const refusal =
      forwardingRefusal(this.ctx) ??
      (permitListenAllows(this.ctx.options, request.bindAddr, request.bindPort) ? undefined : 'not in permitlisten for this key');
    if (refusal) {
      log.info(`${label}: remote forward ${wanted} refused: ${refusal}`);
      return reject?.();
    }
    try {
      const server = await this.listen(request);
      const port = (server.address() as AddressInfo).port;
      this.listeners.set(RemoteForwards.keyOf(request.bindAddr, port), { server, request, port });
      log.info(`${label}: remote forward listening on ${gatewayBindHost(request.bindAddr, this.ctx.policy.gatewayPorts)}:${port}`);
      accept?.(port);
    } catch (error) {
      log.info(`${label}: remote forward ${wanted} failed: ${(error as Error).message}`);
      reject?.();
    }
  }

  /** cancel-tcpip-forward: the client names the address it asked for and the port it got. */
  cancel(request: BindRequest): boolean {
    const key = RemoteForwards.keyOf(request.bindAddr, request.bindPort);
    const listener = this.listeners.get(key);
    if (!listener) return false;
    this.listeners.delete(key);
    listener.server.close();
    this.ctx.log.info(`${this.ctx.label}: remote forward on port ${listener.port} cancelled`);
    return true;
  }

  /** Closes every listener (the SSH connection ended). Accepted sockets go with the SocketSet. */
  closeAll(): void {
    for (const { server } of this.listeners.values()) server.close();
    this.listeners.clear();
  }

  get size(): number {
    return this.listeners.size;
  }

  private listen(request: BindRequest): Promise<NetServer> {
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => this.onSocket(socket, request, server));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(request.bindPort, gatewayBindHost(request.bindAddr, this.ctx.policy.gatewayPorts), () => {
        server.removeListener('error', reject);
        server.on('error', (error) => this.ctx.log.warn(`${this.ctx.label}: remote forward listener: ${error.message}`));
        resolve(server);
      });
    });
  }

  /** Opens a forwarded-tcpip channel for one accepted connection; the socket stays paused until then. */
  private onSocket(socket: Socket, request: BindRequest, server: NetServer): void {
    const { label, log, sockets } = this.ctx;
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    const port = (server.address() as AddressInfo).port;
    const from = { address: socket.remoteAddress ?? '127.0.0.1', port: socket.remotePort ?? 0 };
    // The client matches the channel to its forward by the address it asked for and the port bound.
    this.client.forwardOut(request.bindAddr, port, from.address, from.port, (error, channel) => {
      if (error) {
        log.info(`${label}: client refused forwarded connection on port ${port}: ${error.message}`);
        return void socket.destroy();
      }
      if (socket.destroyed) return void channel.destroy();
      log.debug(`${label}: forwarded connection from ${from.address}:${from.port} on port ${port}`);
      joinSocketChannel(socket, channel);
      socket.resume();
    });
  }
}

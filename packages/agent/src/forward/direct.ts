// `ssh -L` and `ssh -D` (both arrive as direct-tcpip): the client asks the agent to open a TCP
// connection for it. Honours the agent/relay policy and the key's no-port-forwarding / restrict /
// permitopen; the socket is joined to the channel with backpressure and tracked for cleanup.
import { connect } from 'node:net';
import type { AcceptConnection, RejectConnection, ServerChannel, TcpipRequestInfo } from 'ssh2';
import type { KeyOptions } from '../auth/options';
import type { Logger } from '../log';
import { joinSocketChannel, type SocketSet } from './pipe';
import type { AccessPolicy } from './policy';

/** How long a direct-tcpip connect may take before the channel open is refused. */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface ForwardContext {
  readonly label: string;
  readonly options: KeyOptions;
  readonly policy: AccessPolicy;
  readonly sockets: SocketSet;
  readonly log: Logger;
}

/** permitopen="host:port" entries (`*` for any host or port); none given means anything. */
export function permitOpenAllows(options: KeyOptions, host: string, port: number): boolean {
  if (!options.permitOpen) return true;
  return options.permitOpen.some((entry) => {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+|\*)$/.exec(entry);
    if (!m) return false;
    const h = m[1] ?? m[2];
    return (h === '*' || h === host) && (m[3] === '*' || Number(m[3]) === port);
  });
}

/** Why this connection may not forward at all (policy first, then the key), or undefined. */
export function forwardingRefusal(ctx: ForwardContext): string | undefined {
  return ctx.policy.forwardingRefusal() ?? (ctx.options.noPortForwarding ? 'no-port-forwarding is set for this key' : undefined);
}

export function handleDirectTcpip(accept: AcceptConnection<ServerChannel>, reject: RejectConnection, info: TcpipRequestInfo, ctx: ForwardContext): void {
  const { label, log } = ctx;
  const target = `${info.destIP}:${info.destPort}`;
  const refusal = forwardingRefusal(ctx) ?? (permitOpenAllows(ctx.options, info.destIP, info.destPort) ? undefined : 'not in permitopen for this key');
  if (refusal) {
    log.info(`${label}: forward to ${target} refused: ${refusal}`);
    return reject();
  }
  const socket = connect({ host: info.destIP, port: info.destPort, allowHalfOpen: true });
  ctx.sockets.add(socket);
  socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('connect timed out')));
  const onEarlyError = (error: Error): void => {
    log.info(`${label}: forward to ${target} failed: ${error.message}`);
    reject();
  };
  socket.once('error', onEarlyError);
  socket.once('connect', () => {
    socket.setTimeout(0);
    socket.removeListener('error', onEarlyError);
    const channel = accept();
    log.debug(`${label}: forwarding to ${target}`);
    joinSocketChannel(socket, channel);
  });
}

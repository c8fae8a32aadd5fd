// `ssh -L` (direct-tcpip): the client asks the agent to open a TCP connection for it. Honours
// no-port-forwarding / restrict and permitopen from the key's authorized_keys line.
import { connect } from 'node:net';
import type { AcceptConnection, RejectConnection, ServerChannel, TcpipRequestInfo } from 'ssh2';
import type { KeyOptions } from './auth/options';
import type { Logger } from './log';

function permitted(options: KeyOptions, host: string, port: number): boolean {
  if (options.noPortForwarding) return false;
  if (!options.permitOpen) return true;
  return options.permitOpen.some((entry) => {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+|\*)$/.exec(entry);
    if (!m) return false;
    const h = m[1] ?? m[2];
    return (h === '*' || h === host) && (m[3] === '*' || Number(m[3]) === port);
  });
}

export function handleDirectTcpip(
  accept: AcceptConnection<ServerChannel>,
  reject: RejectConnection,
  info: TcpipRequestInfo,
  options: KeyOptions,
  label: string,
  log: Logger,
): void {
  if (!permitted(options, info.destIP, info.destPort)) {
    log.info(`${label}: port forwarding to ${info.destIP}:${info.destPort} refused by key options`);
    return reject();
  }
  const socket = connect({ host: info.destIP, port: info.destPort });
  socket.setNoDelay(true);
  const onEarlyError = (error: Error): void => {
    log.info(`${label}: forward to ${info.destIP}:${info.destPort} failed: ${error.message}`);
    reject();
  };
  socket.once('error', onEarlyError);
  socket.once('connect', () => {
    socket.removeListener('error', onEarlyError);
    const channel = accept();
    log.debug(`${label}: forwarding to ${info.destIP}:${info.destPort}`);
    // stream.pipe handles backpressure both ways; either side ending ends the other.
    socket.pipe(channel).pipe(socket);
    const end = (): void => {
      socket.destroy();
      channel.destroy();
    };
    socket.on('error', end);
    channel.on('error', end);
    socket.on('close', end);
    channel.on('close', end);
  });
}

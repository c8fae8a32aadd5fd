// One TCP socket joined to one SSH channel: bytes both ways with backpressure (stream.pipe pauses the
// side that is ahead until the other drains), half-close passed on, and a joint teardown so neither
// side outlives the other. Every forward (-L, -D, -R) uses this.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** How long a socket may keep flushing after its channel closed before it is destroyed. */
export const LINGER_MS = 5_000;

/** Sockets of one SSH connection's forwards, destroyed together when the connection ends. */
export class SocketSet {
  private readonly sockets = new Set<Socket>();

  add(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  get size(): number {
    return this.sockets.size;
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}

/**
 * Pipes `socket` <-> `channel`. An end on one side ends the other's writing side (HTTP/1.0 style
 * "send request, half-close, read reply" works). The channel closing, or an error on either side,
 * tears both down; the socket may first flush what it already holds (bounded by LINGER_MS). A socket
 * that closes cleanly only ends the channel: its last bytes may still wait for window in the channel.
 */
export function joinSocketChannel(socket: Socket, channel: Duplex): void {
  socket.setNoDelay(true);
  socket.pipe(channel);
  channel.pipe(socket);
  let done = false;
  const teardown = (): void => {
    if (done) return;
    done = true;
    channel.destroy();
    if (socket.destroyed) return;
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  socket.on('error', () => {
    socket.destroy();
    teardown();
  });
  channel.on('error', teardown);
  socket.on('close', (hadError: boolean) => (hadError ? teardown() : channel.end()));
  channel.on('close', teardown);
}

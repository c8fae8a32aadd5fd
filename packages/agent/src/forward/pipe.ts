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
 * ssh2 1.17 closes a server-side channel as soon as our writing side ends (Channel.js onFinish: EOF, then
 * CLOSE when `server` is set), so a TCP peer that half-closed ("send request, shut down writing, read the
 * reply") lost the reply still to come from the other end. Marking a forwarded channel as not server-side
 * leaves it at EOF, as sshd does; the client closes it once both directions are done. The flag only gates
 * session methods (exit, signal, setWindow), which forwarded channels never use.
 */
export function keepOpenAfterEof(channel: Duplex): void {
  const internals = channel as Duplex & { server?: boolean };
  if (internals.server === true) internals.server = false;
}

/**
 * Pipes `socket` <-> `channel`; the socket must allow half-open (`allowHalfOpen: true`). An end on one
 * side ends only the other's writing side ("send request, half-close, read reply" works both ways). The channel closing, or an error on either side,
 * tears both down; the socket may first flush what it already holds (bounded by LINGER_MS). A socket
 * that closes cleanly only ends the channel: its last bytes may still wait for window in the channel.
 */
export function joinSocketChannel(socket: Socket, channel: Duplex): void {
  keepOpenAfterEof(channel);
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
  // As sshd: once our EOF is out (after the last byte) and the client's EOF came in, close the channel.
  let sentEof = false;
  let gotEof = false;
  channel.once('finish', () => {
    sentEof = true;
    if (gotEof) teardown();
  });
  channel.once('end', () => {
    gotEof = true;
    if (sentEof) teardown();
  });
}

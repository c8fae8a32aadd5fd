// The server end of the opening handshake (RFC 6455 4.2), for an upgrade request already checked
// (method, Upgrade header, key, version 13): no subprotocol and no extension are agreed.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { FrameSocket, type FrameSocketOptions } from './frame-socket';

export const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept value that answers a Sec-WebSocket-Key. */
export function acceptKeyFor(key: string): string {
  return createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
}

/** Completes the upgrade with a 101. Undefined when the socket is already gone. */
export function acceptFrameSocket(
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  maxFrameBytes: number,
  options: Pick<FrameSocketOptions, 'recycledReads'> = {},
): FrameSocket | undefined {
  if (!socket.readable || !socket.writable) {
    socket.destroy();
    return undefined;
  }
  const accept = acceptKeyFor(String(request.headers['sec-websocket-key']));
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  const frames = new FrameSocket(socket as Socket, { maxFrameBytes, end: 'server', ...options });
  if (head.length > 0) socket.unshift(head);
  return frames;
}

/** Completes a client's or a data socket's upgrade; undefined when the socket is already gone. */
export type AcceptFrameSocket = (request: IncomingMessage, socket: Duplex, head: Buffer) => FrameSocket | undefined;

// A websocket upgrade sent by hand over a plain TCP socket, for tests that must hang up at a chosen
// moment of the handshake (end() sends a FIN only, resetAndDestroy() a reset), which no client library allows.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** Connects to `url` (ws:// or http://) and sends the upgrade request for its path; resolves once it is written. */
export async function sendRawUpgrade(url: string): Promise<Socket> {
  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(
    `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  return socket;
}

// HTTP upgrade plumbing: refusing an upgrade with a status and a JSON reason (so wsproxy can print one
// readable line instead of hanging), and the websocket server for control sockets (client and data
// sockets are completed by @converge/websocket, which forwards their frames without ws).
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { encodeHttpError, MAX_CONTROL_MESSAGE_BYTES, RELAY_ERRORS, type RelayErrorCode } from '@converge/protocol';
import { WebSocketServer } from 'ws';

export function refuseUpgrade(socket: Duplex, code: RelayErrorCode, message: string): void {
  if (socket.destroyed) return;
  const status = RELAY_ERRORS[code].status;
  const body = encodeHttpError(code, message);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.once('finish', () => socket.destroy());
}

/**
 * Runs `listener` once if the peer of a held upgrade (not yet answered) hangs up. Its end arrives even
 * though nothing reads the socket, and an upgraded socket is half-open, so 'close' alone would miss a
 * FIN until a write failed. Returns a function that stops watching.
 */
export function onHangUp(socket: Duplex, listener: () => void): () => void {
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    listener();
  };
  socket.once('end', once);
  socket.once('close', once);
  return () => {
    socket.off('end', once);
    socket.off('close', once);
  };
}

/** True when the request is a websocket upgrade ws will accept (checked before holding a client). */
export function isWebSocketUpgrade(request: IncomingMessage): boolean {
  const key = request.headers['sec-websocket-key'];
  return (
    request.method === 'GET' &&
    request.headers.upgrade?.toLowerCase() === 'websocket' &&
    typeof key === 'string' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key) &&
    request.headers['sec-websocket-version'] === '13'
  );
}

export function createControlSocketServer(): WebSocketServer {
  return new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: MAX_CONTROL_MESSAGE_BYTES });
}


// One data websocket per SSH connection, opened when the relay asks (`open`), as a Duplex for ssh2.
import { dataUrl, MAX_DATA_FRAME_BYTES, type RelayUrl } from '@converge/protocol';
import type { Duplex } from 'node:stream';
import WebSocket, { createWebSocketStream } from 'ws';

export const DATA_SOCKET_TIMEOUT_MS = 10_000;

/** Resolves with the open socket as a stream, or rejects with a short reason for `open-failed`. */
export function openDataSocket(relay: RelayUrl, connectionId: string, timeoutMs = DATA_SOCKET_TIMEOUT_MS): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(dataUrl(relay, connectionId), {
      perMessageDeflate: false,
      maxPayload: MAX_DATA_FRAME_BYTES,
      handshakeTimeout: timeoutMs,
    });
    const fail = (reason: string): void => {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      reject(new Error(reason));
    };
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      fail(`data socket refused with HTTP ${res.statusCode}`);
    });
    ws.once('error', (error) => fail(`data socket failed: ${error.message}`));
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.removeAllListeners('unexpected-response');
      const stream = createWebSocketStream(ws);
      // createWebSocketStream surfaces socket errors on the stream; ssh2 listens there.
      stream.on('error', () => undefined);
      // When the relay closes first, ws's stream never finishes ending its writable side (its _final
      // waits on a socket that is gone), so the stream never emits 'close' and ssh2 never sees the
      // connection end. Destroy it once everything received has been read.
      ws.once('close', () => {
        if (stream.destroyed) return;
        if (stream.readableEnded) stream.destroy();
        else stream.once('end', () => stream.destroy());
      });
      resolve(stream);
    });
  });
}

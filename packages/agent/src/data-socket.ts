// One data websocket per SSH connection, opened when the relay asks (`open`), as a Duplex for ssh2.
import { dataUrl, MAX_DATA_FRAME_BYTES, type RelayUrl, zeroMask } from '@converge/protocol';
import type { Duplex } from 'node:stream';
import WebSocket, { createWebSocketStream } from 'ws';

export const DATA_SOCKET_TIMEOUT_MS = 10_000;
/** How long a closed data socket's stream may take to hand ssh2 what it had received. */
const CLOSE_DRAIN_MS = 5000;

/** Resolves with the open socket as a stream, or rejects with a short reason for `open-failed`. */
export function openDataSocket(relay: RelayUrl, connectionId: string, timeoutMs = DATA_SOCKET_TIMEOUT_MS): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(dataUrl(relay, connectionId), {
      perMessageDeflate: false,
      maxPayload: MAX_DATA_FRAME_BYTES,
      handshakeTimeout: timeoutMs,
      generateMask: zeroMask,
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
      // When the socket closes, ws ends the stream's readable side but its writable side never finishes
      // (its _final waits on a socket that is gone), so the stream emits no 'close' and ssh2 never sees
      // the connection end: children, forwards and -R listeners stayed alive. Destroy the stream once
      // ssh2 has read what was received, or after a bounded wait if it never does.
      ws.once('close', () => {
        if (stream.destroyed) return;
        if (stream.readableEnded) return void stream.destroy();
        const drained = setTimeout(() => stream.destroy(), CLOSE_DRAIN_MS);
        stream.once('end', () => {
          clearTimeout(drained);
          stream.destroy();
        });
      });
      resolve(stream);
    });
  });
}

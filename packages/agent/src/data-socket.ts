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
      stream._writev = (chunks, callback) => sendCoalesced(ws, chunks.map(({ chunk }) => chunk as Buffer), callback);
      corkEachTick(stream);
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

/** Holds the writes of one tick (the pieces of ssh2's packets) so that they reach _writev together. */
function corkEachTick(stream: Duplex): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((...args: unknown[]) => {
    if (stream.writableCorked === 0) {
      stream.cork();
      process.nextTick(() => stream.uncork());
    }
    return write(...args);
  }) as Duplex['write'];
}

/** Largest message the agent builds: the smallest frame limit a relay may be given (--max-message-size
 *  64 KiB), still two full SSH packets. */
export const COALESCED_MESSAGE_BYTES = 64 * 1024;

/**
 * ssh2 writes every packet in two or three pieces (length, ciphertext, MAC). The stream hands the pieces
 * queued behind a send in flight here together: they go out as one message (or a few, each at most
 * COALESCED_MESSAGE_BYTES) instead of one message per piece, which tripled the frames that the relay and
 * wsproxy handle per packet. The callback runs once every message is written, keeping the backpressure.
 */
export function sendCoalesced(ws: Pick<WebSocket, 'send'>, pieces: readonly Buffer[], callback: (error?: Error | null) => void): void {
  const messages: Buffer[][] = [];
  let current: Buffer[] = [];
  let size = 0;
  for (const piece of pieces) {
    if (current.length > 0 && size + piece.length > COALESCED_MESSAGE_BYTES) {
      messages.push(current);
      current = [];
      size = 0;
    }
    current.push(piece);
    size += piece.length;
  }
  if (current.length > 0) messages.push(current);
  let pending = messages.length;
  if (pending === 0) return void callback();
  let failure: Error | undefined;
  for (const message of messages) {
    ws.send(message.length === 1 ? message[0]! : Buffer.concat(message), (error?: Error) => {
      failure ??= error;
      if (--pending === 0) callback(failure);
    });
  }
}

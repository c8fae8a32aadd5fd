// A FrameSocket as a Duplex stream, for code that takes a socket-like stream (ssh2's injectSocket).
import { Duplex } from 'node:stream';
import type { FrameSocket } from './frame-socket';

/** Bytes waiting to leave (not yet taken by the kernel) above which a write's callback waits for them. */
const WRITE_HIGH_WATER = 1024 * 1024;
/** How long a closed websocket's stream may take to hand its reader what was received. */
const CLOSE_DRAIN_MS = 5000;

/**
 * The stream ends when the websocket closes and is destroyed once its reader has read what was received
 * (or after CLOSE_DRAIN_MS if it never does): a reader that waits for 'close', as ssh2 does, learns that
 * the connection is gone. Ending the stream sends a normal close; destroying it with an error sends 1011.
 * Writes made together leave as one frame (FrameSocket's send says when): a write's callback runs at
 * once unless more than WRITE_HIGH_WATER bytes are still waiting, and then once they have left.
 */
export function frameSocketStream(frames: FrameSocket): Duplex {
  const stream = new Duplex({
    read() {
      if (frames.isPaused) frames.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      let answered = false;
      frames.send(chunk, (error) => {
        if (!answered) {
          answered = true;
          callback(error);
        } else if (error) {
          stream.destroy(error);
        }
      });
      if (!answered && frames.bufferedAmount <= WRITE_HIGH_WATER) {
        answered = true;
        callback();
      }
    },
    final(callback) {
      frames.close(1000);
      callback();
    },
    destroy(error, callback) {
      if (frames.open) frames.close(error ? 1011 : 1000, error ? error.message.slice(0, 120) : '');
      callback(error);
    },
  });
  frames.on('data', (payload) => {
    if (!stream.push(payload)) frames.pause();
  });
  frames.once('close', () => {
    if (stream.destroyed) return;
    stream.push(null);
    if (stream.readableEnded) return void stream.destroy();
    const drained = setTimeout(() => stream.destroy(), CLOSE_DRAIN_MS);
    stream.once('end', () => {
      clearTimeout(drained);
      stream.destroy();
    });
  });
  return stream;
}

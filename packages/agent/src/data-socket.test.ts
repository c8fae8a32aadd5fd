import { COALESCED_MESSAGE_BYTES, sendCoalesced } from './data-socket';

/** A websocket stand-in that records each message and completes sends when told. */
function recordingSocket() {
  const sent: Buffer[] = [];
  const callbacks: ((error?: Error) => void)[] = [];
  return {
    sent,
    complete: (error?: Error) => callbacks.splice(0).forEach((cb) => cb(error)),
    send(data: Buffer, cb: (error?: Error) => void) {
      sent.push(data);
      callbacks.push(cb);
    },
  };
}

describe('sendCoalesced', () => {
  it('sends the pieces of packets as one message, in order, and calls back once all is written', () => {
    const ws = recordingSocket();
    const done = jest.fn();
    const pieces = [Buffer.from([0, 0, 0, 9]), Buffer.alloc(1000, 1), Buffer.alloc(32, 2), Buffer.from([0, 0, 1, 0]), Buffer.alloc(500, 3), Buffer.alloc(32, 4)];
    sendCoalesced(ws as never, pieces, done);
    expect(ws.sent).toEqual([Buffer.concat(pieces)]);
    expect(done).not.toHaveBeenCalled();
    ws.complete();
    expect(done).toHaveBeenCalledWith(undefined);
  });

  it('never builds a message above the smallest frame limit a relay accepts', () => {
    const ws = recordingSocket();
    const packet = [Buffer.alloc(4), Buffer.alloc(32_768), Buffer.alloc(32)];
    const pieces = Array.from({ length: 10 }, () => packet).flat();
    const done = jest.fn();
    sendCoalesced(ws as never, pieces, done);
    expect(Buffer.concat(ws.sent)).toEqual(Buffer.concat(pieces));
    expect(Math.max(...ws.sent.map((m) => m.length))).toBeLessThanOrEqual(COALESCED_MESSAGE_BYTES);
    expect(COALESCED_MESSAGE_BYTES).toBeLessThanOrEqual(64 * 1024);
    // One message per packet at least, instead of one per piece.
    expect(ws.sent.length).toBeLessThanOrEqual(pieces.length / 3);
    ws.complete(new Error('gone'));
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith(new Error('gone'));
  });
});

import fc from 'fast-check';
import { decodeClosePayload, encodeClosePayload, encodeFrameHeader, type FrameEvent, FrameReader, type FrameReaderOptions, Opcode } from './ws-frames';

const MAX = 1024 * 1024;

/** A client frame as a websocket client writes it: FIN, opcode, masked with `mask`. */
function clientFrame(opcode: number, payload: Uint8Array, mask = Uint8Array.of(1, 2, 3, 4), fin = true): Uint8Array {
  const header = encodeFrameHeader(opcode, payload.length);
  header[0] = (fin ? 0x80 : 0) | opcode;
  header[1]! |= 0x80;
  const masked = payload.map((byte, i) => byte ^ mask[i & 3]!);
  return Uint8Array.from([...header, ...mask, ...masked]);
}

function readAll(chunks: Uint8Array[], options: FrameReaderOptions = { maxFrameBytes: MAX, from: 'client' }): FrameEvent[] {
  const reader = new FrameReader(options);
  // Copies: the reader unmasks in place, and a test reuses its frames.
  return chunks.flatMap((chunk) => [...reader.push(Uint8Array.from(chunk))]);
}

const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const dataOf = (events: FrameEvent[]) => concat(events.flatMap((e) => (e.kind === 'data' ? [e.payload] : [])));

describe('encodeFrameHeader', () => {
  it('writes the three length forms (golden bytes)', () => {
    expect([...encodeFrameHeader(Opcode.binary, 5)]).toEqual([0x82, 5]);
    expect([...encodeFrameHeader(Opcode.binary, 125)]).toEqual([0x82, 125]);
    expect([...encodeFrameHeader(Opcode.binary, 126)]).toEqual([0x82, 126, 0, 126]);
    expect([...encodeFrameHeader(Opcode.binary, 65535)]).toEqual([0x82, 126, 0xff, 0xff]);
    expect([...encodeFrameHeader(Opcode.binary, 65536)]).toEqual([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect([...encodeFrameHeader(Opcode.ping, 0)]).toEqual([0x89, 0]);
    expect([...encodeFrameHeader(Opcode.binary, 2 ** 32 + 0x01020304)]).toEqual([0x82, 127, 0, 0, 0, 1, 1, 2, 3, 4]);
    expect([...encodeFrameHeader(Opcode.binary, 0xfedcba98)]).toEqual([0x82, 127, 0, 0, 0, 0, 0xfe, 0xdc, 0xba, 0x98]);
  });

  it('writes a zero masking key after the length when masked (golden bytes)', () => {
    expect([...encodeFrameHeader(Opcode.binary, 5, true)]).toEqual([0x82, 0x85, 0, 0, 0, 0]);
    expect([...encodeFrameHeader(Opcode.binary, 0x1234, true)]).toEqual([0x82, 0xfe, 0x12, 0x34, 0, 0, 0, 0]);
  });
});

describe('FrameReader', () => {
  it('unmasks a binary frame (golden bytes)', () => {
    const events = readAll([Uint8Array.of(0x82, 0x83, 1, 2, 3, 4, 0x61 ^ 1, 0x62 ^ 2, 0x63 ^ 3)]);
    expect(events).toEqual([{ kind: 'data', payload: Uint8Array.of(0x61, 0x62, 0x63) }]);
  });

  it('yields the same bytes however the stream is cut (random splits, masks and frame sizes)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ payload: fc.uint8Array({ maxLength: 70_000 }), mask: fc.uint8Array({ minLength: 4, maxLength: 4 }) }), { maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 40_000 }), { maxLength: 20 }),
        (frames, cuts) => {
          const stream = concat(frames.map((f) => clientFrame(Opcode.binary, f.payload, f.mask)));
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (const cut of cuts) {
            if (at >= stream.length) break;
            chunks.push(stream.subarray(at, at + cut));
            at += cut;
          }
          chunks.push(stream.subarray(at));
          const events = readAll(chunks);
          expect(events.every((e) => e.kind === 'data')).toBe(true);
          expect(dataOf(events)).toEqual(concat(frames.map((f) => f.payload)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('hands on a fragmented message piece by piece and reads control frames between the pieces', () => {
    const events = readAll([
      clientFrame(Opcode.binary, Uint8Array.of(1, 2), undefined, false),
      clientFrame(Opcode.ping, Uint8Array.of(9)),
      clientFrame(Opcode.continuation, Uint8Array.of(3), undefined, true),
      clientFrame(Opcode.pong, new Uint8Array(0)),
    ]);
    expect(events).toEqual([
      { kind: 'data', payload: Uint8Array.of(1, 2) },
      { kind: 'control', opcode: Opcode.ping, payload: Uint8Array.of(9) },
      { kind: 'data', payload: Uint8Array.of(3) },
      { kind: 'control', opcode: Opcode.pong, payload: new Uint8Array(0) },
    ]);
  });

  it('reads a control frame split across chunks as one event', () => {
    const close = clientFrame(Opcode.close, encodeClosePayload(4000, 'bye'));
    const events = readAll([...close].map((byte) => Uint8Array.of(byte)));
    expect(events).toEqual([{ kind: 'control', opcode: Opcode.close, payload: encodeClosePayload(4000, 'bye') }]);
  });

  it.each(([
    ['a text frame', clientFrame(Opcode.text, Uint8Array.of(0x41)), 1003],
    ['an unmasked frame from a client', Uint8Array.of(0x82, 1, 0), 1002],
    ['reserved bits', Uint8Array.of(0xc2, 0x80, 0, 0, 0, 0), 1002],
    ['an unknown opcode', clientFrame(0x3, new Uint8Array(0)), 1002],
    ['an unknown control opcode', clientFrame(0xb, new Uint8Array(0)), 1002],
    ['a continuation outside a message', clientFrame(Opcode.continuation, Uint8Array.of(1)), 1002],
    ['a fragmented control frame', clientFrame(Opcode.ping, new Uint8Array(0), undefined, false), 1002],
    ['a control frame over 125 bytes', clientFrame(Opcode.ping, new Uint8Array(126)), 1002],
    ['a frame over the limit', Uint8Array.of(0x82, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 1, 0, 0, 0, 0), 1009],
    ['a 64-bit length past 4 GiB', Uint8Array.of(0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 1009],
  ] as const).map(([what, bytes, code]) => ({ what, bytes, code })))('refuses $what with close code $code and reads nothing after it', ({ bytes, code }) => {
    const events = readAll([bytes, clientFrame(Opcode.binary, Uint8Array.of(7))]);
    expect(events).toEqual([expect.objectContaining({ kind: 'error', closeCode: code })]);
  });

  it('refuses a new message inside a fragmented one', () => {
    const events = readAll([clientFrame(Opcode.binary, Uint8Array.of(1), undefined, false), clientFrame(Opcode.binary, Uint8Array.of(2))]);
    expect(events.map((e) => e.kind)).toEqual(['data', 'error']);
    expect(events[1]).toMatchObject({ closeCode: 1002 });
  });

  it('accepts unmasked frames when masks are not required (a client reading a server)', () => {
    expect(readAll([Uint8Array.of(0x82, 1, 5)], { maxFrameBytes: MAX, from: 'server' })).toEqual([{ kind: 'data', payload: Uint8Array.of(5) }]);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
        const reader = new FrameReader({ maxFrameBytes: 1000, from: 'client' });
        let errors = 0;
        for (const chunk of chunks) for (const event of reader.push(chunk)) if (event.kind === 'error') errors++;
        expect(errors).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('close payloads', () => {
  it('round-trips a code and a reason, cut to 123 bytes without splitting a character', () => {
    expect(decodeClosePayload(encodeClosePayload(4404, 'unknown id'))).toEqual({ code: 4404, reason: 'unknown id' });
    const long = encodeClosePayload(1011, 'é'.repeat(100));
    expect(long.length).toBeLessThanOrEqual(125);
    expect(decodeClosePayload(long)?.reason).toBe('é'.repeat(61));
  });

  it('reads an empty payload as 1005 and refuses reserved codes, one byte and bad UTF-8', () => {
    expect(decodeClosePayload(new Uint8Array(0))).toEqual({ code: 1005, reason: '' });
    expect(decodeClosePayload(Uint8Array.of(3))).toBeUndefined();
    expect(decodeClosePayload(Uint8Array.of(0x03, 0xee))).toBeUndefined(); // 1006
    expect(decodeClosePayload(Uint8Array.of(0x0b, 0xb8, 0xff))).toBeUndefined(); // 3000 + invalid UTF-8
  });
});

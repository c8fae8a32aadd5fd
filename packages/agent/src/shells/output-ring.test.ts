import fc from 'fast-check';
import { OutputRing } from './output-ring';

test('keeps the newest bytes up to its capacity and counts what it dropped', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), (chunks, capacity) => {
      const ring = new OutputRing(capacity);
      for (const chunk of chunks) ring.push(Buffer.from(chunk));
      const all = Buffer.concat(chunks.map((c) => Buffer.from(c)));
      const kept = all.subarray(Math.max(0, all.length - capacity));
      expect(ring.contents().equals(kept)).toBe(true);
      expect(ring.length).toBe(kept.length);
      expect(ring.dropped).toBe(all.length - kept.length);
    }),
    { numRuns: 500 },
  );
});

test('clear() starts over', () => {
  const ring = new OutputRing(4);
  ring.push(Buffer.from('abcdef'));
  ring.clear();
  ring.push(Buffer.from('xy'));
  expect(ring.contents().toString()).toBe('xy');
  expect(ring.dropped).toBe(0);
});

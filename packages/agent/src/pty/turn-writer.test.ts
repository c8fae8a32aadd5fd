import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { turnWriter } from './turn-writer';

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

test('the writes of one turn reach the stream together, at the end of the turn', async () => {
  const batches: number[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      batches.push([chunk.length]);
      callback();
    },
    writev(chunks, callback) {
      batches.push(chunks.map(({ chunk }) => (chunk as Buffer).length));
      callback();
    },
  });
  const write = turnWriter(stream);
  expect(write(Buffer.alloc(1000))).toBe(true);
  await new Promise((resolve) => process.nextTick(resolve));
  expect(write(Buffer.alloc(2000))).toBe(true);
  expect(batches).toEqual([]);
  await endOfTurn();
  expect(batches).toEqual([[1000, 2000]]);
  write(Buffer.alloc(10));
  await endOfTurn();
  expect(batches).toEqual([[1000, 2000], [10]]);
});

test('asks to wait once more than the high-water mark waits, and the drain follows', async () => {
  const stream = new PassThrough({ highWaterMark: 1024 });
  const write = turnWriter(stream, 64 * 1024);
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(write(Buffer.alloc(32 * 1024)));
  expect(answers).toEqual([true, true, false, false]);
  const drained = once(stream, 'drain');
  await endOfTurn();
  stream.resume();
  await drained;
});

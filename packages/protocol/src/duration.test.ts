import { formatDuration, parseDuration } from './duration';

describe('durations', () => {
  it.each([
    ['10', 10_000],
    ['1.5', 1500],
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    [' 5s ', 5000],
  ])('parses %j', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'm', '10x', '5 s', '-1s', '1h-', 's10'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());

  it.each([
    [0, '0ms'],
    [999, '999ms'],
    [1000, '1s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [90_061_000, '1d1h1m1s'],
  ])('formats %d as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

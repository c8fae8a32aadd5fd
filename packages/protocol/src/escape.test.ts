import fc from 'fast-check';
import { escapeControl } from './escape';

describe('escapeControl', () => {
  it.each([
    ['plain text, unicode é and 🙂', 'plain text, unicode é and 🙂'],
    ['clear\x1b[2Jscreen', 'clear\\x1b[2Jscreen'],
    ['title\x1b]0;pwned\x07', 'title\\x1b]0;pwned\\x07'],
    ['line\r\nbreak\ttab', 'line\\x0d\\x0abreak\\x09tab'],
    ['c1\u009bcsi del\x7f', 'c1\\x9bcsi del\\x7f'],
    ['bidi\u202eevil\u2066', 'bidi\\u202eevil\\u2066'],
  ])('%j -> %j', (input, output) => {
    expect(escapeControl(input)).toBe(output);
  });

  it('leaves no control character in any string (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (text) => {
        // eslint-disable-next-line no-control-regex
        expect(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/.test(escapeControl(text))).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

import { randomBytes } from 'node:crypto';
import { ProtocolError } from './errors';
import { generateConnectionId, generateId, isValidConnectionId, isValidId, validateId } from './ids';

describe('ids', () => {
  it.each([
    ['abc', true],
    ['k3v9-x7qd-2mhp-tr8w', true],
    ['my-job-42', true],
    ['a'.repeat(63), true],
    ['ab', false],
    ['a'.repeat(64), false],
    ['-abc', false],
    ['abc-', false],
    ['ABC', false],
    ['a_b', false],
    ['a.b', false],
    ['a b', false],
    ['../x', false],
    ['', false],
  ])('isValidId(%j) is %s', (id, valid) => {
    expect(isValidId(id)).toBe(valid);
  });

  it('rejects non-strings', () => {
    expect(isValidId(42)).toBe(false);
    expect(isValidId(undefined)).toBe(false);
  });

  it('validateId throws a typed error that says what is allowed', () => {
    expect(() => validateId('Bad Id')).toThrow(ProtocolError);
    expect(() => validateId('Bad Id')).toThrow(/invalid id "Bad Id": use 3-63 characters a-z, 0-9 and inner '-'/);
    try {
      validateId('x');
    } catch (error) {
      expect((error as ProtocolError).code).toBe('INVALID_ID');
    }
  });

  it('generates ids from the random source: 16 base32 symbols in groups of four', () => {
    expect(generateId(() => new Uint8Array(10))).toBe('0000-0000-0000-0000');
    expect(generateId(() => new Uint8Array(10).fill(255))).toBe('zzzz-zzzz-zzzz-zzzz');
    const bytes = Uint8Array.from([0x08, 0x86, 0x42, 0x98, 0xe8, 0x4a, 0x96, 0xc6, 0xb9, 0xf0]);
    expect(generateId(() => bytes)).toBe('1234-5678-9abc-defg');
  });

  it('generated ids are valid and distinct (80 random bits)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = generateId(randomBytes);
      expect(isValidId(id)).toBe(true);
      expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
  });

  it('connection ids are long, valid and distinct', () => {
    const a = generateConnectionId(randomBytes);
    expect(a).toHaveLength(26);
    expect(isValidConnectionId(a)).toBe(true);
    expect(a).not.toBe(generateConnectionId(randomBytes));
    expect(isValidConnectionId(a.slice(1))).toBe(false);
    expect(isValidConnectionId(`${a.slice(1)}i`)).toBe(false);
  });
});

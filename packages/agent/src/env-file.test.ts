import { parseEnvFile } from './env-file';

test('dotenv lines: comments, export, quotes, escapes; bad lines reported by number', () => {
  const text = [
    '# comment',
    'PLAIN=value',
    'export EXPORTED=yes',
    'SPACED = padded value  # trailing comment',
    `SINGLE='it''s'`,
    `SINGLE2='a "b" #c'`,
    'DOUBLE="line1\\nline2 \\"q\\""',
    'EMPTY=',
    'URL=http://x/#frag',
    '',
    'not a line',
    '1BAD=x',
    'OPEN="never closed',
  ].join('\n');
  const { vars, warnings } = parseEnvFile(text);
  expect(vars).toEqual({
    PLAIN: 'value',
    EXPORTED: 'yes',
    SPACED: 'padded value',
    SINGLE2: 'a "b" #c',
    DOUBLE: 'line1\nline2 "q"',
    EMPTY: '',
    URL: 'http://x/#frag',
  });
  expect(warnings.map((w) => w.line)).toEqual([5, 11, 12, 13]);
  expect(warnings[3]!.message).toMatch(/missing closing "/);
});

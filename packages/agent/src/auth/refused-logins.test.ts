import { createLogger } from '../log';
import { RefusedLogins } from './refused-logins';

function capture() {
  const lines: string[] = [];
  const log = createLogger('debug', { silent: true });
  log.warn = ((message: string) => {
    lines.push(message);
    return log;
  }) as typeof log.warn;
  return { log, lines };
}

test('refused logins are logged, escaped, and rate-limited with a count of the rest', () => {
  let now = 0;
  const { log, lines } = capture();
  const refused = new RefusedLogins(log, 2, 1000, () => now);
  for (let i = 0; i < 10; i++) refused.refused(`key SHA256:k${i} not authorized for user "u\x1b[2J"`, '203.0.113.9');
  expect(lines).toEqual([
    'login refused: key SHA256:k0 not authorized for user "u\\x1b[2J" from 203.0.113.9',
    'login refused: key SHA256:k1 not authorized for user "u\\x1b[2J" from 203.0.113.9',
  ]);
  now = 1000;
  refused.refused('key SHA256:x not authorized', undefined);
  expect(lines.slice(2)).toEqual(['login refused 8 more times in the last minute (not shown)', 'login refused: key SHA256:x not authorized from the relay']);
});

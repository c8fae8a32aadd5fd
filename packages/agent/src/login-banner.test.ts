import { formatDuration, formatLoginBanner } from './login-banner';

test('banner with and without an expiry', () => {
  const base = { id: 'job-1', hostname: 'runner', cwd: '/w', agentDir: '/tmp/a', keyFiles: ['/k/authorized_keys'] };
  const plain = formatLoginBanner(base);
  expect(plain).toBe(
    'Converge job-1 on runner, in /w\r\nYour exit ends the agent; a dropped connection keeps this shell (ssh again to re-attach).\r\n' +
      'To wait for another login after you exit: touch $agentdir/.hold   ($agentdir = /tmp/a)\r\nAuthorized keys: /k/authorized_keys\r\n\r\n',
  );
  const timed = formatLoginBanner({ ...base, expiresAt: 1_000_000 + 125_000, holdHint: 'hold: touch x' }, 1_000_000);
  expect(timed).toContain('ends in 2m 05s');
  expect(timed).toContain('hold: touch x');
  expect(timed).toContain('To wait for another login after you exit: touch $agentdir/.hold');
  expect(formatDuration(3_900_000)).toBe('1h 05m');
  expect(formatDuration(-5)).toBe('0s');
});

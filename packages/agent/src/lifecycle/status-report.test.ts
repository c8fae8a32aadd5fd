import type { StatusMessage } from '@converge/protocol';
import { StatusReporter } from './status-report';

test('sends changed fields at once, coalesces within the interval, resends all after a welcome', () => {
  jest.useFakeTimers({ now: 10_000 });
  try {
    const sent: StatusMessage[] = [];
    const reporter = new StatusReporter((m) => sent.push(m), 1000, () => Date.now());
    reporter.update({ jobState: 'none', expiresAt: 5, hold: false });
    expect(sent).toEqual([{ type: 'status', jobState: 'none', expiresAt: 5, hold: false }]);
    reporter.update({ jobState: 'none', expiresAt: 6 });
    reporter.update({ expiresAt: 7 });
    expect(sent).toHaveLength(1);
    jest.advanceTimersByTime(1000);
    expect(sent[1]).toEqual({ type: 'status', expiresAt: 7 });
    reporter.update({ expiresAt: 7 });
    jest.advanceTimersByTime(5000);
    expect(sent).toHaveLength(2);
    reporter.resendAll();
    expect(sent[2]).toEqual({ type: 'status', jobState: 'none', expiresAt: 7, hold: false });
    reporter.close();
  } finally {
    jest.useRealTimers();
  }
});

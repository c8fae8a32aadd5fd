import perfHooks from 'node:perf_hooks';
import { EVENT_LOOP_SAMPLE_MS, RelayStats } from './stats';

describe('relay stats', () => {
  afterEach(() => jest.restoreAllMocks());

  it('samples the event-loop lag at most ten times a second (an idle relay stays asleep)', () => {
    const monitor = jest.spyOn(perfHooks, 'monitorEventLoopDelay');
    const stats = new RelayStats();
    expect(monitor).toHaveBeenCalledTimes(1);
    expect(monitor.mock.calls[0]![0]?.resolution).toBe(EVENT_LOOP_SAMPLE_MS);
    expect(EVENT_LOOP_SAMPLE_MS).toBeGreaterThanOrEqual(100);
    stats.close();
  });

  it('still reports the event-loop lag', async () => {
    const stats = new RelayStats();
    const text = await stats.registry.metrics();
    expect(text).toMatch(/^converge_relay_nodejs_eventloop_lag_p99_seconds [\d.e+-]+$/m);
    stats.close();
  });
});

// The statsd sink: the same figures as /metrics, pushed over UDP with hot-shots (tags as DogStatsD
// tags, which plain statsd servers ignore).
import StatsD from 'hot-shots';
import type { Logger } from './log';
import type { StatsSink } from './stats';

export function statsdSink(options: { host: string; port: number; prefix: string }, log: Logger): StatsSink {
  const client = new StatsD({
    host: options.host,
    port: options.port,
    prefix: options.prefix,
    errorHandler: (error) => log.debug('statsd send failed', { error: error.message }),
  });
  const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([k, v]) => `${k}:${v}`);
  return {
    increment: (name, tags, value = 1) => client.increment(name, value, tagList(tags)),
    gauge: (name, value) => client.gauge(name, value),
    close: () => client.close(),
  };
}

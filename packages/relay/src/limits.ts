// Concurrent connections per source address, and a log that says each kind of refusal once a minute
// per address instead of once per attempt (a flood must not flood the log).
import type { Logger } from './log';

export class AddressLimiter {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one more connection from `address`; false when it is over the limit (not counted). */
  acquire(address: string): boolean {
    const count = this.open.get(address) ?? 0;
    if (this.max > 0 && count >= this.max) return false;
    this.open.set(address, count + 1);
    return true;
  }

  release(address: string): void {
    const count = (this.open.get(address) ?? 1) - 1;
    if (count <= 0) this.open.delete(address);
    else this.open.set(address, count);
  }
}

/** A token bucket: `burst` events at once, then `perSecond`. Injected clock, no timers. */
export class RateLimit {
  private tokens: number;
  private last: number;

  constructor(private readonly perSecond: number, private readonly burst: number, private readonly now: () => number = Date.now) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; false when the bucket is empty (the event is over the rate). */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class RefusalLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly log: Logger, private readonly windowMs = 60_000, private readonly now: () => number = Date.now) {}

  refused(reason: string, address: string, details: Record<string, unknown>): void {
    const key = `${reason} ${address}`;
    const seen = this.last.get(key);
    const now = this.now();
    if (seen && now - seen.at < this.windowMs) {
      seen.suppressed++;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    if (this.last.size > 10_000) this.last.clear();
    this.log.info('refused', { reason, address, ...details, ...(suppressed > 0 && { similarSinceLastLine: suppressed }) });
  }
}

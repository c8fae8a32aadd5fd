// Refused logins in the job log: a person whose key is not accepted sees why in the job's output, and a
// scan of the agent (thousands of keys tried) cannot flood that log: at most `perWindow` lines a
// window, then one line that counts the rest. Injected clock; no timers.
import { escapeControl } from '@converge/protocol';
import type { Logger } from '../log';

export class RefusedLogins {
  private windowStart = -Infinity;
  private shown = 0;
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly perWindow = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** One refused login attempt: `what` says whose key and why, `from` the client's address. */
  refused(what: string, from: string | undefined): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) this.log.warn(`login refused ${this.suppressed} more times in the last minute (not shown)`);
      this.windowStart = now;
      this.shown = 0;
      this.suppressed = 0;
    }
    if (this.shown >= this.perWindow) {
      this.suppressed++;
      return;
    }
    this.shown++;
    this.log.warn(`login refused: ${escapeControl(what)} from ${escapeControl(from ?? 'the relay')}`);
  }
}

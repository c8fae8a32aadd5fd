// Keeps the relay's view of this agent current: `status` messages with only the fields that changed,
// at most one per interval (expiresAt moves on every keystroke), and everything again after each
// welcome (the relay forgets an agent's status when its control socket drops).
import { MessageType, type StatusMessage } from '@converge/protocol';

export type Status = Omit<StatusMessage, 'type'>;
type Key = keyof Status;

export const STATUS_MIN_INTERVAL_MS = 1000;

export class StatusReporter {
  private readonly current: { -readonly [K in Key]?: Status[K] } = {};
  private readonly dirty = new Set<Key>();
  private lastSentAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly send: (message: StatusMessage) => void,
    private readonly minIntervalMs = STATUS_MIN_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Merges `fields`; those that differ from what was last set are sent (now, or when the interval allows). */
  update(fields: Status): void {
    for (const key of Object.keys(fields) as Key[]) {
      const value = fields[key];
      if (value === undefined || this.current[key] === value) continue;
      (this.current as Record<Key, unknown>)[key] = value;
      this.dirty.add(key);
    }
    this.schedule();
  }

  /** The relay lost everything: send all fields at once. */
  resendAll(): void {
    for (const key of Object.keys(this.current) as Key[]) this.dirty.add(key);
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed || this.dirty.size === 0 || this.timer) return;
    const wait = this.lastSentAt + this.minIntervalMs - this.now();
    if (wait <= 0) return this.flush();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (this.closed || this.dirty.size === 0) return;
    const fields: Record<string, unknown> = {};
    for (const key of this.dirty) fields[key] = this.current[key];
    this.dirty.clear();
    this.lastSentAt = this.now();
    this.send({ type: MessageType.status, ...(fields as Status) });
  }
}

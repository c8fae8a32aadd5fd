// When the agent ends, as pure decisions: connect timeout, idle timeout reset by client input, the
// `.hold` file, the hard max duration and the warnings before each expiry. No timers or IO here: the
// caller feeds events and the clock, calls tick() at nextWakeAt, and acts on the returned decisions.
//
// A logout is a person ending an interactive shell (exit, logout, EOF): once the last shell has ended
// that way and no other session (exec, sftp) is still running, the agent ends. A connection that drops
// (network cut, wsproxy killed, relay gone) is not a logout: its shells live on detached, and the agent
// waits for the person under the idle timeout. Exec, sftp, scp and forwards never end it by themselves.

export interface Clock {
  now(): number;
}

export interface LifecycleConfig {
  /** Nobody logged in this long after start(): end. */
  readonly connectTimeoutMs: number;
  /** No client input this long: end (even with clients connected). */
  readonly idleTimeoutMs: number;
  /** Warn open shells when this much time is left (any order; duplicates ignored). */
  readonly warnAtMs: readonly number[];
  /** Hard cap from start(), whatever the hold. */
  readonly maxDurationMs?: number;
  /** Hold from the start and for good, as if `.hold` existed (--hold). */
  readonly hold?: boolean;
}

/** `.hold` in the agent dir: present or not, and its mtime (ms); a future mtime extends expiry to it. */
export interface HoldState {
  readonly present: boolean;
  readonly mtimeMs?: number;
}

export const EndReason = {
  connectTimeout: 'connect-timeout',
  idleTimeout: 'idle-timeout',
  maxDuration: 'max-duration',
  lastLogout: 'last-logout',
  holdRemoved: 'hold-removed',
  holdExpired: 'hold-expired',
  nobodyWaiting: 'nobody-waiting',
} as const;
export type EndReason = (typeof EndReason)[keyof typeof EndReason];

/** What decides the current expiry: the wait for a first login, idleness, a future `.hold`, or the cap. */
export type ExpiryCause = 'connect' | 'idle' | 'hold' | 'max';

export type Decision =
  | { readonly type: 'warn'; readonly remainingMs: number; readonly cause: ExpiryCause }
  | { readonly type: 'end'; readonly reason: EndReason };

/** `await-login`: the connect timeout runs until someone logs in. `after-job`: someone may already have
 *  come and gone (run --when during): with nobody connected and no hold, end at once. */
export type StartMode = 'await-login' | 'after-job';

const EXPIRY_END: Record<ExpiryCause, EndReason> = {
  connect: EndReason.connectTimeout,
  idle: EndReason.idleTimeout,
  hold: EndReason.holdExpired,
  max: EndReason.maxDuration,
};

export class Lifecycle {
  private started = false;
  private startedAt = 0;
  private awaitingLogin = true;
  private clients = 0;
  /** Interactive shells alive, attached or detached. */
  private shells = 0;
  /** Other sessions running now (exec, sftp). */
  private sessions = 0;
  /** The person ended their last shell: end once nothing else runs (unless held). */
  private loggedOut = false;
  /** Only while start('after-job') evaluates: nobody here and nothing held ends at once. */
  private afterJob = false;
  private lastActivity = 0;
  private hold: HoldState = { present: false };
  private ended = false;
  private readonly warnAt: readonly number[];
  private warned = new Set<number>();
  private lastExpiry: number | undefined;

  constructor(
    private readonly config: LifecycleConfig,
    private readonly clock: Clock,
  ) {
    this.warnAt = [...new Set(config.warnAtMs)].filter((ms) => ms > 0).sort((a, b) => b - a);
  }

  /** The wait begins (the relay welcomed us, or the job ended). */
  start(mode: StartMode): Decision[] {
    if (this.started || this.ended) return [];
    this.started = true;
    this.startedAt = this.lastActivity = this.clock.now();
    this.awaitingLogin = mode === 'await-login' && this.clients === 0;
    this.afterJob = mode === 'after-job';
    const decisions = this.evaluate(EndReason.nobodyWaiting);
    this.afterJob = false;
    return decisions;
  }

  /** A client authenticated. Counts as activity. */
  login(): Decision[] {
    this.clients++;
    this.awaitingLogin = false;
    return this.activity();
  }

  /** A logged-in client's connection closed, by a disconnect or a drop: never an end by itself. */
  disconnected(): Decision[] {
    this.clients = Math.max(0, this.clients - 1);
    return this.evaluate(EndReason.lastLogout);
  }

  /** An interactive shell started (or a detached one was attached: no change in count then). */
  shellStarted(): Decision[] {
    this.shells++;
    this.loggedOut = false;
    return this.activity();
  }

  /** A shell's process ended. `byPerson`: it was attached (exit, logout, EOF); else it ended detached. */
  shellEnded(byPerson: boolean): Decision[] {
    this.shells = Math.max(0, this.shells - 1);
    if (byPerson && this.shells === 0) this.loggedOut = true;
    return this.evaluate(EndReason.lastLogout);
  }

  /** An exec or sftp session started or ended; the agent never ends while one runs after a logout. */
  sessionStarted(): Decision[] {
    this.sessions++;
    return this.activity();
  }

  sessionEnded(): Decision[] {
    this.sessions = Math.max(0, this.sessions - 1);
    return this.evaluate(EndReason.lastLogout);
  }

  /** Client input: channel data, a new session. Resets the idle timeout. */
  activity(): Decision[] {
    this.lastActivity = this.clock.now();
    return this.evaluate(EndReason.lastLogout);
  }

  /** The `.hold` file changed. Creating or touching it counts as activity; removing it does not (after
   *  a logout, removing it ends the agent). */
  setHold(hold: HoldState): Decision[] {
    const touched = hold.present && (!this.hold.present || hold.mtimeMs !== this.hold.mtimeMs);
    this.hold = hold;
    if (touched) this.lastActivity = this.clock.now();
    return this.evaluate(EndReason.holdRemoved);
  }

  /** Whether a logout has happened and the agent only stays because of a hold or running sessions. */
  get afterLogout(): boolean {
    return this.loggedOut;
  }

  /** Call at nextWakeAt (late is fine, early is harmless). */
  tick(): Decision[] {
    return this.evaluate(EndReason.lastLogout);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get holding(): boolean {
    return this.hold.present || this.config.hold === true;
  }

  get clientCount(): number {
    return this.clients;
  }

  /** Nobody has logged in since start() (the connect timeout still runs). */
  get waitingForFirstLogin(): boolean {
    return this.started && !this.ended && this.awaitingLogin;
  }

  /** When the agent ends if nothing happens; undefined before start() and after the end. */
  get expiresAt(): number | undefined {
    return this.started && !this.ended ? this.expiry().at : undefined;
  }

  /** When tick() next has something to decide (a warning point or the expiry). */
  get nextWakeAt(): number | undefined {
    if (!this.started || this.ended) return undefined;
    const { at } = this.expiry();
    const now = this.clock.now();
    const points = this.warnAt.filter((ms) => !this.warned.has(ms)).map((ms) => at - ms).filter((t) => t > now);
    return Math.min(at, ...points);
  }

  private expiry(): { at: number; cause: ExpiryCause } {
    let at = this.awaitingLogin ? this.startedAt + this.config.connectTimeoutMs : this.lastActivity + this.config.idleTimeoutMs;
    let cause: ExpiryCause = this.awaitingLogin ? 'connect' : 'idle';
    if (this.hold.present && this.hold.mtimeMs !== undefined && this.hold.mtimeMs > at) {
      at = this.hold.mtimeMs;
      cause = 'hold';
    }
    const cap = this.config.maxDurationMs === undefined ? Infinity : this.startedAt + this.config.maxDurationMs;
    if (cap <= at) {
      at = cap;
      cause = 'max';
    }
    return { at, cause };
  }

  /** `emptyReason`: why we end if nobody is connected and nothing holds us (depends on the trigger). */
  private evaluate(emptyReason: EndReason): Decision[] {
    if (!this.started || this.ended) return [];
    const now = this.clock.now();
    const { at, cause } = this.expiry();
    if (at <= now) return this.end(EXPIRY_END[cause]);
    if (!this.holding && this.loggedOut && this.shells === 0 && this.sessions === 0) return this.end(emptyReason);
    if (this.afterJob && !this.holding && this.clients === 0 && this.shells === 0 && this.sessions === 0) return this.end(emptyReason);
    const remaining = at - now;
    if (at !== this.lastExpiry) {
      // A new expiry: points already passed relative to it are not news (a 10s idle timeout never
      // warns "5m left"); the others fire as the time left crosses them.
      this.lastExpiry = at;
      this.warned = new Set(this.warnAt.filter((ms) => ms >= remaining));
      return [];
    }
    const due = this.warnAt.filter((ms) => ms >= remaining && !this.warned.has(ms));
    if (due.length === 0) return [];
    for (const ms of due) this.warned.add(ms);
    return [{ type: 'warn', remainingMs: remaining, cause }];
  }

  private end(reason: EndReason): Decision[] {
    this.ended = true;
    return [{ type: 'end', reason }];
  }
}

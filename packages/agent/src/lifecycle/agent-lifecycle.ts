// Wires the pure Lifecycle to the running agent: a timer for its next decision, the .hold watcher, the
// SSH server's client events and the shell registry's, warnings and end notices written to open
// terminals, the ssh line repeated in the job log while nobody is logged in, and status/session reports
// to the relay. startAgent creates one and only calls start/welcomed/relayLost/jobChanged/announce/close.
import { type ControlMessage, MessageType } from '@converge/protocol';
import { HoldWatch } from './hold-watch';
import type { JobReport } from '../job/spec';
import { type Decision, type EndReason, Lifecycle, type StartMode } from './decisions';
import type { LifecycleSettings } from './options';
import { endLine, endTerminalText, holdHint, jobGreeting, reminderLine, warningText } from './text';
import type { Logger } from '../log';
import { SessionTracker } from './session-tracker';
import { StatusReporter } from './status-report';

export interface AgentLifecycleOptions {
  readonly settings: LifecycleSettings;
  readonly agentDir: string;
  readonly log: Logger;
  /** Sends on the control socket if it is up. */
  readonly send: (message: ControlMessage) => void;
  readonly job?: JobReport;
  /** The ssh line to repeat in the job log while nobody is logged in, and where to write it. */
  readonly reminder?: { readonly command: () => string | undefined; readonly write: (text: string) => void; readonly everyMs?: number };
}

/** An end the agent did not decide itself: the CI job was cancelled (a signal), or the agent failed. */
export interface EndNotice {
  readonly reason: string;
}


/** Node's setTimeout fires immediately for delays over 2^31-1 ms: wake up at least this often. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const END_NOTICE_GRACE_MS = 300;

export class AgentLifecycle {
  readonly tracker: SessionTracker;
  private readonly lifecycle: Lifecycle;
  private readonly hold: HoldWatch;
  private readonly status: StatusReporter;
  private timer: NodeJS.Timeout | undefined;
  private reminderTimer: NodeJS.Timeout | undefined;
  private job: JobReport | undefined;
  private closed = false;
  /** Relay reachability since start(), for end messages that say the true cause. */
  private relayUp = false;
  private relayDownSince: number | undefined = Date.now();
  private relayDownMs = 0;
  /** What a shell's start and end mean to the lifecycle (given to the shell registry). */
  readonly shellHooks: { started: () => void; ended: (byPerson: boolean) => void };
  private resolveEnded!: (reason: EndReason) => void;
  /** Resolves once, when the lifecycle decides the agent ends. */
  readonly ended = new Promise<EndReason>((resolve) => (this.resolveEnded = resolve));

  constructor(private readonly options: AgentLifecycleOptions) {
    const { log, send } = options;
    this.lifecycle = new Lifecycle(options.settings, { now: Date.now });
    this.job = options.job;
    this.status = new StatusReporter((message) => send(message));
    this.hold = new HoldWatch(options.agentDir, (hold) => {
      log.info(hold.present ? `.hold ${hold.mtimeMs !== undefined && hold.mtimeMs > Date.now() ? `until ${new Date(hold.mtimeMs).toISOString()}` : 'set'}` : '.hold removed');
      this.apply(this.lifecycle.setHold(hold));
    }, log);
    this.tracker = new SessionTracker({
      login: () => this.apply(this.lifecycle.login()),
      disconnected: () => this.apply(this.lifecycle.disconnected()),
      activity: () => this.apply(this.lifecycle.activity()),
      sessionStarted: () => this.apply(this.lifecycle.sessionStarted()),
      sessionEnded: () => this.apply(this.lifecycle.sessionEnded()),
      session: (event) => send({ type: MessageType.session, ...event }),
      greeting: () => (this.job ? jobGreeting(this.job) : undefined),
    });
    this.shellHooks = {
      started: () => this.apply(this.lifecycle.shellStarted()),
      ended: (byPerson) => {
        if (byPerson) log.info('a shell ended by its person (exit, logout or EOF)');
        this.apply(this.lifecycle.shellEnded(byPerson));
      },
    };
    this.reportStatus();
  }

  /** What the login banner says about expiry and holding, exactly as the agent behaves. */
  bannerExtras(): { expiresAt?: number; holdHint?: string } {
    const expiresAt = this.lifecycle.expiresAt;
    const hint = holdHint(this.options.settings.hold === true, this.hold.state.present);
    return { ...(expiresAt !== undefined && { expiresAt }), ...(hint && { holdHint: hint }) };
  }

  /** The relay connection came up or went down (reconnects included). */
  relayConnected(up: boolean): void {
    if (up === this.relayUp) return;
    this.relayUp = up;
    if (up && this.relayDownSince !== undefined) {
      this.relayDownMs += Date.now() - this.relayDownSince;
      this.relayDownSince = undefined;
    } else if (!up) this.relayDownSince = Date.now();
  }

  /** Tells every terminal and the job log why the agent ends now (cancel, failure), then resolves. */
  async announce(notice: EndNotice): Promise<void> {
    if (this.closed) return;
    this.options.log.warn(`${notice.reason}: the agent exits now`);
    const terminals = this.tracker.terminalCount;
    this.tracker.broadcast(`\r\n[converge] ${notice.reason}: the agent exits now.\r\n`);
    if (terminals > 0) await new Promise((r) => setTimeout(r, END_NOTICE_GRACE_MS));
  }

  /** Reads the initial .hold and starts watching it. */
  async init(): Promise<void> {
    const hold = await this.hold.start();
    this.apply(this.lifecycle.setHold(hold));
  }

  /** The wait begins: at first welcome, or when the job ends in run --when during. */
  start(mode: StartMode): void {
    this.apply(this.lifecycle.start(mode));
    this.scheduleReminder();
  }

  /** After each welcome: the relay starts from nothing, so tell it everything again. */
  welcomed(): void {
    this.status.resendAll();
  }

  jobChanged(job: JobReport): void {
    this.job = job;
    this.reportStatus();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.reminderTimer);
    this.hold.close();
    this.status.close();
  }

  private apply(decisions: readonly Decision[]): void {
    if (this.closed) return;
    for (const decision of decisions) {
      if (decision.type === 'warn') {
        this.options.log.info(`exiting in ${Math.round(decision.remainingMs / 1000)}s (${decision.cause}) unless extended; warned ${this.tracker.terminalCount} terminal(s)`);
        this.tracker.broadcast(warningText(decision.remainingMs, decision.cause));
      } else {
        const relayDown = this.relayDownFor();
        this.options.log.warn(endLine(decision.reason, this.options.settings, relayDown));
        this.tracker.broadcast(endTerminalText(decision.reason, this.options.settings, relayDown));
        clearInterval(this.reminderTimer);
        this.reportStatus();
        clearTimeout(this.timer);
        // A moment for the notice to reach the terminals: ssh may quit on the disconnect before
        // printing channel data that arrived just ahead of it.
        const grace = this.tracker.terminalCount > 0 ? END_NOTICE_GRACE_MS : 0;
        setTimeout(() => this.resolveEnded(decision.reason), grace);
        return;
      }
    }
    this.reportStatus();
    this.reschedule();
  }

  /** How long the relay was unreachable since the wait began (for the connect-timeout message). */
  private relayDownFor(): { downMs: number; never: boolean } {
    const now = Date.now();
    const downMs = this.relayDownMs + (this.relayDownSince !== undefined ? now - this.relayDownSince : 0);
    return { downMs, never: !this.relayUp && this.relayDownMs === 0 && this.relayDownSince !== undefined && downMs >= (this.options.settings.connectTimeoutMs - 1000) };
  }

  /** While nobody has logged in, the ssh line comes back in the job log every few minutes. */
  private scheduleReminder(): void {
    const reminder = this.options.reminder;
    const every = reminder?.everyMs ?? this.options.settings.remindEveryMs;
    if (!reminder || this.reminderTimer || !(every > 0)) return;
    this.reminderTimer = setInterval(() => {
      if (this.closed || this.lifecycle.clientCount > 0 || this.lifecycle.isEnded) return;
      const command = reminder.command();
      if (command) reminder.write(reminderLine(command, this.lifecycle.expiresAt));
    }, every);
    this.reminderTimer.unref();
  }

  private reschedule(): void {
    clearTimeout(this.timer);
    const wake = this.lifecycle.nextWakeAt;
    if (wake === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, wake - Date.now()));
    this.timer = setTimeout(() => this.apply(this.lifecycle.tick()), delay);
  }

  private reportStatus(): void {
    const job = this.job;
    this.status.update({
      jobState: job?.state ?? 'none',
      // The protocol allows 1024 characters of command and exit codes 0-255.
      ...(job && { jobCommand: job.command.length > 1024 ? `${job.command.slice(0, 1021)}...` : job.command }),
      ...(job?.exitCode !== undefined && { jobExitCode: Math.min(255, Math.max(0, Math.trunc(job.exitCode))) }),
      expiresAt: Math.trunc(this.lifecycle.expiresAt ?? 0),
      hold: this.lifecycle.holding,
    });
  }
}

// Wires the pure Lifecycle to the running agent: a timer for its next decision, the .hold watcher, the
// SSH server's client events, warnings written to open terminals, and status/session reports to the
// relay. startAgent creates one and only calls start/welcomed/jobChanged/close on it.
import { type ControlMessage, MessageType } from '@converge/protocol';
import { HoldWatch } from './hold-watch';
import type { JobReport } from './job-spec';
import { type Decision, type EndReason, Lifecycle, type StartMode } from './lifecycle';
import type { LifecycleSettings } from './lifecycle-options';
import { endLine, endTerminalText, jobGreeting, warningText } from './lifecycle-text';
import type { Logger } from './log';
import { SessionTracker } from './session-tracker';
import { StatusReporter } from './status-report';

export interface AgentLifecycleOptions {
  readonly settings: LifecycleSettings;
  readonly agentDir: string;
  readonly log: Logger;
  /** Sends on the control socket if it is up. */
  readonly send: (message: ControlMessage) => void;
  readonly job?: JobReport;
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
  private job: JobReport | undefined;
  private closed = false;
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
      logout: () => this.apply(this.lifecycle.logout()),
      activity: () => this.apply(this.lifecycle.activity()),
      session: (event) => send({ type: MessageType.session, ...event }),
      greeting: () => (this.job ? jobGreeting(this.job) : undefined),
    });
    this.reportStatus();
  }

  /** What the login banner says about expiry and holding. */
  bannerExtras(): { expiresAt?: number; holdHint?: string } {
    const expiresAt = this.lifecycle.expiresAt;
    return {
      ...(expiresAt !== undefined && { expiresAt }),
      ...(this.lifecycle.holding && {
        holdHint: 'Held now: after you log out the agent waits for the next login (rm $agentdir/.hold to end).',
      }),
    };
  }

  /** Reads the initial .hold and starts watching it. */
  async init(): Promise<void> {
    const hold = await this.hold.start();
    this.apply(this.lifecycle.setHold(hold));
  }

  /** The wait begins: at first welcome, or when the job ends in run --when during. */
  start(mode: StartMode): void {
    this.apply(this.lifecycle.start(mode));
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
        this.options.log.warn(endLine(decision.reason, this.options.settings));
        this.tracker.broadcast(endTerminalText(decision.reason, this.options.settings));
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

// Interactive shells that outlive their SSH connection. A pty shell belongs to the agent, not to the
// connection that started it: when the connection drops (network cut, ssh or wsproxy killed, relay
// gone) the shell keeps running detached and what it prints is kept (bounded). The next interactive
// login re-attaches the most recent one and replays that output. Shells end when their process exits
// or with the agent (SIGHUP, then SIGKILL).
import { formatDuration } from '@converge/protocol';
import type { ServerChannel } from 'ssh2';
import type { Logger } from '../log';
import type { ChildHandle } from '../pty';
import { OutputRing } from './output-ring';

const PREFIX = '[converge]';

export interface ShellHooks {
  readonly started: () => void;
  /** `byPerson`: it ended while attached (exit, logout, EOF): a logout. */
  readonly ended: (byPerson: boolean) => void;
}

export interface ShellInfo {
  readonly pid: number | undefined;
  readonly startedAt: number;
  /** When it was last detached; undefined while attached. */
  readonly detachedAt?: number;
}

interface Attachment {
  readonly channel: ServerChannel;
  readonly label: string;
  write(chunk: Buffer): void;
  /** Output paused for this channel's backpressure: resume before letting it go. */
  release(): void;
}

export class ShellRecord implements ShellInfo {
  readonly startedAt: number;
  detachedAt: number | undefined;
  attached: Attachment | undefined;
  exited = false;
  readonly ring: OutputRing;

  constructor(
    readonly child: ChildHandle,
    ringBytes: number | undefined,
    now: number,
  ) {
    this.startedAt = now;
    this.ring = new OutputRing(ringBytes);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
}

export class ShellRegistry {
  private readonly shells = new Set<ShellRecord>();

  constructor(
    private readonly log: Logger,
    private readonly hooks: ShellHooks,
    private readonly options: { readonly ringBytes?: number; readonly now?: () => number } = {},
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Detached shells, the most recently detached first. */
  detached(): ShellInfo[] {
    return [...this.shells].filter((s) => !s.attached && !s.exited).sort((a, b) => (b.detachedAt ?? 0) - (a.detachedAt ?? 0));
  }

  /** A detached shell to attach: `pid`, or the most recently detached one. */
  takeDetached(pid?: number): ShellRecord | undefined {
    const candidates = this.detached() as ShellRecord[];
    return pid === undefined ? candidates[0] : candidates.find((s) => s.pid === pid);
  }

  /** Registers a freshly spawned shell and attaches it to `channel`. */
  start(child: ChildHandle, channel: ServerChannel, label: string): ShellRecord {
    const record = new ShellRecord(child, this.options.ringBytes, this.now());
    this.shells.add(record);
    child.onOutput((chunk) => this.output(record, chunk));
    child.onErrorOutput((chunk) => this.output(record, chunk));
    void child.exited.then((status) => this.exited(record, status.code, status.signal));
    this.hooks.started();
    this.attach(record, channel, label);
    return record;
  }

  /** Attaches a detached shell to a new channel and replays what it printed meanwhile. */
  reattach(record: ShellRecord, channel: ServerChannel, label: string): void {
    const ago = formatDuration(Math.max(1000, Math.round((this.now() - (record.detachedAt ?? this.now())) / 1000) * 1000));
    const dropped = record.ring.dropped > 0 ? ` (the first ${Math.ceil(record.ring.dropped / 1024)} KiB of it were dropped)` : '';
    const others = this.detached().filter((s) => s !== record).map((s) => s.pid);
    const lines = [`${PREFIX} Re-attached to shell ${record.pid} (detached ${ago} ago); what it printed since${dropped}:`];
    if (others.length > 0) lines.unshift(`${PREFIX} Also detached: shell ${others.join(', ')} (ssh -o SetEnv=CONVERGE_SHELL=<pid> attaches one).`);
    channel.write(`\r\n${lines.join('\r\n')}\r\n`);
    channel.write(record.ring.contents());
    record.ring.clear();
    this.log.info(`${label}: re-attached to detached shell ${record.pid}`);
    this.attach(record, channel, label);
  }

  /** SIGHUP to every shell, SIGKILL after `graceMs`; resolves when all exited. */
  async closeAll(graceMs: number): Promise<void> {
    await Promise.all(
      [...this.shells].map(async (record) => {
        record.child.kill('SIGHUP');
        const timer = setTimeout(() => record.child.kill('SIGKILL'), graceMs);
        await record.child.exited;
        clearTimeout(timer);
      }),
    );
  }

  get size(): number {
    return this.shells.size;
  }

  private output(record: ShellRecord, chunk: Buffer): void {
    if (record.attached) record.attached.write(chunk);
    else record.ring.push(chunk);
  }

  private attach(record: ShellRecord, channel: ServerChannel, label: string): void {
    const { child } = record;
    let blocked = 0;
    const attachment: Attachment = {
      channel,
      label,
      write(chunk) {
        if (channel.write(chunk)) return;
        if (blocked++ === 0) child.pauseOutput();
        channel.once('drain', () => {
          if (attachment !== record.attached) return;
          if (--blocked === 0) child.resumeOutput();
        });
      },
      release() {
        if (blocked > 0) child.resumeOutput();
        blocked = 0;
      },
    };
    record.attached = attachment;
    record.detachedAt = undefined;
    channel.on('data', (chunk: Buffer) => {
      if (record.attached !== attachment || child.write(chunk)) return;
      channel.pause();
      child.onceInputDrain(() => channel.resume());
    });
    channel.on('end', () => {
      if (record.attached === attachment) child.endInput();
    });
    channel.on('error', (error: Error) => this.log.debug(`${label}: shell channel error: ${error.message}`));
    channel.on('close', () => {
      if (record.attached !== attachment || record.exited) return;
      // The channel went while the shell runs: the connection dropped or the client closed it.
      attachment.release();
      record.attached = undefined;
      record.detachedAt = this.now();
      this.log.info(`${label}: shell ${record.pid} detached (its connection ended while it ran); it keeps running and the next interactive login re-attaches it`);
    });
  }

  private exited(record: ShellRecord, code: number | undefined, signal: string | undefined): void {
    record.exited = true;
    this.shells.delete(record);
    const how = signal ? `on SIG${signal}` : `with ${code ?? 0}`;
    const attachment = record.attached;
    if (attachment) {
      this.log.info(`${attachment.label}: terminal exited ${how}`);
      if (signal) attachment.channel.exit(signal, false, '');
      else attachment.channel.exit(code ?? 0);
      attachment.channel.end();
    } else {
      this.log.info(`detached shell ${record.pid} exited ${how}`);
    }
    this.hooks.ended(attachment !== undefined);
  }
}

// Runs decoded SFTP requests: typed handlers, one at a time in arrival order, errors to status replies, and
// flow control: too many requests waiting, or too many reply bytes unsent, and the channel stops being read.
import type { Logger } from 'winston';
import type { SftpAttrs } from './attrs';
import { STATUS, toSftpStatus, type StatusCode } from './errors';
import type { FieldReader, SftpReplies } from './wire';

/** The arguments of each request after its id (SYMLINK already in (link, target) order). */
export interface RequestArgs {
  OPEN: [filename: string, flags: number, attrs: SftpAttrs];
  READ: [handle: Buffer, offset: number, length: number];
  WRITE: [handle: Buffer, offset: number, data: Buffer];
  CLOSE: [handle: Buffer];
  FSTAT: [handle: Buffer];
  FSETSTAT: [handle: Buffer, attrs: SftpAttrs];
  OPENDIR: [path: string];
  READDIR: [handle: Buffer];
  STAT: [path: string];
  LSTAT: [path: string];
  SETSTAT: [path: string, attrs: SftpAttrs];
  REMOVE: [path: string];
  MKDIR: [path: string, attrs: SftpAttrs];
  RMDIR: [path: string];
  RENAME: [oldPath: string, newPath: string];
  REALPATH: [path: string];
  READLINK: [path: string];
  SYMLINK: [linkPath: string, targetPath: string];
  /** An SSH_FXP_EXTENDED request: its name, and a reader positioned at its fields. */
  EXTENDED: [name: string, fields: FieldReader];
}

export type RequestName = keyof RequestArgs;
export type RequestHandler<K extends RequestName> = (reqId: number, ...args: RequestArgs[K]) => Promise<void>;

export interface DispatchLimits {
  /** Requests taken but not answered above which the channel stops being read (OpenSSH keeps 64 in flight). */
  readonly maxOutstanding: number;
  /** Reply bytes waiting for the client's window above which READ and READDIR wait before reading more. */
  readonly maxBacklogBytes: number;
}

export const DEFAULT_DISPATCH_LIMITS: DispatchLimits = { maxOutstanding: 256, maxBacklogBytes: 8 * 1024 * 1024 };

/** How the dispatcher slows the client down: the channel server implements it on the SSH channel. */
export interface FlowControl {
  /** Stop reading requests (the SSH window then closes and the client waits). */
  pause(): void;
  resume(): void;
  /** Reply bytes not yet taken by the client. */
  backlogBytes(): number;
  /** Resolves when the unsent replies have gone out (or the channel is gone). */
  drained(): Promise<void>;
}

export class Dispatcher {
  private outstanding = 0;
  private paused = false;
  private closed = false;
  private readonly handlers = new Map<RequestName, (reqId: number, args: unknown[]) => Promise<void>>();
  /** The tail of the chain that runs requests in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly replies: SftpReplies,
    private readonly flow: FlowControl,
    private readonly log: Logger,
    private readonly limits: DispatchLimits = DEFAULT_DISPATCH_LIMITS,
  ) {}

  get inFlight(): number {
    return this.outstanding;
  }

  /** Whether the channel is paused because too many requests wait. */
  get throttled(): boolean {
    return this.paused;
  }

  /** Stops backlog waits (the channel is gone; replies would be dropped anyway). */
  close(): void {
    this.closed = true;
  }

  /** Resolves when every request taken so far has been answered. */
  idle(): Promise<void> {
    return this.queue;
  }

  on<K extends RequestName>(name: K, handler: RequestHandler<K>): void {
    this.handlers.set(name, (reqId, args) => handler(reqId, ...(args as RequestArgs[K])));
  }

  has(name: RequestName): boolean {
    return this.handlers.has(name);
  }

  status(reqId: number, code: StatusCode, message?: string): void {
    try {
      this.replies.status(reqId, code, message);
    } catch (err) {
      this.log.debug('sftp: could not send status', { reqId, err: String(err) });
    }
  }

  backlogged(): boolean {
    return !this.closed && this.flow.backlogBytes() > this.limits.maxBacklogBytes;
  }

  /** Resolves once the unsent replies are few again, so a client that stops reading cannot grow them. */
  async outgoingRoom(): Promise<void> {
    while (this.backlogged()) await this.flow.drained();
  }

  /**
   * Queues one request. Requests run one after another, in arrival order, as OpenSSH's sftp-server runs
   * them. Replies out of order are legal SFTP, but OpenSSH 9.2's scp (downloading in place) truncates the
   * file at the highest offset it received in order: reordered READ replies silently cut files short. In
   * order, overlapping WRITEs also land as sent. A client that sends faster than requests finish is slowed
   * down, never refused: past `maxOutstanding` the channel is paused until half of them are answered.
   */
  request<K extends RequestName>(name: K, reqId: number, args: RequestArgs[K]): void {
    const handler = this.handlers.get(name);
    if (!handler) {
      this.status(reqId, STATUS.OP_UNSUPPORTED, 'Operation unsupported');
      return;
    }
    this.outstanding++;
    if (!this.paused && this.outstanding >= this.limits.maxOutstanding) {
      this.paused = true;
      this.flow.pause();
    }
    this.queue = this.queue
      .then(() => handler(reqId, args))
      .catch((err: unknown) => {
        const { code, message } = toSftpStatus(err);
        this.log.debug('sftp: request failed', { request: name, reqId, code, message });
        this.status(reqId, code, message);
      })
      .finally(() => {
        this.outstanding--;
        if (this.paused && this.outstanding <= this.limits.maxOutstanding / 2) {
          this.paused = false;
          if (!this.closed) this.flow.resume();
        }
      });
  }
}

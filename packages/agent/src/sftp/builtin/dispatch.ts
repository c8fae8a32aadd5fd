// Runs SFTP requests from ssh2's SFTP events: typed handlers, a cap on outstanding requests, errors to status.
import type { EventEmitter } from 'node:events';
import type { SFTPWrapper } from 'ssh2';
import type { Logger } from 'winston';
import type { SftpAttrs } from './attrs';
import { STATUS, toSftpStatus, type StatusCode } from './errors';

/** The arguments ssh2 1.17 passes after the request id (SYMLINK already put in linkPath, target order). */
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
}

export type RequestName = keyof RequestArgs;
export type RequestHandler<K extends RequestName> = (reqId: number, ...args: RequestArgs[K]) => Promise<void>;

export interface DispatchLimits {
  /** Requests being worked on at once; more are refused with FAILURE (OpenSSH clients keep 64 in flight). */
  readonly maxOutstanding: number;
  /** Replies ssh2 may hold for a client that stopped reading before READ/READDIR wait. */
  readonly maxBacklogBytes: number;
}

export const DEFAULT_DISPATCH_LIMITS: DispatchLimits = { maxOutstanding: 256, maxBacklogBytes: 8 * 1024 * 1024 };

const BACKLOG_POLL_MS = 5;

/**
 * Bytes of replies ssh2 has queued because the client's window is full. ssh2's server-side SFTP object has
 * no 'drain' event; this reads its private `_buffer` (ssh2 1.17) and reports 0 if that ever changes.
 */
export function outgoingBacklogBytes(sftp: SFTPWrapper): number {
  const queued = (sftp as unknown as { _buffer?: unknown })._buffer;
  if (!Array.isArray(queued)) return 0;
  let bytes = 0;
  for (const chunk of queued) if (Buffer.isBuffer(chunk)) bytes += chunk.length;
  return bytes;
}

export class Dispatcher {
  private outstanding = 0;
  private closed = false;
  /** The tail of the chain that runs requests in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly log: Logger,
    private readonly limits: DispatchLimits = DEFAULT_DISPATCH_LIMITS,
  ) {}

  get inFlight(): number {
    return this.outstanding;
  }

  /** Stops backlog waits (the channel is gone; replies would be dropped anyway). */
  close(): void {
    this.closed = true;
  }

  on<K extends RequestName>(name: K, handler: RequestHandler<K>): void {
    (this.sftp as unknown as EventEmitter).on(name, (reqId: number, ...args: RequestArgs[K]) => {
      this.run(name, reqId, () => handler(reqId, ...args));
    });
  }

  status(reqId: number, code: StatusCode, message?: string): void {
    try {
      this.sftp.status(reqId, code, message);
    } catch (err) {
      this.log.debug('sftp: could not send status', { reqId, err: String(err) });
    }
  }

  backlogged(): boolean {
    return !this.closed && outgoingBacklogBytes(this.sftp) > this.limits.maxBacklogBytes;
  }

  /** Resolves once ssh2's queue of unsent replies is small again, so a stalled client cannot grow it. */
  async outgoingRoom(): Promise<void> {
    while (this.backlogged()) {
      await new Promise((resolve) => setTimeout(resolve, BACKLOG_POLL_MS));
    }
  }

  /**
   * Requests run one after another, in arrival order, as OpenSSH's sftp-server runs them. Replies out of
   * order are legal SFTP, but OpenSSH 9.2's scp (downloading in place) truncates the file at the highest
   * offset it received in order: reordered READ replies silently cut files short. In order, overlapping
   * WRITEs also land as sent.
   */
  private run(name: RequestName, reqId: number, work: () => Promise<void>): void {
    if (this.outstanding >= this.limits.maxOutstanding) {
      this.status(reqId, STATUS.FAILURE, 'Too many outstanding requests');
      return;
    }
    this.outstanding++;
    this.queue = this.queue
      .then(work)
      .catch((err: unknown) => {
        const { code, message } = toSftpStatus(err);
        this.log.debug('sftp: request failed', { request: name, reqId, code, message });
        this.status(reqId, code, message);
      })
      .finally(() => {
        this.outstanding--;
      });
  }
}

// The built-in SFTP server for one accepted `sftp` subsystem: wires handlers, ends and cleans up the session.
import type { SFTPWrapper } from 'ssh2';
import type { Logger } from 'winston';
import { DEFAULT_DISPATCH_LIMITS, Dispatcher, type DispatchLimits } from './dispatch';
import { registerDirHandlers } from './dirs';
import { registerFileHandlers } from './files';
import { DEFAULT_MAX_HANDLES, HandleTable } from './handles';
import { registerPathHandlers } from './paths';
import { resolveClientPath, type SftpSession } from './session';

export interface BuiltinSftpOptions {
  /** Where relative paths start. */
  readonly cwd: string;
  readonly log: Logger;
  /** Open files and directories per session. Default 512. */
  readonly maxHandles?: number;
  readonly limits?: Partial<DispatchLimits>;
}

export interface BuiltinSftpSession {
  readonly handles: HandleTable;
  readonly dispatch: Dispatcher;
  /** Resolves after the channel closed and every handle was released. */
  readonly closed: Promise<void>;
}

/** Serves SFTP v3 on `sftp` (from ssh2's accept()) until the client or the connection goes away. */
export function serveBuiltinSftp(sftp: SFTPWrapper, options: BuiltinSftpOptions): BuiltinSftpSession {
  const { cwd, log } = options;
  const handles = new HandleTable(options.maxHandles ?? DEFAULT_MAX_HANDLES);
  const dispatch = new Dispatcher(sftp, log, { ...DEFAULT_DISPATCH_LIMITS, ...options.limits });
  const session: SftpSession = {
    sftp,
    dispatch,
    handles,
    log,
    resolve: (clientPath) => resolveClientPath(cwd, clientPath),
  };
  registerFileHandlers(session);
  registerDirHandlers(session);
  registerPathHandlers(session);
  // EXTENDED (statvfs, fsync, posix-rename, ...) has no listener: ssh2 answers OP_UNSUPPORTED by itself.

  // ssh2 emits 'error' for a malformed packet and then closes the channel; without a listener it would throw.
  sftp.on('error', (err: Error) => log.debug('sftp: protocol error', { err: err.message }));
  // The client sent EOF: close our side too, or OpenSSH sftp waits forever (docs/SSH2-PITFALLS.md, item 2).
  sftp.on('end', () => {
    sendExitStatus(sftp, 0, log);
    sftp.end();
  });

  const closed = new Promise<void>((resolveClosed) => {
    sftp.once('close', () => {
      dispatch.close();
      handles
        .closeAll()
        .then((left) => {
          if (left > 0) log.debug('sftp: released handles left open by the client', { handles: left });
        })
        .finally(resolveClosed);
    });
  });
  return { handles, dispatch, closed };
}

interface Ssh2SftpInternals {
  _protocol?: { exitStatus?: (channelId: number, status: number) => void };
  outgoing?: { id?: number; state?: string };
}

/**
 * OpenSSH `scp` (SFTP mode) exits 1 unless the ssh under it gets an exit status, as from sshd. ssh2's SFTP
 * object has no exit(); this uses its private `_protocol` (ssh2 1.17) and does nothing if that changes.
 */
export function sendExitStatus(sftp: SFTPWrapper, status: number, log: Logger): void {
  const internals = sftp as unknown as Ssh2SftpInternals;
  const send = internals._protocol?.exitStatus;
  const outgoing = internals.outgoing;
  if (typeof send !== 'function' || outgoing?.state !== 'open' || typeof outgoing.id !== 'number') {
    log.debug('sftp: could not send exit-status (ssh2 internals changed?)');
    return;
  }
  send.call(internals._protocol, outgoing.id, status);
}

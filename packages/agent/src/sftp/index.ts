// The sftp subsystem of one SSH session: the system's OpenSSH sftp-server, or the built-in server.
// (Interface agreed with the SSH server module.)
import type { Session } from 'ssh2';
import type { Logger } from 'winston';
import { serveBuiltinSftp } from './builtin/server';
import { findSystemSftpServer } from './find-server';
import { serveSystemSftp } from './system';

export { findSystemSftpServer, SYSTEM_SFTP_SERVER_PATHS } from './find-server';

export type SftpMode = 'auto' | 'system' | 'builtin';

export interface SftpOptions {
  readonly mode: SftpMode;
  /** Where relative paths start. */
  readonly cwd: string;
  /** Environment for a spawned sftp-server. */
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  /**
   * The sftp-server binary for `system`/`auto`: undefined searches the usual places
   * (findSystemSftpServer(env.PATH)); null means "there is none".
   */
  readonly sftpServerPath?: string | null;
}

export type SftpBackend = 'system' | 'builtin';

/** Which server a session gets: system when its binary is known, builtin otherwise; undefined = refuse. */
export function chooseSftpBackend(mode: SftpMode, binary: string | undefined): SftpBackend | undefined {
  if (mode === 'builtin') return 'builtin';
  if (binary !== undefined) return 'system';
  return mode === 'auto' ? 'builtin' : undefined;
}

/** Registers the listeners that serve `sftp` (and so OpenSSH >= 9 `scp`) on one session. */
export function attachSftp(session: Session, options: SftpOptions): void {
  const { mode, cwd, env, log } = options;
  const binary =
    mode === 'builtin'
      ? undefined
      : options.sftpServerPath === undefined
        ? findSystemSftpServer(env.PATH)
        : (options.sftpServerPath ?? undefined);
  const backend = chooseSftpBackend(mode, binary);

  // The raw channel comes through ssh2's 'subsystem' event (emitted for "sftp" only while no 'sftp' listener
  // exists); both servers speak on it directly.
  session.on('subsystem', (accept, reject, info) => {
    if (info.name !== 'sftp') {
      // Other subsystems are not ours; refuse them only if nobody else listens, or the client would hang.
      if (session.listenerCount('subsystem') === 1) reject?.();
      return;
    }
    if (backend === undefined) {
      log.warn('sftp: refused: mode "system" but no sftp-server binary was found');
      reject?.();
      return;
    }
    const channel = accept();
    if (!channel) return;
    if (backend === 'system' && binary !== undefined) {
      log.debug('sftp: serving with the system sftp-server', { binary, mode });
      void serveSystemSftp(channel, binary, { cwd, env, log });
      return;
    }
    log.debug('sftp: serving with the built-in server', { mode });
    serveBuiltinSftp(channel, { cwd, log });
  });
}

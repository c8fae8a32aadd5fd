// The sftp subsystem of one SSH session: the system's OpenSSH sftp-server, or the built-in server.
// (Interface agreed with the SSH server module; the implementation lands beside this file.)
import type { Session } from 'ssh2';
import type { Logger } from 'winston';

export type SftpMode = 'auto' | 'system' | 'builtin';

export interface SftpOptions {
  readonly mode: SftpMode;
  /** Where relative paths start. */
  readonly cwd: string;
  /** Environment for a spawned sftp-server. */
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
}

/** Registers the listeners that serve `sftp` (and so OpenSSH >= 9 `scp`) on one session. */
export function attachSftp(session: Session, _options: SftpOptions): void {
  session.on('sftp', (_accept, reject) => reject());
}

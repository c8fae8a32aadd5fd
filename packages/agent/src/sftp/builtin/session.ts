// What every request handler of one built-in SFTP session shares: the replies, handles, paths.
import { resolve } from 'node:path';
import type { Logger } from 'winston';
import type { Dispatcher } from './dispatch';
import type { HandleTable } from './handles';
import type { SftpReplies } from './wire';

export interface SftpSession {
  readonly reply: SftpReplies;
  readonly dispatch: Dispatcher;
  readonly handles: HandleTable;
  readonly log: Logger;
  /** Absolute path for a client path: relative ones (and "") start at the session's cwd. */
  resolve(clientPath: string): string;
}

/** Client paths are POSIX strings; "" means the cwd, as in OpenSSH's sftp-server. */
export function resolveClientPath(cwd: string, clientPath: string): string {
  return clientPath === '' ? resolve(cwd) : resolve(cwd, clientPath);
}

// Finds the machine's OpenSSH sftp-server binary: the distributions' fixed paths first, then PATH.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where OpenSSH packages install sftp-server (it is not on PATH on any of them). */
export const SYSTEM_SFTP_SERVER_PATHS: readonly string[] = [
  '/usr/lib/openssh/sftp-server', // Debian, Ubuntu
  '/usr/libexec/openssh/sftp-server', // RHEL, Fedora, Amazon Linux
  '/usr/lib/ssh/sftp-server', // Alpine, Arch
  '/usr/libexec/sftp-server', // macOS
];

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first executable candidate: the fixed paths, then each PATH directory's `sftp-server`. */
export function searchSftpServer(
  pathVar: string | undefined,
  candidates: readonly string[] = SYSTEM_SFTP_SERVER_PATHS,
  isExecutable: (path: string) => boolean = isExecutableFile,
): string | undefined {
  const fromPath = (pathVar ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'sftp-server'));
  return [...candidates, ...fromPath].find(isExecutable);
}

const found = new Map<string, string | undefined>();

/**
 * The system sftp-server, or undefined. A few stat calls, done once per PATH value per process (callers are
 * per-session and synchronous; the answer does not change while a CI job runs).
 */
export function findSystemSftpServer(pathVar: string | undefined = process.env.PATH): string | undefined {
  const key = pathVar ?? '';
  if (!found.has(key)) found.set(key, searchSftpServer(pathVar));
  return found.get(key);
}

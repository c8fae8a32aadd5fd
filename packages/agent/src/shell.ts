// Which shell runs sessions: the --shells list first (names or paths), then the platform defaults
// (Linux/macOS: $SHELL, bash, zsh, sh; Windows: powershell, cmd), and how to ask it for a login shell
// or to run one command. The Windows paths are present but untested (no Windows CI yet).
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export interface ShellSpec {
  /** Absolute path of the program. */
  readonly file: string;
  /** Arguments for an interactive login shell. */
  readonly loginArgs: readonly string[];
  /** Arguments to run one command line. */
  commandArgs(command: string): readonly string[];
}

export const POSIX_DEFAULT_SHELLS = ['bash', 'zsh', 'sh'] as const;
export const WINDOWS_DEFAULT_SHELLS = ['powershell', 'cmd'] as const;

export interface ShellLookup {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  /** Defaults to an X_OK access check. */
  readonly isExecutable?: (path: string) => boolean;
}

function executable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A name (`zsh`) searched in PATH, or a path taken as is; undefined when nothing executable is found. */
export function findProgram(name: string, lookup: ShellLookup): string | undefined {
  const check = lookup.isExecutable ?? executable;
  const windows = lookup.platform === 'win32';
  const extensions = windows ? ['', ...(lookup.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((e) => e.toLowerCase())] : [''];
  if (isAbsolute(name) || name.includes('/')) return check(name) ? name : undefined;
  const dirs = (lookup.env.PATH ?? (windows ? '' : '/usr/local/bin:/usr/bin:/bin')).split(windows ? ';' : delimiter).filter(Boolean);
  for (const dir of dirs) {
    for (const ext of extensions) {
      const candidate = join(dir, name + ext);
      if (check(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The argument conventions of a shell, from its file name. */
export function shellSpec(file: string): ShellSpec {
  const name = (file.split(/[\\/]/).pop() ?? file).toLowerCase().replace(/\.exe$/, '');
  if (name === 'cmd') return { file, loginArgs: [], commandArgs: (command) => ['/d', '/s', '/c', command] };
  if (name === 'powershell' || name === 'pwsh') {
    return { file, loginArgs: ['-NoLogo'], commandArgs: (command) => ['-NoLogo', '-NoProfile', '-Command', command] };
  }
  return { file, loginArgs: ['-l'], commandArgs: (command) => ['-c', command] };
}

/** The candidates in order: `preferred` (--shells), then the platform defaults. */
export function shellCandidates(preferred: readonly string[], lookup: ShellLookup): string[] {
  const defaults = lookup.platform === 'win32' ? [...WINDOWS_DEFAULT_SHELLS] : [lookup.env.SHELL ?? '', ...POSIX_DEFAULT_SHELLS];
  return [...preferred, ...defaults].filter((name) => name.trim() !== '');
}

/** The first candidate that exists; /bin/sh when none does (a clear "cannot start" then follows). */
export function resolveShell(preferred: readonly string[], lookup: ShellLookup): ShellSpec {
  for (const name of shellCandidates(preferred, lookup)) {
    const file = findProgram(name.trim(), lookup);
    if (file) return shellSpec(file);
  }
  return shellSpec(lookup.platform === 'win32' ? 'cmd.exe' : '/bin/sh');
}

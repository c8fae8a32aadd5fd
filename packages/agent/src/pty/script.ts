// Terminal backend without native code: util-linux `script -qfec CMD /dev/null` gives the child a tty
// and passes its exit code on. Resizes go through `stty -F /dev/pts/N` on the child's terminal, which
// we find in /proc (the kernel then sends SIGWINCH).
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { spawnPipes } from './pipes';
import { type ChildHandle, clampSize, PtyBackend, type SpawnOptions } from './types';

let available: boolean | undefined;

/** True when util-linux `script` and Linux /proc are there (BusyBox and macOS `script` differ). */
export function scriptAvailable(): boolean {
  if (available === undefined) {
    const probe = spawnSync('script', ['--version'], { encoding: 'utf8', timeout: 2000 });
    available = probe.status === 0 && /util-linux/.test(`${probe.stdout}${probe.stderr}`) && safeList('/proc/self/fd').length > 0;
  }
  return available;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** POSIX single quoting. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The /dev/pts/N that the child of `script` (pid) has as its stdin. */
function findChildTty(pid: number): string | undefined {
  for (const task of safeList(`/proc/${pid}/task`)) {
    let children: string[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      continue;
    }
    for (const child of children) {
      try {
        const tty = readlinkSync(`/proc/${child}/fd/0`);
        if (tty.startsWith('/dev/pts/')) return tty;
      } catch {
        // raced with its exit
      }
    }
  }
  return undefined;
}

export function spawnScript(options: SpawnOptions): ChildHandle {
  const size = clampSize(options.cols, options.rows);
  // `script` starts with a 0x0 terminal (its own stdin is a pipe): set the size before the shell runs.
  const command = [`stty rows ${size.rows} cols ${size.cols} 2>/dev/null;`, 'exec', ...[options.file, ...options.args].map(shellQuote)].join(' ');
  const inner = spawnPipes({ ...options, file: 'script', args: ['-qfec', command, '/dev/null'] });
  let tty: string | undefined;
  return {
    ...inner,
    backend: PtyBackend.script,
    isTerminal: true,
    resize: (cols, rows) => {
      if (!inner.pid) return;
      tty ??= findChildTty(inner.pid);
      if (!tty) return;
      const s = clampSize(cols, rows);
      execFile('stty', ['-F', tty, 'rows', String(s.rows), 'cols', String(s.cols)], { timeout: 2000 }, () => undefined);
    },
  };
}

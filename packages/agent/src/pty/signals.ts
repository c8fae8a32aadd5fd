// Signal numbers <-> names, for exit-signal reports.
import { constants } from 'node:os';

export function signalName(signal: number | string | null | undefined): string | undefined {
  if (signal === null || signal === undefined || signal === 0) return undefined;
  if (typeof signal === 'string') return signal.replace(/^SIG/, '');
  const entry = Object.entries(constants.signals).find(([, n]) => n === signal);
  return entry ? entry[0].replace(/^SIG/, '') : undefined;
}

/** Signals a client may send (RFC 4254 6.9 names). */
export const FORWARDABLE_SIGNALS = new Set(['ABRT', 'ALRM', 'FPE', 'HUP', 'ILL', 'INT', 'KILL', 'PIPE', 'QUIT', 'SEGV', 'TERM', 'USR1', 'USR2']);

/** Kills the process group of a detached child (its pid is the group id), else the child itself. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

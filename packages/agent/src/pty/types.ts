// The `Pty` interface: a child process the SSH session drives, whatever runs it (node-pty, util-linux
// `script`, or plain pipes). Sessions only see this.

export const PtyBackend = { nodePty: 'node-pty', script: 'script', pipes: 'pipes' } as const;
export type PtyBackend = (typeof PtyBackend)[keyof typeof PtyBackend];

export interface SpawnOptions {
  /** The program and its arguments (`/bin/bash -l`, or `/bin/bash -c cmd`). */
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Terminal size; only for terminal backends. */
  readonly cols: number;
  readonly rows: number;
  readonly term: string;
}

export interface ExitStatus {
  /** Exit code, or undefined when killed by a signal. */
  readonly code: number | undefined;
  /** Signal name without `SIG` (`TERM`), as SSH exit-signal wants it. */
  readonly signal: string | undefined;
}

export interface ChildHandle {
  readonly backend: PtyBackend;
  readonly pid: number | undefined;
  /** True when the child has a terminal (stderr then arrives mixed into output). */
  readonly isTerminal: boolean;
  onOutput(listener: (chunk: Buffer) => void): void;
  /** Separate stderr: pipes only. */
  onErrorOutput(listener: (chunk: Buffer) => void): void;
  pauseOutput(): void;
  resumeOutput(): void;
  /** Input to the child; false means wait for onceInputDrain before writing more. */
  write(chunk: Buffer): boolean;
  onceInputDrain(listener: () => void): void;
  /** The client sent EOF. */
  endInput(): void;
  resize(cols: number, rows: number): void;
  /** Sends a signal to the child (and its process group where the backend can). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves once the child has exited and its output has been delivered. */
  readonly exited: Promise<ExitStatus>;
}

/** Keeps client-supplied sizes sane: 0x0 and 100000x100000 both become something a kernel accepts. */
export function clampSize(cols: number, rows: number): { cols: number; rows: number } {
  const clamp = (n: number, fallback: number): number => (Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), 1000) : fallback);
  return { cols: clamp(cols, 80), rows: clamp(rows, 24) };
}

// The job's process in run mode and the epilogue: spawned with the CI job's own stdout/stderr (inherit,
// so the job keeps its tty, colours and output order), and their endings as shell-style exit codes.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { shellQuote } from '../pty';

export interface JobResult {
  /** Shell-style: the exit code, 128+N after signal N, 127 when the command was not found, 126 not runnable. */
  readonly exitCode: number;
  readonly signal?: NodeJS.Signals;
  /** Set when the command could not be started at all. */
  readonly error?: string;
}

export interface RunningJob {
  readonly pid: number | undefined;
  readonly done: Promise<JobResult>;
  kill(signal: NodeJS.Signals): void;
}

export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** The command as one line a person could paste into a shell. */
export function commandLine(command: readonly string[]): string {
  return command.map(shellQuote).join(' ');
}

export function runJob(command: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): RunningJob {
  const [file, ...args] = command;
  const child = spawn(file!, args, { cwd: options.cwd, env: options.env, stdio: 'inherit' });
  const done = new Promise<JobResult>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      resolve({ exitCode: error.code === 'ENOENT' ? 127 : 126, error: `cannot run ${file}: ${error.code ?? error.message}` });
    });
    child.once('exit', (code, signal) => {
      resolve(signal ? { exitCode: exitCodeForSignal(signal), signal } : { exitCode: code ?? 0 });
    });
  });
  return {
    pid: child.pid,
    done,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Runs `sh -c script` with inherited stdio; resolves with its exit code (never rejects). */
export function runEpilogue(script: string, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', script], { cwd: options.cwd, env: options.env, stdio: 'inherit' });
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(signal ? exitCodeForSignal(signal) : (code ?? 0)));
  });
}

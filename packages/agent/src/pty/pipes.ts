// A child on plain pipes: `ssh -T` sessions and exec without a pty (stdout and stderr kept apart), and
// the last resort when no terminal backend exists.
import { spawn } from 'node:child_process';
import { type ChildHandle, type ExitStatus, PtyBackend, type SpawnOptions } from './types';
import { killGroup, signalName } from './signals';
import { turnWriter } from './turn-writer';

export function spawnPipes(options: SpawnOptions): ChildHandle {
  // detached: the child leads its own process group, so a hangup reaches its children too.
  const child = spawn(options.file, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => {
      child.stderr.emit('data', Buffer.from(`converge: cannot start ${options.file}: ${error.message}\n`));
      resolve({ code: 127, signal: undefined });
    });
    child.once('close', (code, signal) => resolve({ code: code ?? undefined, signal: signalName(signal) }));
  });
  // Writes after the child closed stdin raise EPIPE; the exit status tells the story.
  child.stdin.on('error', () => undefined);
  const write = turnWriter(child.stdin);
  return {
    backend: PtyBackend.pipes,
    pid: child.pid,
    isTerminal: false,
    onOutput: (listener) => void child.stdout.on('data', listener),
    onErrorOutput: (listener) => void child.stderr.on('data', listener),
    pauseOutput: () => {
      child.stdout.pause();
      child.stderr.pause();
    },
    resumeOutput: () => {
      child.stdout.resume();
      child.stderr.resume();
    },
    write,
    onceInputDrain: (listener) => void child.stdin.once('drain', listener),
    endInput: () => void child.stdin.end(),
    resize: () => undefined,
    kill: (signal) => killGroup(child.pid, signal),
    exited,
  };
}

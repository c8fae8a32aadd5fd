// What tests look at from outside a process: /proc (children, fds, memory).
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';

/** Direct children of a process, from every thread's children list. */
export function childPids(pid: number): number[] {
  const pids: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      pids.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      // the thread ended while we looked
    }
  }
  return pids;
}

/** Children of this test process whose command is `name` (e.g. sftp-server). */
export function childPidsNamed(name: string): number[] {
  return childPids(process.pid).filter((pid) => {
    try {
      // pid (comm) state ...
      return /^\d+ \((.*)\) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] === name;
    } catch {
      return false; // it went away
    }
  });
}

export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

/** This process's open file descriptors that point under `dir` (handles an in-process server holds). */
export async function openFdsUnder(dir: string): Promise<string[]> {
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((t) => t.startsWith(dir));
}

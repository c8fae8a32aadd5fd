// Test-only helpers: run the real OpenSSH sftp/scp against a TestServer, make and hash files, inspect fds.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { TestServer } from './test-server';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function sshOptions(server: TestServer): string[] {
  return [
    '-F', '/dev/null',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'LogLevel=ERROR',
    '-i', server.keyPath,
  ];
}

/** Runs a command to completion (killed after timeoutMs) and collects its output. */
export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `sftp -b batchfile`: every command must succeed unless prefixed with '-'. */
export async function sftpBatch(
  server: TestServer,
  commands: string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const batch = join(server.root, `batch-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await writeFile(batch, commands.join('\n') + '\n');
  return run('sftp', ['-b', batch, ...sshOptions(server), '-P', String(server.port), 'tester@127.0.0.1'], opts);
}

/** Starts `sftp -b` and returns the child (for tests that kill it midway). */
export function spawnSftpBatch(server: TestServer, batchFile: string): ChildProcess {
  return spawn('sftp', ['-b', batchFile, ...sshOptions(server), '-P', String(server.port), 'tester@127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** scp (SFTP protocol: OpenSSH >= 9 default); remote paths are given as `remote:path`. */
export function scp(server: TestServer, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const mapped = args.map((a) => (a.startsWith('remote:') ? `tester@127.0.0.1:${a.slice('remote:'.length)}` : a));
  return run('scp', ['-q', ...sshOptions(server), '-P', String(server.port), ...mapped], opts);
}

export async function writeRandomFile(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const chunk = 1024 * 1024;
  for (let done = 0; done < bytes; done += chunk) {
    const data = randomBytes(Math.min(chunk, bytes - done));
    hash.update(data);
    if (!out.write(data)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
  return hash.digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const input = createReadStream(path);
  input.on('data', (d) => hash.update(d));
  await finished(input);
  return hash.digest('hex');
}

/** This process's open file descriptors that point under `dir` (handles the built-in server holds). */
export async function openFdsUnder(dir: string): Promise<string[]> {
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((t) => t.startsWith(dir));
}

/** Pids of this process's children whose command is `name` (e.g. sftp-server). */
export async function childPids(name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...
      const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (match && match[1] === name && Number(match[2]) === process.pid) pids.push(Number(entry));
    } catch {
      // the process went away
    }
  }
  return pids;
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

// The real OpenSSH clients in tests: ssh against an agent listening on 127.0.0.1 with its host key
// pinned, and sftp/scp against a TestServer.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestServer } from './ssh-server';

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

/** What sshArgs needs of an agent: its id, known_hosts line and the address it listens on. */
export interface ListeningAgent {
  readonly id: string;
  readonly info: { readonly knownHostsLine: string; readonly listen?: { readonly port: number } };
}

/** ssh options pinning the agent's host key under its id, with one identity and no config file. */
export function sshArgs(agent: ListeningAgent, keyPath: string, dir: string): string[] {
  const knownHosts = join(dir, `known_hosts_${agent.id}`);
  writeFileSync(knownHosts, `${agent.info.knownHostsLine}\n`);
  return [
    '-F', '/dev/null',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', `IdentityFile=${keyPath}`,
    '-o', `HostKeyAlias=${agent.id}`,
    '-o', 'ConnectTimeout=5',
    '-p', String(agent.info.listen!.port),
  ];
}

/** Runs ssh with `input` on its stdin; killed after timeoutMs (default 8 s). */
export function runSsh(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('ssh', [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 8000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

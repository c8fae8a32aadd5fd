// Test helpers (not shipped): generated OpenSSH keys in a temp dir, an agent on 127.0.0.1:0, and the
// real /usr/bin/ssh pointed at it with a pinned host key.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Agent, type AgentDeps, startAgent } from '../agent';
import type { AgentConfigInput } from '../config';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../log';

export interface TempKeys {
  readonly dir: string;
  /** Path of a generated private key; its public line is `publicLine(name)`. */
  key(name: string): string;
  publicLine(name: string): string;
  cleanup(): void;
}

export function tempKeys(names: readonly string[]): TempKeys {
  const dir = mkdtempSync(join(tmpdir(), 'converge-agent-test-'));
  for (const name of names) {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@test`, '-f', join(dir, name)]);
  }
  return {
    dir,
    key: (name) => join(dir, name),
    publicLine: (name) => readFileSync(join(dir, `${name}.pub`), 'utf8').trim(),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const quietLog = createLogger('error', { silent: true });

export async function startTestAgent(input: Partial<AgentConfigInput>, deps: AgentDeps = {}): Promise<Agent> {
  return startAgent(
    // hold: these tests log in many times to one agent; the default ends it at the first logout.
    { listen: '127.0.0.1:0', environment: process.env, watchKeys: false, killGraceMs: 300, lifecycle: { hold: true }, ...input },
    { log: quietLog, ...deps },
  );
}

export interface SshResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** ssh options pinning the agent's host key under its id, with one identity and no config file. */
export function sshArgs(agent: Agent, keyPath: string, dir: string): string[] {
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

export function runSsh(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<SshResult> {
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

/** A debug-level logger whose lines land in an array (to assert on what the agent says). */
export function captureLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString().trim());
      done();
    },
  });
  const log = winston.createLogger({
    level: 'debug',
    levels: { error: 0, warn: 1, info: 2, debug: 3 },
    format: winston.format.printf((entry) => `${entry.level} ${String(entry.message)}`),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { log, lines };
}

// e2e harness: real processes only. The relay, agent and wsproxy run from their built CLIs
// (packages/*/dist), the person's side is the real OpenSSH client, everything on 127.0.0.1 with ports
// chosen by the OS. Every process and temp dir a test makes is tracked and removed in cleanup().
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor as waitUntil } from '@converge/testkit';

export const ROOT = resolve(__dirname, '..');
export const CLI = {
  relay: join(ROOT, 'packages/relay/dist/cli.js'),
  agent: join(ROOT, 'packages/agent/dist/cli.js'),
  wsproxy: join(ROOT, 'packages/wsproxy/dist/cli.js'),
};

export interface AgentInfo {
  id: string;
  relayUrl: string;
  clientUrl: string;
  sshCommand: string;
  user: string;
  fingerprint: string;
  knownHostsLine: string;
  agentDir: string;
}

export interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();
/** Every process group started here: members may outlive the child that led it. */
const groups = new Set<number>();
const dirs = new Set<string>();

export function tempDir(prefix = 'converge-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function startProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
  // Its own process group, so stop() and cleanup() reach grandchildren too (a pasted job command runs
  // the agent under sh; an orphaned agent would hold the output pipes, and Jest, open).
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  children.add(child);
  if (child.pid !== undefined) groups.add(child.pid);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolveExit(code);
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** testkit's waitFor, with the process whose output explains a timeout. */
export function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000, proc?: Proc): Promise<T> {
  return waitUntil(what, probe, { timeoutMs, detail: proc ? () => `stdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}` : undefined });
}

export interface RelayProc extends Proc {
  url: string;
  wsUrl: string;
  port: number;
  /** The sessions data token the relay printed (its own, or --admin-token). */
  adminToken: string;
}

export async function startRelay(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RelayProc> {
  const proc = startProcess(process.execPath, [CLI.relay, '--host', '127.0.0.1', '--port', '0', ...args], { env });
  const url = await waitFor('relay to listen', () => /listening on (https?:\/\/\S+)/.exec(proc.stdout())?.[1], 15_000, proc);
  const adminToken = await waitFor('the sessions link', () => /\/sessions#token=(\S+)/.exec(proc.stdout())?.[1], 15_000, proc);
  return { ...proc, url, wsUrl: url.replace(/^http/, 'ws'), port: Number(new URL(url).port), adminToken };
}

export interface AgentProc extends Proc {
  info: AgentInfo;
  infoFile: string;
  dir: string;
}

/** `hold`: pass --hold so the agent outlives logouts (suites reuse one agent); lifecycle tests pass false. */
export async function startAgent(relayUrl: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string, hold = true): Promise<AgentProc> {
  const dir = tempDir('converge-agent-');
  const infoFile = join(dir, 'info.json');
  const proc = startProcess(process.execPath, [CLI.agent, relayUrl, '--info-file', infoFile, ...(hold ? ['--hold'] : []), ...args], { env, cwd: cwd ?? dir });
  const info = await waitFor('agent to register', () => existsSync(infoFile) && (JSON.parse(readFileSync(infoFile, 'utf8')) as AgentInfo), 20_000, proc);
  // The banner is printed before the info file is written; its bytes may still be on their way here.
  await waitFor('the agent to print its ssh command', () => proc.stdout().includes(info.id), 5_000, proc);
  return { ...proc, info, infoFile, dir };
}

/** A directory whose `npx` runs the local builds of @converge/agent (any @version) and
 *  @converge/wsproxy, so commands run exactly as people paste them (put it first in PATH). */
export function npxShim(): string {
  const bin = tempDir('converge-npx-');
  writeFileSync(
    join(bin, 'npx'),
    `#!/bin/sh
while [ "$1" = "-y" ] || [ "$1" = "--yes" ]; do shift; done
pkg=$1; shift
case "$pkg" in
  @converge/agent|@converge/agent@*) exec "${process.execPath}" "${CLI.agent}" "$@" ;;
  @converge/wsproxy|@converge/wsproxy@*) exec "${process.execPath}" "${CLI.wsproxy}" "$@" ;;
  *) echo "fake npx: unexpected package $pkg" >&2; exit 127 ;;
esac
`,
  );
  chmodSync(join(bin, 'npx'), 0o755);
  return bin;
}

export interface Key {
  privateKey: string;
  publicKey: string;
  publicLine: string;
}

export function makeKey(dir: string, name = 'id_ed25519', type = 'ed25519'): Key {
  const privateKey = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `${name}@e2e`, '-f', privateKey]);
  return { privateKey, publicKey: `${privateKey}.pub`, publicLine: readFileSync(`${privateKey}.pub`, 'utf8').trim() };
}

/** A known_hosts file holding the line the agent printed. */
export function knownHostsFor(info: AgentInfo, dir: string): string {
  const file = join(dir, `known_hosts_${info.id}`);
  writeFileSync(file, `${info.knownHostsLine}\n`);
  return file;
}

export function proxyCommand(url: string, proxyArgs: string[] = []): string {
  return [process.execPath, CLI.wsproxy, ...proxyArgs, url].join(' ');
}

/** ssh options that make the real client strict and non-interactive, through wsproxy to the agent. */
export function sshOptions(info: AgentInfo, key: Key, knownHosts: string, extra: string[] = [], proxyArgs: string[] = []): string[] {
  return [
    '-F', '/dev/null',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-i', key.privateKey,
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'ConnectTimeout=20',
    '-o', 'LogLevel=ERROR',
    '-o', `ProxyCommand=${proxyCommand(info.clientUrl, proxyArgs)}`,
    ...extra,
  ];
}

export function run(command: string, args: string[], options: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const proc = startProcess(command, args, { env: options.env });
  proc.child.stdin!.on('error', () => undefined);
  proc.child.stdin!.end(options.input ?? '');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return proc.exited.then((code) => {
    clearTimeout(timer);
    return { code, stdout: proc.stdout(), stderr: proc.stderr() };
  });
}

export function ssh(
  info: AgentInfo,
  key: Key,
  knownHosts: string,
  remote: string[],
  options: { extra?: string[]; proxyArgs?: string[]; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return run('ssh', [...sshOptions(info, key, knownHosts, options.extra, options.proxyArgs), `${info.user}@${info.id}`, ...remote], options);
}

/** Signals the process and everything it started (its process group). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}

export interface Stack {
  dir: string;
  key: Key;
  relay: RelayProc;
  agent: AgentProc;
  knownHosts: string;
}

/** The usual fixture: a temp dir, a person's key, a relay, and an agent that lets that key in. */
export async function startStack(agentArgs: string[] = []): Promise<Stack> {
  const dir = tempDir();
  const key = makeKey(dir, 'person');
  const relay = await startRelay();
  const agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey, ...agentArgs]);
  return { dir, key, relay, agent, knownHosts: knownHostsFor(agent.info, dir) };
}

export async function stop(proc: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.child.exitCode;
  signalGroup(proc.child, signal);
  const timer = setTimeout(() => signalGroup(proc.child, 'SIGKILL'), 5000);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

export async function cleanup(): Promise<void> {
  await Promise.all([...children].map((child) => {
    signalGroup(child, 'SIGKILL');
    return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  }));
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

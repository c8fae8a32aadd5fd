// Bench plumbing: real processes (built relay, agent, wsproxy CLIs; OpenSSH; sshd; websockify) on
// 127.0.0.1 with OS-chosen ports, each tracked and killed at the end, every wait bounded in time.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = {
  relay: join(ROOT, 'packages/relay/dist/cli.js'),
  agent: join(ROOT, 'packages/agent/dist/cli.js'),
  wsproxy: join(ROOT, 'packages/wsproxy/dist/cli.js'),
};
export const MiB = 1024 * 1024;

const children = new Set();
const dirs = new Set();

export function tempDir(prefix = 'converge-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function startProcess(command, args, options = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: options.stdio ?? ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => (out.length < 1e6 ? (out += chunk) : undefined));
  child.stderr?.on('data', (chunk) => (err.length < 1e6 ? (err += chunk) : undefined));
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => { children.delete(child); resolveExit(code ?? signal); }));
  return { child, pid: child.pid, stdout: () => out, stderr: () => err, exited };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what, probe, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function stop(proc, signal = 'SIGTERM') {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
  await proc.exited;
  clearTimeout(timer);
}

export async function cleanupAll() {
  await Promise.all([...children].map((child) => {
    child.kill('SIGKILL');
    return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
  }));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Node's own options for every Converge process the bench starts (A/B runs): BENCH_NODE_ARGS, space-separated. */
function nodeArgs() {
  return (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

export async function startRelay(args = []) {
  const proc = startProcess(process.execPath, [...nodeArgs(), CLI.relay, '--host', '127.0.0.1', '--port', '0', '--log-level', 'error', ...args]);
  const url = await waitFor('relay to listen', () => /listening on (http:\/\/\S+)/.exec(proc.stdout())?.[1]);
  return { ...proc, url, wsUrl: url.replace(/^http/, 'ws') };
}

export async function startAgent(relayWsUrl, args) {
  const dir = tempDir('converge-bench-agent-');
  const infoFile = join(dir, 'info.json');
  const relayArgs = relayWsUrl ? [relayWsUrl] : [];
  // --hold: the bench logs in many times; without it the agent ends at the first logout.
  const proc = startProcess(process.execPath, [...nodeArgs(), CLI.agent, ...relayArgs, '--info-file', infoFile, '--quiet', '--log-level', 'error', '--hold', ...args], { cwd: dir });
  const info = await waitFor('agent to register', () => existsSync(infoFile) && JSON.parse(readFileSync(infoFile, 'utf8')), 20_000);
  return { ...proc, info, dir };
}

export function makeKey(dir, name = 'id_ed25519', type = 'ed25519') {
  const privateKey = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `${name}@bench`, '-f', privateKey]);
  return { privateKey, publicKey: `${privateKey}.pub`, publicLine: readFileSync(`${privateKey}.pub`, 'utf8').trim() };
}

/** An ssh target: `args` go before the destination, `dest` is user@host. */
export function sshTarget(name, { key, knownHosts, dest, port, proxyCommand }) {
  const args = [
    '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', key.privateKey,
    '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=20', '-o', 'LogLevel=ERROR',
    ...(port ? ['-p', String(port)] : []),
    ...(proxyCommand ? ['-o', `ProxyCommand=${proxyCommand}`] : []),
  ];
  return { name, args, dest };
}

export function wsproxyCommand(url) {
  return [process.execPath, ...nodeArgs(), CLI.wsproxy, url].join(' ');
}

/** The three ways to reach a running agent: through the relay, and directly on its --listen port. */
export function agentTargets(agent, key, dir) {
  const { info } = agent;
  const knownHosts = join(dir, `known_hosts_${info.id}`);
  const port = info.listen.port;
  writeFileSync(knownHosts, `${info.knownHostsLine}\n[127.0.0.1]:${port} ${info.knownHostsLine.split(' ').slice(1).join(' ')}\n`);
  return {
    relay: sshTarget('converge via relay', { key, knownHosts, dest: `${info.user}@${info.id}`, proxyCommand: wsproxyCommand(info.clientUrl) }),
    direct: sshTarget('converge agent direct TCP', { key, knownHosts, dest: `${info.user}@127.0.0.1`, port }),
  };
}

/** Runs a shell command line; resolves with code, stdout, stderr and wall seconds. Killed after timeoutMs. */
export function sh(line, timeoutMs = 120_000) {
  const started = process.hrtime.bigint();
  const proc = startProcess('sh', ['-c', line]);
  proc.child.stdin.end();
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  return proc.exited.then((code) => {
    clearTimeout(timer);
    return { code, stdout: proc.stdout(), stderr: proc.stderr(), seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  });
}

export const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
export const sshLine = (t, remote) => `ssh ${t.args.map(quote).join(' ')} ${quote(t.dest)} ${quote(remote)}`;

export function sftpServerPath() {
  return ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server', '/usr/lib/ssh/sftp-server', '/usr/libexec/sftp-server'].find(existsSync);
}

/** Debian's sshd on a random loopback port, own config, host key and AuthorizedKeysFile; or undefined. */
export async function startSshd(key, dir) {
  const sshd = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find(existsSync);
  if (!sshd) return { skipped: 'OpenSSH sshd is not installed (Debian: apt-get install openssh-server)' };
  const port = await freePort();
  const hostKey = join(dir, 'sshd_host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const authorized = join(dir, 'sshd_authorized_keys');
  writeFileSync(authorized, `${key.publicLine}\n`);
  const config = join(dir, 'sshd_config');
  const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  writeFileSync(config, [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${hostKey}`, `AuthorizedKeysFile ${authorized}`,
    'UsePAM no', 'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    `PidFile ${join(dir, 'sshd.pid')}`, `Subsystem sftp ${sftpServerPath() ?? 'internal-sftp'}`, `AllowUsers ${user}`,
    'PermitRootLogin prohibit-password', 'LogLevel ERROR',
  ].join('\n') + '\n');
  if (!existsSync('/run/sshd')) execFileSync('mkdir', ['-p', '/run/sshd']);
  const proc = startProcess(sshd, ['-D', '-e', '-f', config]);
  await waitFor('sshd to listen', () => new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(true));
    s.listen(port, '127.0.0.1', () => s.close(() => r(false)));
  }), 10_000);
  const knownHosts = join(dir, 'sshd_known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  const version = execFileSync('ssh', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) || '';
  return { proc, port, user, knownHosts, version };
}

/** websockify in front of sshd, so our wsproxy can be the ProxyCommand; or a reason it is skipped. */
export async function startWebsockify(targetPort) {
  const bin = ['/usr/bin/websockify', '/usr/local/bin/websockify'].find(existsSync);
  if (!bin) return { skipped: 'websockify is not installed (Debian: apt-get install websockify)' };
  const port = await freePort();
  const proc = startProcess(bin, [`127.0.0.1:${port}`, `127.0.0.1:${targetPort}`]);
  await waitFor('websockify to listen', () => new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(true));
    s.listen(port, '127.0.0.1', () => s.close(() => r(false)));
  }), 10_000);
  return { proc, port };
}

export function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * CPU seconds a process has used, user + system, including the children it has reaped (so the shell
 * and `head` a session ran count for the agent, and sshd's per-connection processes for the listener).
 */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime is field 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return (utime + stime + cutime + cstime) / CLOCK_TICKS;
}

/**
 * Seconds a process's threads have been on a CPU, to the nanosecond (the scheduler's own count in
 * /proc/<pid>/task/<tid>/schedstat; threads that ended are not counted): for the small figures that
 * cpuSeconds' clock ticks cannot resolve, such as a process that is idle.
 */
export function onCpuSeconds(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e9;
}

export function fdCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Rounds of a full run: each path is measured once per round, so that a burst of load elsewhere on the
 *  shared host does not land on one path only. */
export const ROUNDS = 3;

/** `list` starting at its `round`-th element (mod its length): each round takes the paths in another order. */
export function rotated(list, round) {
  const at = round % list.length;
  return [...list.slice(at), ...list.slice(0, at)];
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs `fn` but gives up after `ms`, returning `{ timeout: true }`. */
export async function bounded(ms, fn) {
  let timer;
  const limit = new Promise((r) => (timer = setTimeout(() => r({ timeout: true }), ms)));
  try {
    return await Promise.race([fn(), limit]);
  } finally {
    clearTimeout(timer);
  }
}

// Interactive latency: `ssh -tt` under a real pty, `stty raw -echo; cat` on the far side, one byte
// sent and waited for at a time. p50/p99 per path, as a ratio against the baseline path.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { percentile, rotated, ROUNDS, startProcess, stop, waitFor } from './lib.mjs';
import { relayAloneEcho } from './relay-alone.mjs';

const require = createRequire(import.meta.url);
const BARE_PROXY = fileURLToPath(new URL('./bare-proxy.cjs', import.meta.url));
const AGENT_DIRECT = 'converge agent direct TCP';
const RELAY = 'converge via relay';
const TWO_HOPS = 'agent direct + two bare Node hops';

/**
 * The agent reached directly through forwarders that only copy bytes. `nc` (C) and bare-proxy.cjs (Node)
 * as ProxyCommand each price one forwarding process; bare-proxy.cjs as ProxyCommand and again as a TCP
 * forwarder (`listenPort`) are the two Node processes the relay path has (wsproxy and the relay) with
 * nothing of ours in them: the least that path's design can cost.
 */
function hopTargets(direct, port, listenPort) {
  const hops = [];
  const nc = ['/usr/bin/nc', '/bin/nc', '/usr/local/bin/nc'].find(existsSync);
  if (nc) hops.push({ name: 'agent direct + nc as ProxyCommand', command: `${nc} 127.0.0.1 ${port}` });
  hops.push({ name: 'agent direct + bare Node ProxyCommand', command: `${process.execPath} ${BARE_PROXY} 127.0.0.1 ${port}` });
  if (listenPort) hops.push({ name: TWO_HOPS, command: `${process.execPath} ${BARE_PROXY} 127.0.0.1 ${listenPort}` });
  return hops.map(({ name, command }) => ({ name, dest: direct.dest, args: [...direct.args, '-o', `ProxyCommand=${command}`] }));
}

/** bare-proxy.cjs listening in front of the agent's port; resolves with the process and its port. */
async function startBareForwarder(port) {
  const proc = startProcess(process.execPath, [BARE_PROXY, '--listen', '127.0.0.1', String(port)]);
  const listenPort = await waitFor('bare forwarder to listen', () => Number(/^(\d+)$/m.exec(proc.stdout())?.[1]));
  return { proc, listenPort };
}

function once(term, predicate, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error('no echo within time'));
    }, timeoutMs);
    const sub = term.onData((data) => {
      if (!predicate(data)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

/** Round-trip times in ms of `keystrokes` single bytes echoed through one ssh session. */
export async function measurePath(target, keystrokes) {
  const pty = require('@lydell/node-pty');
  const term = pty.spawn('ssh', [...target.args, '-tt', target.dest, 'stty raw -echo; echo READY; exec cat'], {
    cols: 80, rows: 24, env: process.env,
  });
  const exited = new Promise((r) => term.onExit(r));
  try {
    let seen = '';
    await once(term, (d) => (seen += d).includes('READY'), 20_000);
    await new Promise((r) => setTimeout(r, 200));
    const samples = [];
    const alphabet = 'abcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < keystrokes; i++) {
      const ch = alphabet[i % alphabet.length];
      const got = once(term, (d) => d.includes(ch), 5000);
      const t0 = process.hrtime.bigint();
      term.write(ch);
      await got;
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return samples;
  } finally {
    term.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  }
}

/** p50 and p99 of round-trip samples. */
export function latencyOf(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
}

export async function benchLatency({ targets, agent, quick, log }) {
  const keystrokes = quick ? 200 : 1000;
  // As in bulk, every path once per round (lib.mjs's ROUNDS); the samples of a path's rounds are pooled.
  const rounds = quick ? 1 : ROUNDS;
  const direct = targets.find((target) => target.name === AGENT_DIRECT);
  const forwarder = direct
    ? await startBareForwarder(agent.info.listen.port).catch((error) => void log(`  ${TWO_HOPS}: skipped, ${error.message}`))
    : undefined;
  const sshPaths = [...targets, ...(direct ? hopTargets(direct, agent.info.listen.port, forwarder?.listenPort) : [])];
  const paths = [...sshPaths.map((target) => ({ name: target.name, measure: (n) => measurePath(target, n) })), { name: 'relay alone (ws echo, no SSH)', measure: (n) => relayAloneEcho(n) }];
  const samples = new Map(paths.map((path) => [path, []]));
  const errors = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const path of rotated(paths, round)) {
      if (errors.has(path)) continue;
      await path.measure(Math.ceil(keystrokes / rounds)).then(
        (got) => samples.get(path).push(...got),
        (error) => errors.set(path, error.message),
      );
    }
  }
  if (forwarder) await stop(forwarder.proc);
  const rows = paths.map((path) => (errors.has(path) ? { path: path.name, error: errors.get(path) } : { path: path.name, ...latencyOf(samples.get(path)) }));
  for (const row of rows) log(`  ${row.path.padEnd(34)} ${row.error ?? `p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms`}`);
  const baseline = rows.find((r) => r.path.startsWith('OpenSSH sshd') && !r.error) ?? rows.find((r) => r.path.includes('direct'));
  for (const row of rows) {
    if (row.error || !baseline || baseline.error) continue;
    row.p50Ratio = row.p50 / baseline.p50;
    row.p99Ratio = row.p99 / baseline.p99;
  }
  // The goal: the relay path's p50 within 1.5x of the agent direct; the hops show what one process costs,
  // and the two bare Node hops what the relay path's two processes cost with nothing of ours in them.
  const agentDirect = rows.find((r) => r.path === AGENT_DIRECT && !r.error);
  const compared = rows.filter((r) => !r.error && (r.path === RELAY || r.path.startsWith('agent direct +')));
  const vsAgentDirect = agentDirect ? Object.fromEntries(compared.map((r) => [r.path, r.p50 / agentDirect.p50])) : undefined;
  if (vsAgentDirect) log(`  p50 vs the agent direct: ${Object.entries(vsAgentDirect).map(([path, ratio]) => `${path} x${ratio.toFixed(2)}`).join('; ')}`);
  return { keystrokes, rounds, baseline: baseline?.path, rows, vsAgentDirect };
}

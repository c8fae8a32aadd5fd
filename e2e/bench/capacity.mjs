// Relay capacity: many idle agents (light in-process fakes speaking the control protocol) and relay RSS
// per agent; several active sessions at once and their aggregate throughput against one alone.
import { createRequire } from 'node:module';
import { generateKeyPairSync, sign } from 'node:crypto';
import { claimPayload, encodeMessage } from '@converge/protocol';
import { MiB, onCpuSeconds, rssKiB, sh, sleep, sshLine, startRelay, stop } from './lib.mjs';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

const AGENT = { hostname: 'bench', os: 'linux', arch: 'x64', user: 'bench', cwd: '/', version: '0.0.0-bench' };

/** One ed25519 host key for every fake agent (each gets its own generated id). */
const HOST = (() => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const name = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([Buffer.from([0, 0, 0, name.length]), name, Buffer.from([0, 0, 0, raw.length]), raw]);
  return { line: `ssh-ed25519 ${blob.toString('base64')}`, privateKey };
})();

/** The hello that answers the relay's challenge, signed by the fake agents' host key. */
function signedHello(nonce) {
  return encodeMessage({ type: 'hello', agent: AGENT, hostKey: HOST.line, signature: sign(null, claimPayload(nonce, undefined), HOST.privateKey).toString('base64') });
}

/** Opens one fake agent control socket; resolves when welcomed (with the welcome on `ws.welcome`), or
 *  with undefined on failure. */
export function fakeAgent(wsUrl) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsUrl}/agent`, { perMessageDeflate: false });
    const timer = setTimeout(() => done(undefined), 20_000);
    const done = (value) => {
      clearTimeout(timer);
      if (!value) ws.terminate();
      resolve(value);
    };
    ws.on('message', (data) => {
      const text = String(data);
      if (text.includes('"challenge"')) ws.send(signedHello(JSON.parse(text).nonce));
      else if (text.includes('"welcome"')) done(Object.assign(ws, { welcome: JSON.parse(text) }));
    });
    ws.on('error', () => done(undefined));
    ws.on('close', () => done(undefined));
  });
}

/**
 * Milliseconds per second the relay spends on a CPU while nothing is asked of it, over `windowMs`,
 * starting SETTLE_MS after the last burst of work: V8 tidies its heap about 8 s after one (a full
 * collection and returning memory), ~0.1 s of CPU that is not the idle cost.
 */
const SETTLE_MS = 10_000;
async function idleCpuMsPerSecond(pid, windowMs, settledMs) {
  await sleep(Math.max(0, SETTLE_MS - settledMs));
  const before = onCpuSeconds(pid);
  await sleep(windowMs);
  return ((onCpuSeconds(pid) - before) * 1000) / (windowMs / 1000);
}

export async function benchIdleAgents({ quick, log }, relayArgs = []) {
  const target = quick ? 1000 : 10_000;
  const limitMs = quick ? 20_000 : 120_000;
  const relay = await startRelay(['--max-agents', '0', '--max-connections-per-address', '0', ...relayArgs]);
  const sockets = [];
  try {
    await sleep(500);
    const idleWindowMs = quick ? 3000 : 10_000;
    const cpuIdle0 = await idleCpuMsPerSecond(relay.pid, idleWindowMs, 500);
    const rss0 = rssKiB(relay.pid);
    const started = Date.now();
    let failures = 0;
    while (sockets.length < target && Date.now() - started < limitMs && failures < 100) {
      const batch = await Promise.all(Array.from({ length: Math.min(250, target - sockets.length) }, () => fakeAgent(relay.wsUrl)));
      for (const ws of batch) (ws ? sockets.push(ws) : failures++);
    }
    const seconds = (Date.now() - started) / 1000;
    await sleep(1000);
    const rssN = rssKiB(relay.pid);
    const cpuIdleN = await idleCpuMsPerSecond(relay.pid, idleWindowMs, 1000);
    const row = {
      agents: sockets.length,
      target,
      failures,
      secondsToRegister: seconds,
      relayRssIdleMiB: rss0 / 1024,
      relayRssMiB: rssN / 1024,
      rssPerAgentKiB: sockets.length ? (rssN - rss0) / sockets.length : NaN,
      growthRatio: rssN / rss0,
      relayIdleCpuMsPerS: cpuIdle0,
      relayCpuWithAgentsMsPerS: cpuIdleN,
    };
    log(`  ${row.agents}/${target} idle agents in ${seconds.toFixed(1)} s; relay RSS ${row.relayRssIdleMiB.toFixed(0)} -> ${row.relayRssMiB.toFixed(0)} MiB (${row.rssPerAgentKiB.toFixed(1)} KiB per agent); relay CPU ${cpuIdle0.toFixed(2)} ms/s idle, ${cpuIdleN.toFixed(2)} ms/s with the agents`);
    return row;
  } finally {
    for (const ws of sockets) ws.terminate();
    await stop(relay);
  }
}

export async function benchActiveSessions({ relayTarget, quick, log }) {
  const sessions = 8;
  const each = (quick ? 32 : 128) * MiB;
  const download = () => sh(`${sshLine(relayTarget, `head -c ${each} /dev/zero`)} | wc -c`, 300_000);
  const alone = await download();
  const aloneMbps = each / MiB / alone.seconds;
  const started = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: sessions }, download));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const complete = results.filter((r) => r.code === 0 && Number(r.stdout.trim()) === each).length;
  const aggregateMbps = (complete * each) / MiB / seconds;
  const row = { sessions, bytesEach: each, complete, aloneMbps, aggregateMbps, ratio: aggregateMbps / aloneMbps };
  log(`  1 session ${aloneMbps.toFixed(1)} MB/s; ${complete}/${sessions} at once ${aggregateMbps.toFixed(1)} MB/s aggregate (x${row.ratio.toFixed(2)})`);
  return row;
}

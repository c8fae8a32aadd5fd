// A fleet of two relays sharing one real redis-server: a person on the relay that holds the agent
// (same-relay) against one on the other relay (cross-relay: one extra relay-to-relay hop), for bulk
// throughput and keystroke latency, measured in the same run; and idle agents on one relay with Redis
// against without.
import { join } from 'node:path';
import { benchIdleAgents } from './capacity.mjs';
import { latencyOf, measurePath } from './latency.mjs';
import { freePort, MiB, sh, sshLine, sshTarget, startAgent, startProcess, startRelay, stop, waitFor, wsproxyCommand } from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';

async function startRedis() {
  const port = await freePort();
  const proc = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await waitFor('redis to listen', () => new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  }));
  return { ...proc, url: `redis://127.0.0.1:${port}` };
}

async function catDown(target, bytes) {
  const result = await sh(`${sshLine(target, `head -c ${bytes} /dev/zero | cat`)} | wc -c`, 180_000);
  return result.code === 0 && Number(result.stdout.trim()) === bytes ? bytes / MiB / result.seconds : NaN;
}

async function catUp(target, bytes) {
  const result = await sh(`head -c ${bytes} /dev/zero | ${sshLine(target, 'cat | wc -c')}`, 180_000);
  return result.code === 0 && Number(result.stdout.trim()) === bytes ? bytes / MiB / result.seconds : NaN;
}

export async function benchFleet(ctx) {
  const { quick, log, key, dir } = ctx;
  const redis = await startRedis();
  const a = await startRelay(['--redis', redis.url]);
  const b = await startRelay(['--redis', redis.url]);
  const agent = await startAgent(a.wsUrl, ['--authorized-keys', key.publicKey]);
  try {
    const knownHosts = join(dir, `known_hosts_fleet_${agent.info.id}`);
    writeFileSync(knownHosts, `${agent.info.knownHostsLine}\n`);
    const target = (name, relay) => sshTarget(name, { key, knownHosts, dest: `${agent.info.user}@${agent.info.id}`, proxyCommand: wsproxyCommand(`${relay.wsUrl}/client/${agent.info.id}`) });
    const same = target('same relay', a);
    const cross = target('cross relay (one extra hop)', b);
    const bytes = (quick ? 128 : 512) * MiB;
    const keystrokes = quick ? 200 : 500;
    const rows = [];
    for (const t of [same, cross]) {
      const row = { path: t.name, catDownMbps: await catDown(t, bytes), catUpMbps: await catUp(t, bytes), ...latencyOf(await measurePath(t, keystrokes)) };
      log(`  ${t.name.padEnd(30)} cat down ${row.catDownMbps.toFixed(1)} MB/s, up ${row.catUpMbps.toFixed(1)} MB/s, echo p50 ${row.p50.toFixed(2)} ms`);
      rows.push(row);
    }
    const [s, c] = rows;
    const ratios = { catDown: c.catDownMbps / s.catDownMbps, catUp: c.catUpMbps / s.catUpMbps, p50: c.p50 / s.p50, p99: c.p99 / s.p99 };
    log(`  cross/same: down x${ratios.catDown.toFixed(2)}, up x${ratios.catUp.toFixed(2)}, p50 x${ratios.p50.toFixed(2)}`);
    const alone = await benchIdleAgents(ctx);
    const shared = await benchIdleAgents(ctx, ['--redis', redis.url]);
    const capacity = {
      without: alone,
      with: shared,
      registerTimeRatio: shared.secondsToRegister / alone.secondsToRegister,
      rssPerAgentRatio: shared.rssPerAgentKiB / alone.rssPerAgentKiB,
    };
    log(`  idle agents with Redis vs without: register time x${capacity.registerTimeRatio.toFixed(2)}, RSS per agent x${capacity.rssPerAgentRatio.toFixed(2)}`);
    return { bytes, keystrokes, rows, ratios, capacity };
  } finally {
    await stop(agent);
    await stop(b);
    await stop(a);
    await stop(redis);
  }
}

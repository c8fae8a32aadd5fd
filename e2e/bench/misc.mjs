// Agent start time, a stalled client beside a busy one, and the install footprint of the packed CLIs.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CLI, MiB, ROOT, median, rssKiB, sh, sleep, sshLine, startProcess, stop, tempDir, waitFor } from './lib.mjs';

const require = createRequire(import.meta.url);

/** Wall time from spawn until `file` exists, for `args` run by node. */
async function timeToFile(args, file, timeoutMs = 20_000) {
  const t0 = process.hrtime.bigint();
  const proc = startProcess(process.execPath, args);
  await waitFor('start', () => existsSync(file), timeoutMs);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await stop(proc, 'SIGKILL');
  rmSync(file, { force: true });
  return ms;
}

export async function benchAgentStart({ relay, key, quick, log }) {
  const runs = quick ? 5 : 20;
  const dir = tempDir();
  const file = join(dir, 'info.json');
  const agentMs = [];
  const nodeMs = [];
  for (let i = 0; i < runs; i++) {
    nodeMs.push(await timeToFile(['-e', `require('fs').writeFileSync(${JSON.stringify(file)}, 'x')`], file));
    agentMs.push(await timeToFile([CLI.agent, relay.wsUrl, '--authorized-keys', key.publicKey, '--info-file', file, '--quiet', '--log-level', 'error'], file));
  }
  const row = { runs, agentMedianMs: median(agentMs), nodeMedianMs: median(nodeMs) };
  row.ratio = row.agentMedianMs / row.nodeMedianMs;
  log(`  agent start to registered: median ${row.agentMedianMs.toFixed(0)} ms over ${runs}; bare node start ${row.nodeMedianMs.toFixed(0)} ms (x${row.ratio.toFixed(1)})`);
  return row;
}

/**
 * A real SSH client on the relay's /client/<id> websocket that opens an exec channel, grants the agent
 * a 1 GiB window (so only the transport can hold the agent back), then stops reading its TCP socket.
 */
export function stalledClient(info, privateKey, command) {
  const WebSocket = require('ws');
  const { Client } = require('ssh2');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(info.clientUrl, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error('stalled client did not start')), 20_000);
    ws.on('error', reject);
    ws.on('open', () => {
      const stream = WebSocket.createWebSocketStream(ws);
      stream.on('error', () => undefined);
      const client = new Client();
      client.on('error', () => undefined);
      client.on('ready', () => {
        client.exec(command, (error, channel) => {
          if (error) return reject(error);
          client._protocol.channelWindowAdjust(channel.outgoing.id, 1024 * MiB);
          // Read the first bytes, then stop reading the socket for good.
          channel.once('data', () => {
            ws._socket.pause();
            clearTimeout(timer);
            resolve({ close: () => { ws.terminate(); client.end(); } });
          });
        });
      });
      client.connect({ sock: stream, username: info.user, privateKey: readFileSync(privateKey), readyTimeout: 20_000 });
    });
  });
}

export async function benchStalled({ relay, agent, relayTarget, key, quick, log }) {
  const bytes = (quick ? 128 : 512) * MiB;
  const pushed = 256 * MiB;
  const busy = () => sh(`${sshLine(relayTarget, `head -c ${bytes} /dev/zero`)} | wc -c`, 300_000);
  const alone = await busy();
  await sleep(500);
  const rssBefore = rssKiB(relay.pid);
  const stalled = await stalledClient(agent.info, key.privateKey, `head -c ${pushed} /dev/zero`);
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(relay.pid))), 100);
  try {
    await sleep(1000);
    const beside = await busy();
    await sleep(1000);
    const ok = beside.code === 0 && Number(beside.stdout.trim()) === bytes;
    const row = {
      bytes,
      stalledAsked: pushed,
      aloneMbps: bytes / MiB / alone.seconds,
      besideMbps: ok ? bytes / MiB / beside.seconds : NaN,
      relayRssBeforeMiB: rssBefore / 1024,
      relayRssPeakMiB: peak / 1024,
      relayRssGrowthMiB: (peak - rssBefore) / 1024,
    };
    row.ratio = row.besideMbps / row.aloneMbps;
    log(`  busy alone ${row.aloneMbps.toFixed(1)} MB/s, beside a stalled client ${row.besideMbps.toFixed(1)} MB/s (x${row.ratio.toFixed(2)}); relay RSS growth ${row.relayRssGrowthMiB.toFixed(1)} MiB`);
    return row;
  } finally {
    clearInterval(sampler);
    stalled.close();
  }
}

function countPackages(dir) {
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) return 0;
  let count = 0;
  for (const name of readdirSync(modules)) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) count += readdirSync(join(modules, name)).length;
    else count++;
  }
  return count;
}

async function installSeconds(spec, what) {
  const dir = tempDir('converge-bench-install-');
  await sh(`cd ${dir} && npm init -y >/dev/null`);
  const run = await sh(`cd ${dir} && npm install --prefer-offline --no-audit --no-fund --loglevel=error ${spec}`, 180_000);
  if (run.code !== 0) throw new Error(`npm install ${what}: ${run.stderr.trim().split('\n').pop()}`);
  return { seconds: run.seconds, packages: countPackages(dir) };
}

export async function benchFootprint({ log }) {
  const dest = tempDir('converge-bench-pack-');
  const rows = [];
  // Warm the cache for the baseline once, then time it.
  await installSeconds('ws@8', 'ws').catch(() => undefined);
  const baseline = await installSeconds('ws@8', 'ws').catch((error) => ({ error: error.message }));
  for (const name of ['agent', 'wsproxy']) {
    const json = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: join(ROOT, 'packages', name), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const [packed] = JSON.parse(json);
    const tarball = join(dest, packed.filename);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8'));
    const deps = Object.keys(manifest.dependencies ?? {}).length;
    const optional = Object.keys(manifest.optionalDependencies ?? {}).length;
    await installSeconds(tarball, name).catch(() => undefined);
    const install = await installSeconds(tarball, name).catch((error) => ({ error: error.message }));
    const row = {
      package: packed.name,
      tarballKiB: packed.size / 1024,
      unpackedKiB: packed.unpackedSize / 1024,
      files: packed.entryCount,
      dependencies: deps,
      optionalDependencies: optional,
      installedPackages: install.packages,
      installSeconds: install.seconds,
      installError: install.error,
      installRatioVsWs: install.seconds && baseline.seconds ? install.seconds / baseline.seconds : undefined,
    };
    log(`  ${row.package}: ${row.tarballKiB.toFixed(0)} KiB packed, ${row.files} files, ${deps} deps + ${optional} optional, install ${install.error ?? `${install.seconds.toFixed(1)} s (${install.packages} package${install.packages === 1 ? "" : "s"})`}`);
    rows.push(row);
  }
  return { baseline: { what: 'npm install ws@8', ...baseline }, rows };
}

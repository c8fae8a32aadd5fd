// `npm run bench [-- --quick] [-- --only bulk,latency,...]`: every figure measured in one run, beside
// a baseline measured in the same run, printed as a table and written to bench-results/latest.json.
// Everything runs on 127.0.0.1; every section is bounded in time; every process is killed at the end.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchBulk } from './bulk.mjs';
import { benchActiveSessions, benchIdleAgents } from './capacity.mjs';
import { benchLatency } from './latency.mjs';
import { agentTargets, cleanupAll, makeKey, ROOT, sftpServerPath, sshTarget, startAgent, startRelay, startSshd, startWebsockify, tempDir, wsproxyCommand } from './lib.mjs';
import { benchFleet } from './fleet.mjs';
import { benchAgentStart, benchFootprint, benchStalled } from './misc.mjs';
import { formatReport } from './report.mjs';

const SECTIONS = ['bulk', 'latency', 'capacity', 'sessions', 'start', 'stalled', 'footprint', 'fleet'];
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyArg = argv[argv.indexOf('--only') + 1];
const only = argv.includes('--only') && onlyArg ? onlyArg.split(',') : SECTIONS;
const log = (line) => process.stdout.write(`${line}\n`);

function machine() {
  const sshVersion = (() => {
    try {
      return execFileSync('ssh', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || undefined;
    } catch (error) {
      return String(error.stderr ?? '').trim();
    }
  })();
  return {
    date: new Date().toISOString(),
    nproc: cpus().length,
    cpu: cpus()[0]?.model,
    ramGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    openssh: sshVersion || execFileSync('sh', ['-c', 'ssh -V 2>&1'], { encoding: 'utf8' }).trim(),
    loadavg: execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim(),
    quick,
  };
}

async function main() {
  const results = { machine: machine(), sections: {} };
  log(`converge bench (${quick ? 'quick' : 'full'}) on ${results.machine.nproc} cores, ${results.machine.ramGiB} GiB, node ${results.machine.node}`);
  const dir = tempDir();
  const key = makeKey(dir, 'bench');
  const relay = await startRelay();
  const sftp = sftpServerPath() ? 'system' : 'builtin';
  const agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey, '--listen', '127.0.0.1:0', '--sftp', sftp]);
  const { relay: relayTarget, direct } = agentTargets(agent, key, dir);
  const targets = [];
  const notes = [];
  const sshd = await startSshd(key, dir);
  if (sshd.skipped) notes.push(sshd.skipped);
  else {
    targets.push({ ...sshTarget('OpenSSH sshd direct TCP', { key, knownHosts: sshd.knownHosts, dest: `${sshd.user}@127.0.0.1`, port: sshd.port }), cpu: { server: sshd.proc.pid } });
    const wsf = await startWebsockify(sshd.port);
    if (wsf.skipped) notes.push(wsf.skipped);
    else {
      const knownHosts = join(dir, 'wsf_known_hosts');
      writeFileSync(knownHosts, `sshd-behind-websockify ${execFileSync('sh', ['-c', `cut -d' ' -f2- ${sshd.knownHosts}`], { encoding: 'utf8' })}`);
      targets.push({ ...sshTarget('OpenSSH sshd via websockify+wsproxy', { key, knownHosts, dest: `${sshd.user}@sshd-behind-websockify`, proxyCommand: wsproxyCommand(`ws://127.0.0.1:${wsf.port}/client/sshd`) }), cpu: { server: sshd.proc.pid, forwarder: wsf.proc.pid } });
    }
  }
  // CPU is read from /proc around each transfer: `server` is the SSH server side (sshd's listener with
  // its reaped session processes, or the agent with the shell and commands it ran), `forwarder` the hop.
  direct.cpu = { server: agent.pid };
  relayTarget.cpu = { server: agent.pid, forwarder: relay.pid };
  targets.push(direct, relayTarget);
  results.machine.agentSftp = sftp;
  results.notes = notes;
  for (const note of notes) log(`note: ${note}`);
  const remoteDir = join(dir, 'remote');
  mkdirSync(remoteDir);
  const ctx = { quick, log, dir, key, relay, agent, targets, relayTarget, remoteDir: () => remoteDir };
  const run = async (name, title, fn) => {
    if (!only.includes(name)) return;
    log(`\n== ${title}`);
    const t0 = Date.now();
    try {
      results.sections[name] = await fn();
    } catch (error) {
      results.sections[name] = { error: error.message };
      log(`  failed: ${error.message}`);
    }
    log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  };
  await run('bulk', 'bulk throughput', () => benchBulk(ctx));
  await run('latency', 'interactive latency', () => benchLatency(ctx));
  await run('capacity', 'relay capacity: idle agents', () => benchIdleAgents(ctx));
  await run('sessions', 'relay capacity: active sessions', () => benchActiveSessions(ctx));
  await run('start', 'agent start', () => benchAgentStart(ctx));
  await run('stalled', 'stalled client beside a busy one', () => benchStalled(ctx));
  await run('footprint', 'install footprint', () => benchFootprint(ctx));
  await run('fleet', 'fleet: two relays and Redis', () => benchFleet(ctx));
  const table = formatReport(results);
  log(`\n${table}`);
  const out = join(ROOT, 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(out, 'latest.md'), `${table}\n`);
  log(`wrote bench-results/latest.json and latest.md`);
}

const hardLimit = setTimeout(() => {
  log('bench: hard time limit reached');
  void cleanupAll().then(() => process.exit(1));
}, (quick ? 15 : 60) * 60_000);
hardLimit.unref();

main()
  .then(() => cleanupAll())
  .then(() => process.exit(0))
  .catch(async (error) => {
    log(`bench failed: ${error.stack ?? error.message}`);
    await cleanupAll();
    process.exit(1);
  });

// Bulk throughput: sftp put/get and exec cat each way, over every path, in one run. Each figure is
// MB/s and a ratio against OpenSSH sshd on loopback measured in this same run (or against the agent
// reached directly when sshd is missing).
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forwarderFloor } from './forwarder-floor.mjs';
import { relayAlone } from './relay-alone.mjs';
import { cpuSeconds, median, MiB, quote, rotated, ROUNDS, sh, sleep, sshLine } from './lib.mjs';

const SECTION_LIMIT_MS = 30 * 60_000;
const OPS = ['sftp put', 'sftp get', 'cat up', 'cat down'];

function sftpArgs(target) {
  // sftp spells the port -P; everything else is ssh's.
  return target.args.map((a, i, all) => (a === '-p' && i + 1 < all.length ? '-P' : a));
}

async function sftpTransfer(target, batch, dir, timeoutMs) {
  const file = join(dir, `batch-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, `${batch}\n`);
  return sh(`sftp -q -b ${quote(file)} ${sftpArgs(target).map(quote).join(' ')} ${quote(target.dest)}`, timeoutMs);
}

const GiB = 1024 * MiB;

/** CPU seconds of each role of a target (`server`, `forwarder`), read from /proc. */
function cpuOf(target) {
  return Object.fromEntries(Object.entries(target.cpu ?? {}).map(([role, pid]) => [role, cpuSeconds(pid)]));
}

/** Measures one operation; returns MB/s and CPU seconds per GiB for each role, or an error string. */
async function measure(target, what, bytes, run, check) {
  const before = cpuOf(target);
  const result = await run();
  if (result.code !== 0) return { error: `${what}: exit ${result.code} ${result.stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
  if (check && !check(result)) return { error: `${what}: wrong byte count (${result.stdout.trim()})` };
  // sshd's listener reaps the session's processes a moment after the client has gone.
  await sleep(300);
  const after = cpuOf(target);
  const cpuPerGiB = Object.fromEntries(Object.keys(before).map((role) => [role, ((after[role] - before[role]) * GiB) / bytes]));
  return { mbps: bytes / MiB / result.seconds, seconds: result.seconds, cpuPerGiB };
}

/** A path's rounds of one operation: the median throughput with its spread, and the median CPU of each role. */
function medianSample(samples) {
  const good = samples.filter((sample) => sample.mbps);
  if (good.length === 0) return samples[0];
  const mbps = good.map((sample) => sample.mbps);
  const roles = Object.keys(good[0].cpuPerGiB);
  return {
    mbps: median(mbps),
    minMbps: Math.min(...mbps),
    maxMbps: Math.max(...mbps),
    rounds: good.length,
    cpuPerGiB: Object.fromEntries(roles.map((role) => [role, median(good.map((sample) => sample.cpuPerGiB[role]))])),
  };
}

/** The median of each figure over the rounds of the floor or of the relay alone. */
function medianOf(results) {
  const good = results.filter((r) => !r.error);
  if (good.length === 0) return results[0];
  const mid = (list) => ({ mbps: median(list.map((r) => r.mbps)), cpuPerGiB: median(list.map((r) => r.cpuPerGiB)) });
  return good[0].up ? { up: mid(good.map((r) => r.up)), down: mid(good.map((r) => r.down)) } : mid(good);
}

export async function benchBulk({ targets, dir, remoteDir, quick, log }) {
  const sftpBytes = (quick ? 64 : 512) * MiB;
  const catBytes = (quick ? 128 : 1024) * MiB;
  // Each figure is the median of its rounds (lib.mjs's ROUNDS says why).
  const rounds = quick ? 1 : ROUNDS;
  const local = join(dir, 'bulk.bin');
  await sh(`head -c ${sftpBytes} /dev/urandom > ${quote(local)}`);
  const deadline = Date.now() + SECTION_LIMIT_MS;
  const perOpMs = quick ? 60_000 : 180_000;
  const samples = new Map(targets.map((target) => [target, Object.fromEntries(OPS.map((op) => [op, []]))]));
  const floors = [];
  const alones = [];
  for (let round = 0; round < rounds; round++) {
    log(`  round ${round + 1} of ${rounds}`);
    const floor = await forwarderFloor(catBytes).catch((error) => ({ error: error.message }));
    floors.push(floor);
    log(`  bare Node TCP forwarder (pipe)     ${floor.error ?? `${floor.mbps.toFixed(1)} MB/s  forwarder ${floor.cpuPerGiB.toFixed(2)} s/GiB`}`);
    const alone = await relayAlone(catBytes).catch((error) => ({ error: error.message }));
    alones.push(alone);
    for (const direction of ['up', 'down']) {
      log(`  relay alone, 64 KiB messages ${direction.padEnd(5)} ${alone.error ?? `${alone[direction].mbps.toFixed(1)} MB/s  relay ${alone[direction].cpuPerGiB.toFixed(2)} s/GiB`}`);
    }
    for (const target of rotated(targets, round)) {
      const remote = join(remoteDir(target), `bulk-${Math.random().toString(36).slice(2)}.bin`);
      const back = join(dir, 'bulk-back.bin');
      const ops = {
        'sftp put': [sftpBytes, () => sftpTransfer(target, `put ${local} ${remote}`, dir, perOpMs), () => statSync(remote).size === sftpBytes],
        'sftp get': [sftpBytes, () => sftpTransfer(target, `get ${remote} ${back}`, dir, perOpMs), () => statSync(back).size === sftpBytes],
        'cat up': [catBytes, () => sh(`head -c ${catBytes} /dev/zero | ${sshLine(target, 'cat | wc -c')}`, perOpMs), (r) => Number(r.stdout.trim()) === catBytes],
        'cat down': [catBytes, () => sh(`${sshLine(target, `head -c ${catBytes} /dev/zero | cat`)} | wc -c`, perOpMs), (r) => Number(r.stdout.trim()) === catBytes],
      };
      for (const [what, [bytes, run, check]] of Object.entries(ops)) {
        const sample = Date.now() > deadline ? { error: 'section time limit reached' } : await measure(target, what, bytes, run, check).catch((error) => ({ error: error.message }));
        samples.get(target)[what].push(sample);
        const cpu = Object.entries(sample.cpuPerGiB ?? {}).map(([role, s]) => `${role} ${s.toFixed(2)} s/GiB`).join(', ');
        log(`  ${target.name.padEnd(34)} ${what.padEnd(9)} ${sample.mbps ? `${sample.mbps.toFixed(1)} MB/s  ${cpu}` : sample.error}`);
      }
      await sh(`rm -f ${quote(remote)} ${quote(back)}`);
    }
  }
  const rows = targets.map((target) => ({ path: target.name, ...Object.fromEntries(OPS.map((op) => [op, medianSample(samples.get(target)[op])])) }));
  const floor = medianOf(floors);
  const alone = medianOf(alones);
  const baseline = rows.find((r) => r.path.startsWith('OpenSSH sshd')) ?? rows.find((r) => r.path.includes('direct'));
  for (const row of rows) {
    for (const op of OPS) {
      const base = baseline?.[op]?.mbps;
      if (row[op]?.mbps && base) row[op].ratio = row[op].mbps / base;
      const baseCpu = baseline?.[op]?.cpuPerGiB?.server;
      if (row[op]?.cpuPerGiB?.server && baseCpu) row[op].serverCpuRatio = row[op].cpuPerGiB.server / baseCpu;
    }
  }
  return { sftpBytes, catBytes, rounds, baseline: baseline?.path, rows, forwarderFloor: floor, relayAlone: alone };
}

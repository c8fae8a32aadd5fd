// Bulk throughput: sftp put/get and exec cat each way, over every path, in one run. Each figure is
// MB/s and a ratio against OpenSSH sshd on loopback measured in this same run (or against the agent
// reached directly when sshd is missing).
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MiB, quote, sh, sshLine } from './lib.mjs';

const SECTION_LIMIT_MS = 20 * 60_000;

function sftpArgs(target) {
  // sftp spells the port -P; everything else is ssh's.
  return target.args.map((a, i, all) => (a === '-p' && i + 1 < all.length ? '-P' : a));
}

async function sftpTransfer(target, batch, dir, timeoutMs) {
  const file = join(dir, `batch-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, `${batch}\n`);
  return sh(`sftp -q -b ${quote(file)} ${sftpArgs(target).map(quote).join(' ')} ${quote(target.dest)}`, timeoutMs);
}

/** Measures one operation; returns MB/s or an error string. */
async function measure(what, bytes, run, check) {
  const result = await run();
  if (result.code !== 0) return { error: `${what}: exit ${result.code} ${result.stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
  if (check && !check(result)) return { error: `${what}: wrong byte count (${result.stdout.trim()})` };
  return { mbps: bytes / MiB / result.seconds, seconds: result.seconds };
}

export async function benchBulk({ targets, dir, remoteDir, quick, log }) {
  const sftpBytes = (quick ? 64 : 512) * MiB;
  const catBytes = (quick ? 128 : 1024) * MiB;
  const local = join(dir, 'bulk.bin');
  await sh(`head -c ${sftpBytes} /dev/urandom > ${quote(local)}`);
  const deadline = Date.now() + SECTION_LIMIT_MS;
  const perOpMs = quick ? 60_000 : 180_000;
  const rows = [];
  for (const target of targets) {
    const row = { path: target.name };
    const remote = join(remoteDir(target), `bulk-${Math.random().toString(36).slice(2)}.bin`);
    const back = join(dir, 'bulk-back.bin');
    const ops = [
      ['sftp put', sftpBytes, () => sftpTransfer(target, `put ${local} ${remote}`, dir, perOpMs), () => statSync(remote).size === sftpBytes],
      ['sftp get', sftpBytes, () => sftpTransfer(target, `get ${remote} ${back}`, dir, perOpMs), () => statSync(back).size === sftpBytes],
      ['cat up', catBytes, () => sh(`head -c ${catBytes} /dev/zero | ${sshLine(target, 'cat | wc -c')}`, perOpMs), (r) => Number(r.stdout.trim()) === catBytes],
      ['cat down', catBytes, () => sh(`${sshLine(target, `head -c ${catBytes} /dev/zero | cat`)} | wc -c`, perOpMs), (r) => Number(r.stdout.trim()) === catBytes],
    ];
    for (const [what, bytes, run, check] of ops) {
      if (Date.now() > deadline) {
        row[what] = { error: 'section time limit reached' };
        continue;
      }
      row[what] = await measure(what, bytes, run, check).catch((error) => ({ error: error.message }));
      log(`  ${target.name.padEnd(34)} ${what.padEnd(9)} ${row[what].mbps ? `${row[what].mbps.toFixed(1)} MB/s` : row[what].error}`);
    }
    await sh(`rm -f ${quote(remote)} ${quote(back)}`);
    rows.push(row);
  }
  const baseline = rows.find((r) => r.path.startsWith('OpenSSH sshd')) ?? rows.find((r) => r.path.includes('direct'));
  for (const row of rows) {
    for (const op of ['sftp put', 'sftp get', 'cat up', 'cat down']) {
      const base = baseline?.[op]?.mbps;
      if (row[op]?.mbps && base) row[op].ratio = row[op].mbps / base;
    }
  }
  return { sftpBytes, catBytes, baseline: baseline?.path, rows };
}

// Interactive latency: `ssh -tt` under a real pty, `stty raw -echo; cat` on the far side, one byte
// sent and waited for at a time. p50/p99 per path, as a ratio against the baseline path.
import { createRequire } from 'node:module';
import { percentile } from './lib.mjs';
import { relayAloneEcho } from './relay-alone.mjs';

const require = createRequire(import.meta.url);

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
    samples.sort((a, b) => a - b);
    return { p50: percentile(samples, 50), p99: percentile(samples, 99), n: samples.length };
  } finally {
    term.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  }
}

export async function benchLatency({ targets, quick, log }) {
  const keystrokes = quick ? 200 : 1000;
  const rows = [];
  for (const target of targets) {
    const row = { path: target.name, ...(await measurePath(target, keystrokes).catch((error) => ({ error: error.message }))) };
    log(`  ${target.name.padEnd(34)} ${row.error ?? `p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms`}`);
    rows.push(row);
  }
  const alone = await relayAloneEcho(keystrokes).then(
    (samples) => ({ path: 'relay alone (ws echo, no SSH)', p50: percentile(samples, 50), p99: percentile(samples, 99), n: samples.length }),
    (error) => ({ path: 'relay alone (ws echo, no SSH)', error: error.message }),
  );
  log(`  ${alone.path.padEnd(34)} ${alone.error ?? `p50 ${alone.p50.toFixed(2)} ms  p99 ${alone.p99.toFixed(2)} ms`}`);
  rows.push(alone);
  const baseline = rows.find((r) => r.path.startsWith('OpenSSH sshd') && !r.error) ?? rows.find((r) => r.path.includes('direct'));
  for (const row of rows) {
    if (row.error || !baseline || baseline.error) continue;
    row.p50Ratio = row.p50 / baseline.p50;
    row.p99Ratio = row.p99 / baseline.p99;
  }
  return { keystrokes, baseline: baseline?.path, rows };
}

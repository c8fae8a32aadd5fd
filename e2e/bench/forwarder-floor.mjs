// The reference forwarder: 1 GiB through a bare Node TCP pipe (`a.pipe(b); b.pipe(a)`, no websocket,
// no framing), measured as CPU seconds of the forwarding process. The relay's CPU per GiB is reported
// against it, measured in the same run, because on loopback most of a forwarder's cost is the kernel's
// (a loopback write also runs the receiving side's TCP stack). It is not the floor of every forwarder:
// the relay reads into recycled arenas and goes below it, and a C loop with larger reads or splice goes
// lower still (docs/BENCHMARKS.md, "The relay's CPU goal").
import { fork, spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from './lib.mjs';

const GiB = 1024 ** 3;

if (process.argv[2] === '--forwarder') {
  const target = Number(process.argv[3]);
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target, '127.0.0.1');
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
}

/** Runs `bytes` through a bare forwarder; resolves with its CPU seconds per GiB and MB/s. */
export async function forwarderFloor(bytes = GiB) {
  let received = 0;
  const sink = net.createServer((socket) => socket.on('data', (d) => {
    received += d.length;
    if (received >= bytes) socket.end();
  }));
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  const forwarder = fork(fileURLToPath(import.meta.url), ['--forwarder', String(sink.address().port)], { stdio: 'ignore' });
  try {
    const port = await new Promise((resolve, reject) => {
      forwarder.once('message', resolve);
      forwarder.once('exit', () => reject(new Error('forwarder exited')));
    });
    const before = cpuSeconds(forwarder.pid);
    const started = process.hrtime.bigint();
    // The source is `head` through a shell redirect into a socket opened by this process's child, so the
    // bench process itself stays out of the path.
    const source = spawn(process.execPath, ['-e', `
      const s = require('node:net').connect(${port}, '127.0.0.1', () => require('node:fs').createReadStream('/dev/zero', { end: ${bytes - 1}, highWaterMark: 1 << 20 }).pipe(s));
      s.on('end', () => process.exit(0)); s.resume();`], { stdio: 'ignore' });
    const timer = setTimeout(() => source.kill('SIGKILL'), 120_000);
    await new Promise((r) => source.once('exit', r));
    clearTimeout(timer);
    // The source may exit while the forwarder still flushes its last bytes to the sink.
    for (let waited = 0; received < bytes && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (received < bytes) throw new Error(`forwarder floor: only ${received} of ${bytes} bytes arrived`);
    return { cpuPerGiB: ((cpuSeconds(forwarder.pid) - before) * GiB) / bytes, mbps: bytes / 2 ** 20 / seconds };
  } finally {
    forwarder.kill('SIGKILL');
    sink.close();
  }
}

// The relay's own cost, without SSH beside it: a fake agent (control protocol over `ws`) answers the
// relay's open with a data socket, a `ws` client on /client/<id> is paired with it, and 1 GiB of 64 KiB
// binary messages goes through each way. Relay CPU seconds per GiB, read from /proc, is the figure; both
// ends run in this process, so the relay has a core of its own, as the bare forwarder has.
import { createRequire } from 'node:module';
import { zeroMask } from '@converge/protocol';
import { fakeAgent } from './capacity.mjs';
import { cpuSeconds, startRelay, stop } from './lib.mjs';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');
const GiB = 1024 ** 3;
const MESSAGE = Buffer.alloc(64 * 1024);
const OPTIONS = { perMessageDeflate: false, generateMask: zeroMask, maxPayload: 4 * 1024 * 1024 };

/** Sends `bytes` on `from` with at most 4 MiB waiting in it; resolves when `to` has received them all. */
function transfer(from, to, bytes) {
  return new Promise((resolve, reject) => {
    let received = 0;
    const onMessage = (data) => {
      received += data.length;
      if (received >= bytes) {
        to.off('message', onMessage);
        resolve();
      }
    };
    to.on('message', onMessage);
    let sent = 0;
    const pump = () => {
      while (sent < bytes && from.bufferedAmount < 4 * 1024 * 1024) {
        sent += MESSAGE.length;
        from.send(MESSAGE, (error) => (error ? reject(error) : undefined));
      }
      if (sent < bytes) setTimeout(pump, 1);
    };
    pump();
  });
}

const opened = (ws) => new Promise((resolve, reject) => (ws.once('open', () => resolve(ws)), ws.once('error', reject)));

/**
 * Starts a relay, a fake agent that answers the relay's open with a data socket, and a client paired with
 * it; runs `use({ relay, client, data })` and tears everything down.
 */
async function withPairedSockets(use) {
  const relay = await startRelay();
  const sockets = [];
  try {
    const agent = await fakeAgent(relay.wsUrl);
    if (!agent) throw new Error('the fake agent was not welcomed');
    sockets.push(agent);
    const dataSocket = new Promise((resolve) => agent.on('message', (text) => {
      const message = JSON.parse(String(text));
      if (message.type === 'open') resolve(opened(new WebSocket(`${relay.wsUrl}/data/${message.connectionId}`, OPTIONS)));
    }));
    const client = await opened(new WebSocket(`${relay.wsUrl}/client/${agent.welcome.id}`, OPTIONS));
    sockets.push(client);
    const data = await dataSocket;
    sockets.push(data);
    return await use({ relay, client, data });
  } finally {
    for (const ws of sockets) ws.terminate();
    await stop(relay);
  }
}

/** Relay CPU per GiB and MB/s for client -> agent (up) and agent -> client (down). */
export function relayAlone(bytes = GiB) {
  return withPairedSockets(async ({ relay, client, data }) => {
    const result = {};
    for (const [direction, from, to] of [['up', client, data], ['down', data, client]]) {
      const before = cpuSeconds(relay.pid);
      const started = process.hrtime.bigint();
      await transfer(from, to, bytes);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      result[direction] = { cpuPerGiB: ((cpuSeconds(relay.pid) - before) * GiB) / bytes, mbps: bytes / 2 ** 20 / seconds };
    }
    return result;
  });
}

/**
 * One-byte messages echoed by the fake agent, one at a time, 2 ms apart: the round trip a keystroke pays
 * for the relay hop (and the two `ws` ends in this process), without SSH, wsproxy or a pty.
 */
export function relayAloneEcho(count = 1000) {
  return withPairedSockets(async ({ client, data }) => {
    data.on('message', (message) => data.send(message));
    const samples = [];
    const byte = Buffer.from('x');
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      await new Promise((resolve) => {
        client.once('message', resolve);
        client.send(byte);
      });
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return samples.sort((a, b) => a - b);
  });
}

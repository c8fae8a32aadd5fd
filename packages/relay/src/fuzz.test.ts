// Property-based fuzzing of everything a peer can send the relay: request targets and headers on every
// route (HTTP and upgrades), and websocket frames on the agent, client and data sockets. Bounded runs;
// the property is that the relay answers or closes, and still serves a real agent and client afterwards.
import { once } from 'node:events';
import { connect } from 'node:net';
import fc from 'fast-check';
import WebSocket from 'ws';
import { startRelay, type Relay } from './server';
import { handshake } from '@converge/testkit';

/** Sends raw bytes, resolves with what came back once the relay closed (or after `ms`). */
function exchange(port: number, bytes: Buffer, ms = 1500): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (d) => (reply += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(reply);
    });
    socket.end(bytes);
  });
}

function frame(payload: Buffer, opcode: number, fin = true): Buffer {
  const head = payload.length < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | payload.length]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, Buffer.from([0, 0, 0, 0]), payload]);
}

const ROUTES = ['/', '/sessions', '/api/sessions', '/api/sessions/events', '/api/commands', '/metrics', '/healthz', '/agent', '/client/abc-def', '/data/abcdefghjkmnpqrstvwxyz0123'];
const target = fc.oneof(
  fc.constantFrom(...ROUTES),
  fc.constantFrom('http://[', 'http://x:99999/', '//', '/%', '/%zz', '/client/%00', '*', '/client/abc-def?%', 'http://user@[::1]/agent'),
  fc.string({ maxLength: 60 }).map((s) => `/${s}`),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const headerValue = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('websocket', 'Upgrade', '13', 'dGhlIHNhbXBsZSBub25jZQ==', '1.2.3.4, [', '', '\x00'));
const headerName = fc.constantFrom('Host', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'X-Forwarded-For', 'X-Forwarded-Host', 'Authorization', 'Content-Length', 'Transfer-Encoding');

jest.setTimeout(90_000);

describe('relay fuzz', () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0, trustProxy: 1, openTimeoutMs: 300, handshakeTimeoutMs: 500 });
  });
  afterAll(() => relay.close());

  const stillServes = async (): Promise<void> => {
    const ws = new WebSocket(`${relay.url.replace('http', 'ws')}/agent`);
    const reply = await handshake(ws);
    expect(reply.type).toBe('welcome');
    ws.terminate();
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
  };

  it('any request target, method and headers on any route get an answer, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'G\x00T'),
        target,
        fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
        fc.boolean(),
        async (method, path, headers, upgrade) => {
          const lines = [`${method} ${path} HTTP/1.1`, 'Host: relay'];
          if (upgrade) lines.push('Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==');
          for (const [name, value] of headers) lines.push(`${name}: ${value}`);
          await exchange(relay.port, Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), 300);
        },
      ),
      { numRuns: 150 },
    );
    await stillServes();
  });

  it('any frames on the agent, client and data sockets are refused or closed, never a crash', async () => {
    const agent = new WebSocket(`${relay.url.replace('http', 'ws')}/agent`);
    const welcome = await handshake(agent);
    const id = welcome.type === 'welcome' ? welcome.id : '';
    agent.on('message', () => undefined);
    const upgradeTo = (path: string) =>
      Buffer.from(`GET ${path} HTTP/1.1\r\nHost: r\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/agent', `/client/${id}`, '/data/abcdefghjkmnpqrstvwxyz0123'),
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa, 0x3, 0xf), fc.boolean()), { maxLength: 5 }),
        fc.uint8Array({ maxLength: 64 }),
        async (path, frames, trailing) => {
          const bytes = Buffer.concat([upgradeTo(path), ...frames.map(([p, op, fin]) => frame(Buffer.from(p), op, fin)), Buffer.from(trailing)]);
          await exchange(relay.port, bytes, 400);
        },
      ),
      { numRuns: 80 },
    );
    agent.terminate();
    await once(agent, 'close');
    await stillServes();
  });
});

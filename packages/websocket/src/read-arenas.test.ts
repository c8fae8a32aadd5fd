// Recycled reads on real loopback sockets: what a held piece keeps, which arena a busy and a quiet socket
// read into, the fallback where Node cannot, and two FrameSockets piped with recycled reads under
// backpressure (the relay's case), checked byte for byte.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { pipeEndpoints } from '@converge/protocol';
import { loopbackPair, waitFor } from '@converge/testkit';
import WebSocket from 'ws';
import { frameSocketEndpoint } from './endpoint';
import type { FrameSocket } from './frame-socket';
import { BIG_ARENA_BYTES, freeArenas, holdArena, installReads, SMALL_ARENA_BYTES } from './read-arenas';
import { acceptFrameSocket } from './server-handshake';

const servers: Server[] = [];
const sockets: Socket[] = [];
const clients: WebSocket[] = [];

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const client of clients) client.terminate();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A connected pair on loopback, cut at the end: `accepted` is the server's end. */
async function tcpPair(): Promise<{ client: Socket; accepted: Socket }> {
  const pair = await loopbackPair();
  sockets.push(pair.client, pair.accepted);
  return pair;
}

describe('installReads', () => {
  it('keeps a held piece intact while later reads arrive, and recycles its arena once released', async () => {
    const { client, accepted } = await tcpPair();
    const pieces: { copy: Buffer; view: Buffer; release?: () => void }[] = [];
    expect(installReads(accepted, (chunk) => pieces.push({ copy: Buffer.from(chunk), view: chunk, release: holdArena(chunk) }))).toBe(true);
    const first = randomBytes(3000);
    client.write(first);
    await waitFor('the first read', () => pieces.length > 0);
    for (let round = 0; round < 20; round++) {
      client.write(randomBytes(50_000));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const total = 3000 + 20 * 50_000;
    await waitFor('every byte', () => pieces.reduce((sum, piece) => sum + piece.view.length, 0) === total);
    // Every piece still says what was read: nothing held was written over.
    for (const piece of pieces) expect(piece.view.equals(piece.copy)).toBe(true);
    expect(Buffer.concat(pieces.map((piece) => piece.view)).subarray(0, 3000).equals(first)).toBe(true);
    const before = freeArenas();
    for (const piece of pieces) piece.release?.();
    const after = freeArenas();
    expect(after.big + after.small).toBeGreaterThan(before.big + before.small);
  });

  it('reads a burst into big arenas and a quiet socket into a small one', async () => {
    const { client, accepted } = await tcpPair();
    const arenaSizes: number[] = [];
    installReads(accepted, (chunk) => arenaSizes.push(chunk.buffer.byteLength));
    client.write('x');
    await waitFor('the first byte', () => arenaSizes.length === 1);
    expect(arenaSizes[0]).toBe(SMALL_ARENA_BYTES);
    client.write(Buffer.alloc(2 * BIG_ARENA_BYTES));
    await waitFor('the burst', () => arenaSizes.length > 2);
    expect(arenaSizes).toContain(BIG_ARENA_BYTES);
    // A burst may take more reads; two keystrokes later the socket is back on a small arena.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const key of ['a', 'b']) {
      const seen = arenaSizes.length;
      client.write(key);
      await waitFor('the keystroke', () => arenaSizes.length > seen);
    }
    expect(arenaSizes.at(-1)).toBe(SMALL_ARENA_BYTES);
  });

  it('leaves a TLS socket with Node\'s own reads', async () => {
    // A self-signed pair made for this test would need openssl; the fallback is decided before any byte.
    const server = createTlsServer({});
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = tlsConnect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false });
    client.on('error', () => undefined);
    sockets.push(client);
    expect(installReads(client, () => undefined)).toBe(false);
  });
});

describe('FrameSockets piped with recycled reads', () => {
  it('carry 24 MiB each way intact while the receivers read slowly', async () => {
    const accepted: FrameSocket[] = [];
    const server = createServer();
    servers.push(server);
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      sockets.push(socket as Socket);
      const frames = acceptFrameSocket(request, socket, head, 1 << 20, { recycledReads: true });
      if (frames) accepted.push(frames);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const a = new WebSocket(url, { perMessageDeflate: false });
    const b = new WebSocket(url, { perMessageDeflate: false });
    clients.push(a, b);
    await Promise.all([once(a, 'open'), once(b, 'open')]);
    await waitFor('both upgrades', () => accepted.length === 2);
    expect(accepted.every((frames) => frames.recycledReads)).toBe(true);
    const pipe = pipeEndpoints(frameSocketEndpoint(accepted[0]!), frameSocketEndpoint(accepted[1]!));

    const bytes = 24 << 20;
    /** Sends `bytes` random bytes in messages of random sizes; returns their hash. */
    const sendAll = (ws: WebSocket): string => {
      const data = randomBytes(bytes);
      let sent = 0;
      const pump = (): void => {
        while (sent < bytes && ws.bufferedAmount < 2 << 20) {
          const size = Math.min(bytes - sent, 1 + Math.floor(Math.random() * 200_000));
          ws.send(data.subarray(sent, sent + size));
          sent += size;
        }
        if (sent < bytes) setTimeout(pump, 1);
      };
      pump();
      return createHash('sha256').update(data).digest('hex');
    };
    // A receiver that stops for a moment now and then, so that the relay side holds pieces while it reads on.
    const receiveAll = (ws: WebSocket): Promise<string> =>
      new Promise((resolve) => {
        const hash = createHash('sha256');
        let received = 0;
        const raw = (ws as unknown as { _socket: Socket })._socket;
        ws.on('message', (data: Buffer) => {
          hash.update(data);
          received += data.length;
          if (received === bytes) resolve(hash.digest('hex'));
          else if (Math.random() < 0.05) {
            raw.pause();
            setTimeout(() => raw.resume(), 5);
          }
        });
      });
    const received = Promise.all([receiveAll(b), receiveAll(a)]);
    const sent = [sendAll(a), sendAll(b)];
    expect(await received).toEqual(sent);
    pipe.close();
    a.terminate();
    b.terminate();
  }, 60_000);
});

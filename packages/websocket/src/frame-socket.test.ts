// FrameSocket against the real `ws` client (random masks, as a browser would send) on a port-0 server;
// and frameSocketEndpoint in the one pipe: how each kind of close reaches the other end.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect as tcpConnect } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { PipeClosedError, pipeEndpoints, streamEndpoint } from '@converge/protocol';
import { waitFor } from '@converge/testkit';
import WebSocket from 'ws';
import { frameSocketEndpoint } from './endpoint';
import type { FrameSocket } from './frame-socket';
import { acceptFrameSocket } from './server-handshake';

let server: Server;
let url: string;
let accepted: FrameSocket[] = [];
/** Every socket accepted, cut at the end: a paused one never sees its peer leave. */
const all: FrameSocket[] = [];

beforeAll(async () => {
  server = createServer();
  server.on('upgrade', (request, socket, head) => {
    const frames = acceptFrameSocket(request, socket, head, 64 * 1024);
    if (!frames) return;
    accepted.push(frames);
    all.push(frames);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  for (const frames of all) frames.terminate();
  return new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  accepted = [];
});

async function connect(): Promise<{ client: WebSocket; frames: FrameSocket; received: Buffer[] }> {
  const client = new WebSocket(url, { perMessageDeflate: false });
  const received: Buffer[] = [];
  client.on('message', (data) => received.push(data as Buffer));
  client.on('error', () => undefined);
  await once(client, 'open');
  await waitFor('the upgrade to land', () => accepted.length > 0);
  return { client, frames: accepted.shift()!, received };
}

const closeOf = (client: WebSocket) => once(client, 'close').then(([code, reason]) => ({ code: code as number, reason: String(reason) }));

describe('FrameSocket', () => {
  it('hands on masked binary frames as unmasked bytes, in order', async () => {
    const { client, frames } = await connect();
    const got: Buffer[] = [];
    frames.on('data', (payload) => got.push(Buffer.from(payload)));
    const sent = [Buffer.from('SSH-2.0-x\r\n'), Buffer.alloc(40_000, 7), Buffer.alloc(0), Buffer.from('end')];
    for (const message of sent) client.send(message);
    const total = Buffer.concat(sent);
    await waitFor('all bytes', () => Buffer.concat(got).length === total.length);
    expect(Buffer.concat(got).equals(total)).toBe(true);
    client.terminate();
  });

  it('lets a few bytes leave at once, and holds bulk until the end of the turn of the event loop', async () => {
    const { client, frames, received } = await connect();
    const nextTick = () => new Promise((resolve) => process.nextTick(resolve));
    // A keystroke does not wait: what a later tick sends is another frame.
    frames.send(Buffer.from('k'), () => undefined);
    await nextTick();
    frames.send(Buffer.from('l'), () => undefined);
    await waitFor('two messages', () => received.length === 2);
    expect(received.map(String)).toEqual(['k', 'l']);
    // Bulk waits for the turn's later callbacks (in the relay, the next reads of one wakeup).
    const bulk = Buffer.alloc(20_000, 7);
    frames.send(bulk, () => undefined);
    await nextTick();
    frames.send(Buffer.from('tail'), () => undefined);
    await waitFor('a third message', () => received.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toHaveLength(3);
    expect(Buffer.from(received[2]!).equals(Buffer.concat([bulk, Buffer.from('tail')]))).toBe(true);
    client.terminate();
  });

  it('sends what it is given in one tick as one frame, and calls every callback', async () => {
    const { client, frames, received } = await connect();
    const done: (Error | undefined)[] = [];
    frames.send(Buffer.from('ab'), (error) => done.push(error));
    frames.send(Buffer.from('cd'), (error) => done.push(error));
    await waitFor('one message', () => received.length === 1);
    expect(String(received[0])).toBe('abcd');
    await waitFor('both callbacks', () => done.length === 2);
    expect(done).toEqual([undefined, undefined]);
    frames.send(Buffer.from('ef'), () => undefined);
    await waitFor('a second message', () => received.length === 2);
    client.terminate();
  });

  it('answers pings and reports pongs (the heartbeat)', async () => {
    const { client, frames } = await connect();
    const pong = once(client, 'pong');
    client.ping(Buffer.from('hi'));
    expect(String((await pong)[0])).toBe('hi');
    const ours = once(frames, 'pong');
    frames.ping();
    await ours;
    client.terminate();
  });

  it('echoes a close from the peer and reports its code and reason', async () => {
    const { client, frames } = await connect();
    const closed = once(frames, 'close');
    const clientClosed = closeOf(client);
    client.close(4000, 'bye');
    expect(await closed).toEqual([4000, 'bye', undefined]);
    expect(await clientClosed).toEqual({ code: 4000, reason: 'bye' });
  });

  it('closes with a code and reason of its own, and refuses sends after it', async () => {
    const { client, frames } = await connect();
    const clientClosed = closeOf(client);
    frames.close(4404, 'unknown id');
    expect(await clientClosed).toEqual({ code: 4404, reason: 'unknown id' });
    const error = await new Promise<Error | undefined>((resolve) => frames.send(Buffer.from('x'), resolve));
    expect(error?.message).toBe('websocket is not open');
  });

  it('closes a peer that breaks the protocol with the code that says how', async () => {
    const text = await connect();
    const closed = once(text.frames, 'close');
    const textClosed = closeOf(text.client);
    text.client.send('not binary');
    expect((await textClosed).code).toBe(1003);
    const [code, , violation] = await closed;
    expect(code).toBe(1006);
    expect(violation).toMatchObject({ closeCode: 1003, message: 'binary frames only' });

    const big = await connect();
    const bigClosed = closeOf(big.client);
    big.client.send(Buffer.alloc(64 * 1024 + 1));
    expect((await bigClosed).code).toBe(1009);
  });

  it('reads nothing while paused and hands on what waited once resumed', async () => {
    const { client, frames } = await connect();
    const got: Buffer[] = [];
    frames.on('data', (payload) => got.push(Buffer.from(payload)));
    frames.pause();
    expect(frames.isPaused).toBe(true);
    client.send(Buffer.from('waiting'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(got).toEqual([]);
    frames.resume();
    await waitFor('the bytes', () => got.length > 0);
    expect(String(Buffer.concat(got))).toBe('waiting');
    client.terminate();
  });

  it('cuts a peer that pings faster than it reads the pongs (60 pending, as ws does)', async () => {
    const { port } = server.address() as AddressInfo;
    const raw = tcpConnect(port, '127.0.0.1');
    raw.on('error', () => undefined);
    raw.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    await waitFor('the upgrade to land', () => accepted.length > 0);
    const frames = accepted.shift()!;
    const closed = once(frames, 'close');
    raw.pause(); // never reads: pongs pile up
    const ping = Buffer.from([0x89, 0x80 | 125, 0, 0, 0, 0, ...Buffer.alloc(125)]);
    for (let i = 0; i < 40 && !raw.destroyed; i++) {
      raw.write(Buffer.concat(Array.from({ length: 500 }, () => ping)));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [code, , violation] = await closed;
    expect(code).toBe(1006);
    expect(violation).toMatchObject({ closeCode: 1008 });
    raw.destroy();
  });

  it('reports 1006 when the peer goes away without a close frame', async () => {
    const { client, frames } = await connect();
    const closed = once(frames, 'close');
    client.terminate();
    expect((await closed)[0]).toBe(1006);
  });
});

describe('frameSocketEndpoint', () => {
  it('pipes a stream pair to a websocket, and a normal end of the stream closes the socket with 1000', async () => {
    const { client, frames, received } = await connect();
    const input = new PassThrough();
    const output = new PassThrough();
    const pipe = pipeEndpoints(streamEndpoint(input, output), frameSocketEndpoint(frames));
    input.write('to ws');
    client.send(Buffer.from('to stream'));
    await waitFor('both ways', () => received.length > 0 && output.readableLength > 0);
    expect(Buffer.concat(received).toString()).toBe('to ws');
    expect(output.read()?.toString()).toBe('to stream');
    const closed = closeOf(client);
    input.end();
    expect((await closed).code).toBe(1000);
    await expect(pipe.closed).resolves.toMatchObject({ endedBy: 'a' });
  });

  it('a text frame closes its socket with 1003 and the other side with the same code', async () => {
    const text = await connect();
    const other = await connect();
    const pipe = pipeEndpoints(frameSocketEndpoint(text.frames), frameSocketEndpoint(other.frames));
    const otherClosed = closeOf(other.client);
    text.client.send('not binary');
    expect((await otherClosed).code).toBe(1003);
    const result = await pipe.closed;
    expect(result.error).toBeInstanceOf(PipeClosedError);
  });

  it('passes an application close code on, and a close without a close frame as 1011', async () => {
    const [a, b, c, d] = [await connect(), await connect(), await connect(), await connect()];
    pipeEndpoints(frameSocketEndpoint(a.frames), frameSocketEndpoint(b.frames));
    const bClosed = closeOf(b.client);
    a.client.close(4504, 'agent timeout');
    expect(await bClosed).toEqual({ code: 4504, reason: 'agent timeout' });
    pipeEndpoints(frameSocketEndpoint(c.frames), frameSocketEndpoint(d.frames));
    const dClosed = closeOf(d.client);
    c.client.terminate();
    expect((await dClosed).code).toBe(1011);
  });

  it('a writable that stops draining pauses the websocket', async () => {
    const { client, frames } = await connect();
    const input = new PassThrough();
    const stalled = new Writable({ highWaterMark: 16, write: () => undefined });
    pipeEndpoints(frameSocketEndpoint(frames), streamEndpoint(input, stalled), { highWaterMark: 1000, lowWaterMark: 100 });
    for (let i = 0; i < 20; i++) client.send(Buffer.alloc(100));
    await waitFor('the socket to pause', () => frames.isPaused);
    client.terminate();
  });
});

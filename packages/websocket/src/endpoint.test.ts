// frameSocketEndpoint in the one pipe, on real frame sockets (the server end of a port-0 server, a `ws`
// client on the other side): how each kind of close reaches the other end of the pipe.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { PipeClosedError, pipeEndpoints, streamEndpoint } from '@converge/protocol';
import { waitFor } from '@converge/testkit';
import WebSocket from 'ws';
import { frameSocketEndpoint } from './endpoint';
import type { FrameSocket } from './frame-socket';
import { acceptFrameSocket } from './server-handshake';

let server: Server;
let url: string;
const accepted: FrameSocket[] = [];
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

/** A `ws` client and the server end of its socket. */
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

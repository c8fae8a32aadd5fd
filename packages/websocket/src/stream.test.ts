// frameSocketStream over a real socket pair: a `ws` server at the other end.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@converge/testkit';
import WebSocket, { WebSocketServer } from 'ws';
import { connectFrameSocket } from './client-handshake';
import { frameSocketStream } from './stream';

let wss: WebSocketServer;
let url: string;
beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise((resolve) => wss.close(resolve)));

async function open() {
  const peer = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const frames = await connectFrameSocket(url, { maxFrameBytes: 1024 * 1024, timeoutMs: 5000 });
  return { frames, stream: frameSocketStream(frames), peer: await peer };
}

describe('frameSocketStream', () => {
  it('carries bytes both ways, and writes of one tick leave as one message', async () => {
    const { stream, peer } = await open();
    const messages: Buffer[] = [];
    peer.on('message', (data) => messages.push(data as Buffer));
    stream.write(Buffer.from([0, 0, 0, 9]));
    stream.write(Buffer.alloc(1000, 1));
    stream.write(Buffer.alloc(32, 2));
    await waitFor('the message', () => messages.length > 0);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.length).toBe(1036);

    const got: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => got.push(chunk));
    peer.send(Buffer.from('from the relay'));
    await waitFor('the bytes', () => got.length > 0);
    expect(String(Buffer.concat(got))).toBe('from the relay');
    const closed = once(peer, 'close');
    stream.end();
    expect((await closed)[0]).toBe(1000);
  });

  it('stops reading the socket while its reader does not read', async () => {
    const { frames, stream, peer } = await open();
    for (let i = 0; i < 40; i++) peer.send(Buffer.alloc(64 * 1024));
    await waitFor('the socket to be paused', () => frames.isPaused);
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await waitFor('everything', () => bytes === 40 * 64 * 1024);
    stream.destroy();
  });

  it('ends and closes once the peer closes, after its reader took what was received', async () => {
    const { stream, peer } = await open();
    peer.send(Buffer.from('last words'));
    peer.close(1000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Nobody read yet: the stream holds the bytes and stays open.
    expect(stream.destroyed).toBe(false);
    const got: Buffer[] = [];
    const closed = once(stream, 'close');
    stream.on('data', (chunk: Buffer) => got.push(chunk));
    await closed;
    expect(String(Buffer.concat(got))).toBe('last words');
  });

  it('sends 1011 when destroyed with an error', async () => {
    const { stream, peer } = await open();
    stream.on('error', () => undefined);
    const closed = once(peer, 'close');
    stream.destroy(new Error('ssh2 gave up'));
    expect(await closed).toEqual([1011, Buffer.from('ssh2 gave up')]);
  });
});

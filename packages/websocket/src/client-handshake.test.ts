// The client end against the real `ws` server, and against raw sockets for what ws would never send.
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor } from '@converge/testkit';
import WebSocket, { WebSocketServer } from 'ws';
import { connectFrameSocket, DIAL_ABORTED_MESSAGE, HANDSHAKE_TIMEOUT_MESSAGE, UpgradeRefusedError } from './client-handshake';
import { acceptKeyFor } from './server-handshake';

const OPTIONS = { maxFrameBytes: 1024 * 1024, timeoutMs: 5000 };

/** A plain HTTP server whose upgrade handler the test writes. */
async function rawServer(onUpgrade: (socket: Socket, key: string) => void, onRequest?: RequestListener): Promise<{ server: Server; url: string }> {
  const server = onRequest ? createServer(onRequest) : createServer();
  server.on('upgrade', (request, socket: Socket) => {
    // A client's close ends its side; answer it as a server does, by ending ours.
    socket.on('end', () => socket.end());
    onUpgrade(socket, String(request.headers['sec-websocket-key']));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/data/x` };
}

const switching = (key: string, extra = '') =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKeyFor(key)}\r\n${extra}\r\n`;

describe('connectFrameSocket against ws', () => {
  let wss: WebSocketServer;
  let url: string;
  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/data/x`;
  });
  afterAll(() => new Promise((resolve) => wss.close(resolve)));

  it('opens paused, keeps what the server sent with the 101, and moves bytes both ways', async () => {
    const serverSide = new Promise<WebSocket>((resolve) =>
      wss.once('connection', (ws) => {
        ws.send(Buffer.from('SSH-2.0-banner\r\n'));
        resolve(ws);
      }),
    );
    const frames = await connectFrameSocket(url, OPTIONS);
    const ws = await serverSide;
    expect(frames.isPaused).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const got: Buffer[] = [];
    frames.on('data', (payload) => got.push(Buffer.from(payload)));
    frames.resume();
    await waitFor('the banner', () => Buffer.concat(got).length === 16);
    expect(String(Buffer.concat(got))).toBe('SSH-2.0-banner\r\n');

    const received: Buffer[] = [];
    ws.on('message', (data) => received.push(data as Buffer));
    const big = Buffer.alloc(70_000, 3);
    frames.send(Buffer.from('ab'), () => undefined);
    frames.send(big, () => undefined);
    // One tick's sends in one writev: a frame of 64 KiB (the smallest limit a relay may have), then the rest.
    await waitFor('two messages', () => received.length === 2);
    expect(received.map((m) => m.length)).toEqual([65_536, 70_002 - 65_536]);
    expect(Buffer.concat(received).equals(Buffer.concat([Buffer.from('ab'), big]))).toBe(true);

    const pong = once(ws, 'pong');
    ws.ping();
    await pong;
    const closed = once(ws, 'close');
    frames.close(1000);
    expect((await closed)[0]).toBe(1000);
  });

  it('hands over a refusal with its status and its body', async () => {
    const { server, url: refusing } = await rawServer(
      () => undefined,
      (_request, response) => response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"UNKNOWN_ID"}'),
    );
    // Node's HTTP server answers an upgrade nobody handles with a response, as a relay refusing does.
    server.removeAllListeners('upgrade');
    const error = await connectFrameSocket(refusing, OPTIONS).catch((e: Error) => e);
    expect(error).toBeInstanceOf(UpgradeRefusedError);
    const refused = error as UpgradeRefusedError;
    expect(refused.status).toBe(404);
    let body = '';
    for await (const chunk of refused.response) body += String(chunk);
    expect(body).toBe('{"error":"UNKNOWN_ID"}');
    server.close();
  });

  it('refuses a 101 whose accept key is wrong, or that agrees to an extension', async () => {
    const wrong = await rawServer((socket) => socket.write(switching('not-the-key')));
    await expect(connectFrameSocket(wrong.url, OPTIONS)).rejects.toThrow('invalid Sec-WebSocket-Accept header');
    wrong.server.close();
    const extension = await rawServer((socket, key) => socket.write(switching(key, 'Sec-WebSocket-Extensions: permessage-deflate\r\n')));
    await expect(connectFrameSocket(extension.url, OPTIONS)).rejects.toThrow(/extension/);
    extension.server.close();
  });

  it('gives up on a server that never answers, and reports a refused connection', async () => {
    const silent = await rawServer(() => undefined);
    const started = Date.now();
    await expect(connectFrameSocket(silent.url, { ...OPTIONS, timeoutMs: 300 })).rejects.toThrow(HANDSHAKE_TIMEOUT_MESSAGE);
    expect(Date.now() - started).toBeLessThan(3000);
    const { port } = silent.server.address() as AddressInfo;
    await new Promise((resolve) => silent.server.close(resolve));
    await expect(connectFrameSocket(`ws://127.0.0.1:${port}/`, OPTIONS)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('gives up a dial when its signal aborts, and cuts the connection to the server', async () => {
    let serverSocket!: Socket;
    const silent = await rawServer((socket) => (serverSocket = socket));
    const dial = new AbortController();
    const pending = connectFrameSocket(silent.url, { ...OPTIONS, timeoutMs: 30_000, signal: dial.signal });
    await waitFor('the upgrade request', () => serverSocket !== undefined);
    const serverSaw = once(serverSocket, 'end');
    const started = Date.now();
    dial.abort();
    await expect(pending).rejects.toThrow(DIAL_ABORTED_MESSAGE);
    await serverSaw;
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(connectFrameSocket(silent.url, { ...OPTIONS, signal: dial.signal })).rejects.toThrow(DIAL_ABORTED_MESSAGE);
    silent.server.close();
  });

  it('masks what it sends with the zero key, and closes on a masked frame from the server', async () => {
    let serverSocket!: Socket;
    const raw: Buffer[] = [];
    const { server, url: rawUrl } = await rawServer((socket, key) => {
      serverSocket = socket;
      socket.on('data', (chunk: Buffer) => raw.push(chunk));
      socket.write(switching(key));
    });
    const frames = await connectFrameSocket(rawUrl, OPTIONS);
    frames.resume();
    frames.send(Buffer.from('hey'), () => undefined);
    await waitFor('the frame', () => Buffer.concat(raw).length >= 9);
    expect([...Buffer.concat(raw).subarray(0, 9)]).toEqual([0x82, 0x80 | 3, 0, 0, 0, 0, ...Buffer.from('hey')]);
    const closed = once(frames, 'close');
    serverSocket.write(Buffer.from([0x82, 0x80 | 1, 1, 2, 3, 4, 5]));
    const [, , violation] = await closed;
    expect(violation).toMatchObject({ closeCode: 1002, message: 'masked frame from a server' });
    // The server was told why: a close frame with 1002 after the data frame.
    expect([...Buffer.concat(raw).subarray(9, 13)]).toEqual([0x88, 0x80 | 28, 0, 0]);
    server.close();
  });
});

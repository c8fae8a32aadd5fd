// wsproxy against real sockets on 127.0.0.1: raw TCP servers that answer exactly what a relay (or a
// wrong server) would, so every exit code and the first-frame race are tested byte for byte.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { MAX_DATA_FRAME_BYTES } from '@converge/protocol';
import { loopbackPair } from '@converge/testkit';
import { acceptFrameSocket } from '@converge/websocket';
import { ProxyError, ProxyExitCode } from './errors';
import { runProxy } from './proxy';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function acceptKey(request: string): string {
  const key = /sec-websocket-key: (\S+)/i.exec(request)![1]!;
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** An unmasked binary websocket frame (server to client). */
function frame(payload: Buffer, opcode = 0x2): Buffer {
  return Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
}

async function rawServer(onRequest: (socket: Socket, request: string) => void): Promise<{ server: Server; url: (path: string) => string }> {
  const server = createServer((socket) => {
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n\r\n')) {
        socket.removeAllListeners('data');
        onRequest(socket, data);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, url: (path) => `ws://127.0.0.1:${port}${path}` };
}

function streams() {
  const input = new PassThrough();
  const output = new PassThrough();
  const received: Buffer[] = [];
  output.on('data', (chunk: Buffer) => received.push(chunk));
  return { input, output, received: () => Buffer.concat(received) };
}

async function exitCodeOf(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProxyError);
    return { code: (error as ProxyError).exitCode, message: (error as Error).message };
  }
  return { code: 0, message: '' };
}

describe('runProxy', () => {
  const servers: Server[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));

  it('keeps a frame that arrives in the same TCP read as the 101 (the agent banner)', async () => {
    const { server, url } = await rawServer((socket, request) => {
      const response = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(request)}\r\n\r\n`;
      socket.write(Buffer.concat([Buffer.from(response, 'latin1'), frame(Buffer.from('SSH-2.0-Converge\r\n'))]));
      socket.end(frame(Buffer.from([0x03, 0xe8]), 0x8));
    });
    servers.push(server);
    const io = streams();
    const result = await runProxy({ url: url('/client/abc'), input: io.input, output: io.output, connectTimeoutMs: 5000 });
    expect(io.received().toString()).toBe('SSH-2.0-Converge\r\n');
    expect(result.bytesReceived).toBe(18);
  });

  it.each([
    [404, '{"error":{"code":"UNKNOWN_ID","message":"no agent is connected with id abc"}}', ProxyExitCode.unknownId, 'no agent is connected with id abc (is the agent still running?)'],
    [401, '{"error":{"code":"UNAUTHORIZED","message":"a token is needed"}}', ProxyExitCode.refused, 'the relay refused: a token is needed (UNAUTHORIZED)'],
    [504, '{"error":{"code":"AGENT_TIMEOUT","message":"the agent did not answer"}}', ProxyExitCode.refused, 'the relay refused: the agent did not answer (AGENT_TIMEOUT)'],
    [200, '<html>hello</html>', ProxyExitCode.refused, /answered HTTP 200, not a websocket \(is this a Converge relay\?\)/],
  ])('an HTTP %d answer exits with its code and one line', async (status, body, exitCode, message) => {
    const { server, url } = await rawServer((socket) => socket.end(`HTTP/1.1 ${status} X\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`));
    servers.push(server);
    const io = streams();
    const failure = await exitCodeOf(runProxy({ url: url('/client/abc'), input: io.input, output: io.output, connectTimeoutMs: 5000 }));
    expect(failure.code).toBe(exitCode);
    if (typeof message === 'string') expect(failure.message).toBe(message);
    else expect(failure.message).toMatch(message);
  });

  it('exits 3 when nothing listens, and when the relay never answers', async () => {
    const { server, url } = await rawServer(() => undefined);
    const port = Number(new URL(url('/')).port);
    const io = streams();
    const silent = await exitCodeOf(runProxy({ url: url('/client/abc'), input: io.input, output: io.output, connectTimeoutMs: 300 }));
    expect(silent.code).toBe(ProxyExitCode.unreachable);
    await new Promise((resolve) => server.close(resolve));
    const refused = await exitCodeOf(runProxy({ url: `ws://127.0.0.1:${port}/client/abc`, input: io.input, output: io.output, connectTimeoutMs: 5000 }));
    expect(refused).toEqual({ code: ProxyExitCode.unreachable, message: `cannot reach the relay at ws://127.0.0.1:${port}/client/abc: connection refused` });
  });

  it('exits 2 on a URL that is not a client URL', async () => {
    const io = streams();
    expect((await exitCodeOf(runProxy({ url: 'ws://relay/agent', input: io.input, output: io.output, connectTimeoutMs: 100 }))).code).toBe(ProxyExitCode.usage);
  });

  it('exits 7 when the connection drops in the middle of the session', async () => {
    const { server, url } = await rawServer((socket, request) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(request)}\r\n\r\n`);
      socket.write(frame(Buffer.from('partial')));
      setTimeout(() => socket.destroy(), 50);
    });
    servers.push(server);
    const io = streams();
    const lost = await exitCodeOf(runProxy({ url: url('/client/abc'), input: io.input, output: io.output, connectTimeoutMs: 5000 }));
    expect(lost.code).toBe(ProxyExitCode.lost);
    expect(lost.message).toMatch(/^connection lost: /);
    expect(io.received().toString()).toBe('partial');
  });

  it('exits 4 when the relay certificate is not trusted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsproxy-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const io = streams();
    const failure = await exitCodeOf(runProxy({ url: `wss://127.0.0.1:${port}/client/abc`, input: io.input, output: io.output, connectTimeoutMs: 5000 }));
    server.close();
    rmSync(dir, { recursive: true, force: true });
    expect(failure.code).toBe(ProxyExitCode.tls);
    expect(failure.message).toMatch(/^TLS failed for wss:\/\/127\.0\.0\.1:\d+\/client\/abc: self.signed certificate/);
  });

  it('moves 16 MiB each way intact through sockets that read into recycled arenas, with a slow reader', async () => {
    // The relay: an echo that reads into arenas too. The local side: a TCP pair, as ssh's pipes would be.
    const relay = createHttpServer();
    const upgraded: Socket[] = [];
    relay.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      upgraded.push(socket);
      const frames = acceptFrameSocket(request, socket, head, MAX_DATA_FRAME_BYTES, { recycledReads: true });
      frames?.on('data', (payload) => frames.send(payload, () => undefined));
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const { client: far, accepted: near } = await loopbackPair();
    const proxied = runProxy({ url: `ws://127.0.0.1:${(relay.address() as AddressInfo).port}/client/abc`, input: near, output: near, connectTimeoutMs: 5000 });

    const data = randomBytes(16 << 20);
    const back = createHash('sha256');
    let received = 0;
    const done = new Promise<void>((resolve) => {
      far.on('data', (chunk: Buffer) => {
        back.update(chunk);
        received += chunk.length;
        if (received === data.length) resolve();
        else if (Math.random() < 0.05) {
          far.pause();
          setTimeout(() => far.resume(), 5);
        }
      });
    });
    for (let at = 0; at < data.length; at += 100_000) far.write(data.subarray(at, at + 100_000));
    await done;
    expect(back.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    far.destroy();
    await proxied.catch(() => undefined);
    for (const socket of upgraded) socket.destroy();
    relay.close();
  }, 60_000);
});

// e2e helpers for forwarding tests: a local HTTP server with a known body, free ports, and waiting for
// a port to accept connections. Everything on 127.0.0.1.
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestHttpServer {
  readonly port: number;
  /** GET /big returns this many bytes of a fixed pattern. */
  readonly bigBytes: number;
  readonly bigSha256: string;
  close(): Promise<void>;
}

export async function startHttpServer(name: string, bigBytes = 16 * 1024 * 1024): Promise<TestHttpServer> {
  const big = Buffer.alloc(bigBytes);
  for (let i = 0; i < bigBytes; i++) big[i] = (i * 7 + (i >> 11)) & 0xff;
  const server: Server = createHttpServer((req, res) => {
    if (req.url === '/big') {
      res.setHeader('content-length', big.length);
      return void res.end(big);
    }
    res.end(`hello from ${name} ${req.url}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    bigBytes,
    bigSha256: createHash('sha256').update(big).digest('hex'),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export { accepts, freePort, waitForPort } from '@converge/testkit';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A TCP server that answers only after the client half-closed: it reads to EOF, then writes
 * "got N bytes: <data>" and ends. Run in the test process; `port` is on 127.0.0.1.
 */
export async function startReplyAfterEofServer(socketPath?: string): Promise<{ port: number; close(): Promise<void> }> {
  const { createServer } = await import('node:net');
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (got += d));
    socket.on('end', () => socket.end(`got ${got.length} bytes: ${got}`));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => (socketPath ? server.listen(socketPath, resolve) : server.listen(0, '127.0.0.1', resolve)));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A client script for `node -e`: connects to a 127.0.0.1 port (or a Unix socket, given a path starting
 * with /), sends `text`, half-closes, prints what comes back.
 */
export function halfCloseClientScript(target: number | string, text: string): string {
  const where = typeof target === 'string' && target.startsWith('/') ? `path: ${JSON.stringify(target)}` : `port: ${target}, host: '127.0.0.1'`;
  return `const s = require('node:net').connect({ ${where}, allowHalfOpen: true }, () => s.end(${JSON.stringify(text)}));
s.setEncoding('utf8'); let r = ''; s.on('data', (d) => (r += d)); s.on('end', () => { process.stdout.write(r); s.destroy(); });
s.on('error', (e) => { process.stderr.write(e.message); process.exit(1); }); setTimeout(() => process.exit(2), 15000).unref();`;
}

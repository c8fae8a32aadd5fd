// What the fault, load, bad-input and security tests look at from outside the processes: /proc (fds,
// children, RSS), the relay's /metrics and /api/sessions, a capturing TCP proxy, and a stalled SSH client.
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Client } from 'ssh2';
import WebSocket, { createWebSocketStream } from 'ws';
import type { AgentInfo } from './harness';
import { waitFor } from '@converge/testkit';

export const MiB = 1024 * 1024;

export { childPids, fdCount, rssKiB } from '@converge/testkit';

/** GET without keep-alive, so the probe itself leaves no socket open in the relay (fd counts stay true). */
export function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, headers: { connection: 'close' } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

export async function metric(relayUrl: string, name: string): Promise<number> {
  const text = (await httpGet(`${relayUrl}/metrics`)).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

export interface SessionsJson {
  agents: { id: string; clients: unknown[] }[];
}

/** The relay's sessions data, with the admin token it printed at start. */
export async function sessions(relay: { url: string; adminToken: string }): Promise<SessionsJson> {
  return JSON.parse((await httpGet(`${relay.url}/api/sessions?token=${relay.adminToken}`)).body) as SessionsJson;
}

export interface CaptureProxy {
  port: number;
  /** Every byte seen in either direction, concatenated per connection and direction. */
  captured(): Buffer;
  close(): Promise<void>;
}

/** A TCP proxy in front of the relay that records everything passing through it. */
export async function captureProxy(targetPort: number): Promise<CaptureProxy> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => sockets.delete(s));
    }
    inbound.on('data', (d: Buffer) => chunks.push(Buffer.from(d)));
    outbound.on('data', (d: Buffer) => chunks.push(Buffer.from(d)));
    inbound.pipe(outbound).on('error', () => undefined);
    outbound.pipe(inbound).on('error', () => undefined);
    inbound.once('close', () => outbound.destroy());
    outbound.once('close', () => inbound.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    captured: () => Buffer.concat(chunks),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * A real SSH client on the relay's /client/<id> websocket that runs `command`, grants the agent a 1 GiB
 * window so only the transport can hold it back, reads the first bytes, then never reads its socket again.
 */
export function stalledClient(info: AgentInfo, privateKey: string, command: string): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(info.clientUrl, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error('stalled client did not start')), 20_000);
    ws.on('error', reject);
    ws.on('open', () => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => undefined);
      const client = new Client();
      client.on('error', () => undefined);
      client.on('ready', () => {
        client.exec(command, (error, channel) => {
          if (error) return reject(error);
          const internals = client as unknown as { _protocol: { channelWindowAdjust(id: number, n: number): void } };
          const remoteId = (channel as unknown as { outgoing: { id: number } }).outgoing.id;
          internals._protocol.channelWindowAdjust(remoteId, 1024 * MiB);
          channel.once('data', () => {
            (ws as unknown as { _socket: Socket })._socket.pause();
            clearTimeout(timer);
            resolve({ close: () => { ws.terminate(); client.end(); } });
          });
        });
      });
      client.connect({ sock: stream, username: info.user, privateKey: readFileSync(privateKey), readyTimeout: 20_000 });
    });
  });
}

/** Waits for an async probe to hold (testkit's waitFor with a boolean probe); `detail` goes into the timeout error. */
export async function waitUntil(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 15_000, detail?: () => string): Promise<void> {
  await waitFor(what, probe, { timeoutMs, intervalMs: 50, ...(detail && { detail }) });
}

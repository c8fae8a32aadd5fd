// The broker with its real upgrade completion and stand-ins for the agent's session and the registry:
// the orders of events that the real relay only meets in a race, provoked one by one.
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { decodeHttpError, RelayErrorCode } from '@converge/protocol';
import { sendRawUpgrade, silentLog, waitFor } from '@converge/testkit';
import type { AgentSession } from './agent-session';
import { ConnectionBroker } from './broker';
import { acceptFrameSocket } from '@converge/websocket';
import type { Heartbeat } from './heartbeat';
import { RefusalLog } from './limits';
import type { Registry } from './registry';
import { ConnectionOutcome, RelayStats } from './stats';

function upgradeRequest(): IncomingMessage {
  const headers = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' };
  return { method: 'GET', headers, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
}

/** What was written to a socket, as text. */
function written(socket: PassThrough): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
  });
}

function brokerWithAgent(): { broker: ConnectionBroker; opened: string[]; stats: RelayStats } {
  const opened: string[] = [];
  const agent = { slots: () => [], requestOpen: (connectionId: string) => opened.push(connectionId), settled: () => undefined } as unknown as AgentSession;
  const log = silentLog();
  const stats = new RelayStats();
  const broker = new ConnectionBroker({
    registry: { local: () => agent } as unknown as Registry,
    accept: (request, socket, head) => acceptFrameSocket(request, socket, head, 1 << 20),
    heartbeat: { track: () => undefined } as unknown as Heartbeat,
    log,
    refusals: new RefusalLog(log),
    stats,
    openTimeoutMs: 10_000,
    maxClientsPerAgent: 0,
    stallTimeoutMs: 60_000,
  });
  return { broker, opened, stats };
}

test('a client whose agent data socket is gone by the time it is paired is refused with AGENT_GONE', async () => {
  const { broker, opened } = brokerWithAgent();
  const client = new PassThrough();
  const reply = written(client);
  await broker.handleClient(upgradeRequest(), client, Buffer.alloc(0), 'k3v9-x7qd', '127.0.0.1');
  expect(opened).toHaveLength(1);
  // The agent's data socket arrives already closed (it went away while a fleet relay looked up the client).
  const data = new PassThrough();
  data.destroy();
  expect(broker.pairWith(opened[0]!, upgradeRequest(), data, Buffer.alloc(0))).toBe(true);
  const text = await reply;
  expect(text).toMatch(/^HTTP\/1\.1 502 /);
  expect(decodeHttpError(text.slice(text.indexOf('\r\n\r\n') + 4))?.code).toBe(RelayErrorCode.AGENT_GONE);
  expect(broker.isWaiting(opened[0]!)).toBe(false);
});

test('a waiting client that hangs up is let go at once, not at the open timeout (its end is enough)', async () => {
  const { broker, opened, stats } = brokerWithAgent();
  const server = createServer();
  server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => void broker.handleClient(request, socket, head, 'k3v9-x7qd', '127.0.0.1'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = await sendRawUpgrade(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/client/k3v9-x7qd`);
  await waitFor('the agent to be asked', () => opened.length === 1);
  expect(broker.isWaiting(opened[0]!)).toBe(true);
  const cut = once(client, 'close');
  client.end();
  await waitFor('the client to be let go', () => !broker.isWaiting(opened[0]!), { timeoutMs: 3000 });
  expect(stats.connections.get(ConnectionOutcome.clientLeft)).toBe(1);
  await cut;
  server.close();
});

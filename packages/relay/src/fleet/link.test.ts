// The fleet link with real sockets: this relay holds an agent's data socket while it dials the relay
// where the client waits, here one that never answers.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { generateConnectionId } from '@converge/protocol';
import { sendRawUpgrade, silentLog, waitFor } from '@converge/testkit';
import { acceptFrameSocket } from '@converge/websocket';
import type { Heartbeat } from '../heartbeat';
import { type LinkDeps, linkDataSocket } from './link';

test('an agent that hangs up while its link is dialed cuts the dial at once, not at the handshake timeout', async () => {
  // The relay where the client waits: takes the link's upgrade and never answers it.
  let dialed: Socket | undefined;
  const other = createServer();
  other.on('upgrade', (_request, socket: Socket) => (dialed = socket));
  other.listen(0, '127.0.0.1');
  await once(other, 'listening');
  const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;

  const connectionId = generateConnectionId(randomBytes);
  const deps: LinkDeps = {
    accept: (request, socket, head) => acceptFrameSocket(request, socket, head, 1 << 20),
    heartbeat: { track: () => undefined } as unknown as Heartbeat,
    log: silentLog(),
    maxPayload: 1 << 20,
    timeoutMs: 30_000,
  };
  const here = createServer();
  here.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => linkDataSocket(deps, otherUrl, connectionId, request, socket, head));
  here.listen(0, '127.0.0.1');
  await once(here, 'listening');

  const agent = await sendRawUpgrade(`ws://127.0.0.1:${(here.address() as AddressInfo).port}/data/${connectionId}`);
  const link = await waitFor('the link to be dialed', () => dialed);
  const linkGone = once(link, 'end');
  const agentCut = once(agent, 'close');
  agent.end();
  await linkGone;
  await agentCut;
  other.close();
  here.close();
}, 10_000);

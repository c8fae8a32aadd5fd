// A data socket that landed on this relay for a client waiting on another one: dial that relay's fleet
// endpoint, and once it answers complete the agent's upgrade and pipe the two (one extra hop, the same
// backpressure as every pipe). Until the other relay answers, the agent's upgrade is held: nothing is
// buffered here.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { fleetDataUrl, pipeEndpoints, RelayErrorCode, webSocketEndpoint, zeroMask } from '@converge/protocol';
import WebSocket from 'ws';
import { type AcceptDataSocket, frameSocketEndpoint } from '../data-path';
import type { Heartbeat } from '../heartbeat';
import type { Logger } from '../log';
import { refuseUpgrade } from '../upgrade';

export interface LinkDeps {
  readonly accept: AcceptDataSocket;
  readonly heartbeat: Heartbeat;
  readonly log: Logger;
  readonly maxPayload: number;
  readonly timeoutMs: number;
}

/** `relay`: the other relay's advertised http(s) URL. */
export function linkDataSocket(deps: LinkDeps, relay: string, connectionId: string, request: IncomingMessage, socket: Duplex, head: Buffer): void {
  const target = fleetDataUrl(relay.replace(/^http/, 'ws'), connectionId);
  const link = new WebSocket(target, { perMessageDeflate: false, maxPayload: deps.maxPayload, handshakeTimeout: deps.timeoutMs, generateMask: zeroMask });
  const fail = (why: string): void => {
    deps.log.info('fleet link failed', { relay, reason: why });
    link.terminate();
    refuseUpgrade(socket, RelayErrorCode.AGENT_GONE, 'the client\'s relay could not be reached');
  };
  link.once('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode}`));
  link.once('error', (error) => fail(error.message));
  socket.once('close', () => link.terminate());
  link.once('open', () => {
    link.removeAllListeners('error');
    link.on('error', () => undefined);
    // Inside 'open': frames that came with the 101 are emitted on the next tick, after the pipe exists.
    const agent = deps.accept(request, socket, head);
    if (!agent) return void link.close(1001, 'the agent left');
    deps.heartbeat.track(agent);
    deps.heartbeat.track(link);
    const pipe = pipeEndpoints(frameSocketEndpoint(agent), webSocketEndpoint(link));
    deps.log.debug('data socket linked to the client\'s relay', { relay });
    void pipe.closed.then((result) => deps.log.debug('fleet link closed', { relay, bytesIn: result.bytesAtoB, bytesOut: result.bytesBtoA }));
  });
}

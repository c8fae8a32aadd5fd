// A data socket that landed on this relay for a client waiting on another one: dial that relay's fleet
// endpoint, and once it answers complete the agent's upgrade and pipe the two (one extra hop, the same
// backpressure as every pipe). Until the other relay answers, the agent's upgrade is held: nothing is
// buffered here.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { fleetDataUrl, pipeEndpoints, RelayErrorCode } from '@converge/protocol';
import { type AcceptFrameSocket, connectFrameSocket, frameSocketEndpoint, UpgradeRefusedError } from '@converge/websocket';
import type { Heartbeat } from '../heartbeat';
import type { Logger } from '../log';
import { onHangUp, refuseUpgrade } from '../upgrade';

export interface LinkDeps {
  readonly accept: AcceptFrameSocket;
  readonly heartbeat: Heartbeat;
  readonly log: Logger;
  readonly maxPayload: number;
  readonly timeoutMs: number;
}

/** `relay`: the other relay's advertised http(s) URL. */
export function linkDataSocket(deps: LinkDeps, relay: string, connectionId: string, request: IncomingMessage, socket: Duplex, head: Buffer): void {
  const target = fleetDataUrl(relay.replace(/^http/, 'ws'), connectionId);
  // An agent that hangs up during the dial gives the dial up: the other relay sees its connection cut,
  // and nothing waits here for the handshake timeout.
  const dial = new AbortController();
  const stopWatching = onHangUp(socket, () => dial.abort());
  connectFrameSocket(target, { maxFrameBytes: deps.maxPayload, timeoutMs: deps.timeoutMs, signal: dial.signal, recycledReads: true }).then(
    (link) => {
      stopWatching();
      const agent = deps.accept(request, socket, head);
      if (!agent) return void link.close(1001, 'the agent left');
      deps.heartbeat.track(agent);
      deps.heartbeat.track(link);
      const pipe = pipeEndpoints(frameSocketEndpoint(agent), frameSocketEndpoint(link));
      deps.log.debug('data socket linked to the client\'s relay', { relay });
      void pipe.closed.then((result) => deps.log.debug('fleet link closed', { relay, bytesIn: result.bytesAtoB, bytesOut: result.bytesBtoA }));
    },
    (error: Error) => {
      stopWatching();
      if (error instanceof UpgradeRefusedError) error.response.destroy();
      if (dial.signal.aborted) {
        deps.log.info('fleet link given up: the agent left during the dial', { relay });
        return void socket.destroy();
      }
      deps.log.info('fleet link failed', { relay, reason: error instanceof UpgradeRefusedError ? `HTTP ${error.status}` : error.message });
      refuseUpgrade(socket, RelayErrorCode.AGENT_GONE, 'the client\'s relay could not be reached');
    },
  );
}

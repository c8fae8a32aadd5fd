// Pairs a person's websocket with the data websocket its agent opens. The client's upgrade is held,
// unanswered, until the agent's data socket arrives; then both upgrades complete in the same tick and
// the one pipe joins them. Nothing is buffered while waiting: the client cannot send before its 101.
// The broker is the one owner of a waiting client: its timer, its agent's slot and its refusal.
// In a fleet the agent may hold its control socket on another relay, and its data socket may land on a
// third: the broker asks the agent's relay over the fleet bus, and a data socket for a client waiting
// elsewhere is linked to that relay (fleet/link.ts). A full agent makes room by admitClient()'s
// fairness rule; a pipe stalled at both ends is dropped.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { generateConnectionId, type Pipe, pipeEndpoints, RELAY_ERRORS, RelayErrorCode } from '@converge/protocol';
import { admitClient } from './admission';
import type { AgentSession } from './agent-session';
import { type AcceptFrameSocket, type FrameSocket, frameSocketEndpoint } from '@converge/websocket';
import type { Fleet } from './fleet';
import type { Heartbeat } from './heartbeat';
import type { RefusalLog } from './limits';
import type { Logger } from './log';
import type { Registry } from './registry';
import { ConnectionOutcome, type RelayStats } from './stats';
import { onHangUp, refuseUpgrade } from './upgrade';

interface PendingClient {
  readonly agentId: string;
  readonly request: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly address: string;
  readonly timer: NodeJS.Timeout;
  /** The agent's session when it is on this relay (it tracks the slot); undefined when remote. */
  readonly agent?: AgentSession;
}

export interface BrokerDeps {
  readonly registry: Registry;
  /** Completes the upgrade of a client or data socket. */
  readonly accept: AcceptFrameSocket;
  readonly heartbeat: Heartbeat;
  readonly log: Logger;
  readonly refusals: RefusalLog;
  readonly stats: RelayStats;
  readonly openTimeoutMs: number;
  /** 0 = no limit. */
  readonly maxClientsPerAgent: number;
  /** A pipe whose both ends stopped reading (bytes waiting both ways, none moving) for this long is dropped. */
  readonly stallTimeoutMs: number;
  /** Other relays sharing the rendez-vous; undefined for a relay on its own. */
  readonly fleet?: Fleet;
}

interface PipeRecord {
  readonly pipe: Pipe;
  /** Byte counters at the last sweep, and since when nothing moved while both ways had bytes waiting. */
  lastBytes: number;
  stalledSince?: number;
}

const OUTCOME_OF: Partial<Record<RelayErrorCode, ConnectionOutcome>> = {
  [RelayErrorCode.AGENT_TIMEOUT]: ConnectionOutcome.agentTimeout,
  [RelayErrorCode.AGENT_GONE]: ConnectionOutcome.agentGone,
  [RelayErrorCode.SHUTTING_DOWN]: ConnectionOutcome.refused,
};

export class ConnectionBroker {
  private readonly pipes = new Map<string, PipeRecord>();
  private readonly pending = new Map<string, PendingClient>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly deps: BrokerDeps) {
    this.sweeper = setInterval(() => this.sweepStalled(), Math.max(100, Math.min(deps.stallTimeoutMs / 4, 15_000)));
    this.sweeper.unref();
  }

  get activeCount(): number {
    return this.pipes.size;
  }

  async handleClient(request: IncomingMessage, socket: Duplex, head: Buffer, id: string, address: string): Promise<void> {
    const { registry, stats, fleet } = this.deps;
    const agent = registry.local(id) as AgentSession | undefined;
    let remote: string | undefined;
    try {
      remote = agent ? undefined : await fleet?.locate(id);
    } catch (error) {
      stats.countConnection(ConnectionOutcome.refused);
      this.deps.refusals.refused(RelayErrorCode.REGISTRY_UNAVAILABLE, address, { id });
      return refuseUpgrade(socket, RelayErrorCode.REGISTRY_UNAVAILABLE, 'the rendez-vous is unavailable (its Redis cannot be reached); try again shortly');
    }
    if (!agent && !remote) {
      stats.countConnection(ConnectionOutcome.unknownId);
      this.deps.refusals.refused(RelayErrorCode.UNKNOWN_ID, address, { id });
      return refuseUpgrade(socket, RelayErrorCode.UNKNOWN_ID, `no agent is connected with id ${id}`);
    }
    if (agent) {
      const max = this.deps.maxClientsPerAgent;
      const admission = admitClient(agent.slots(), address, max);
      if (admission.kind === 'refuse') {
        stats.countConnection(ConnectionOutcome.refused);
        this.deps.refusals.refused(RelayErrorCode.LIMIT_REACHED, address, { id });
        return refuseUpgrade(socket, RelayErrorCode.LIMIT_REACHED, `agent ${id} already has ${max} clients (--max-clients-per-agent)`);
      }
      if (admission.kind === 'evict') this.evict(admission.connectionId, id);
    }
    const connectionId = generateConnectionId(randomBytes);
    const timer = setTimeout(
      () => this.fail(connectionId, RelayErrorCode.AGENT_TIMEOUT, `the agent did not answer within ${this.deps.openTimeoutMs} ms`),
      this.deps.openTimeoutMs,
    );
    this.pending.set(connectionId, { agentId: id, request, socket, head, address, timer, agent });
    // A client that hangs up while held frees its agent's slot now, not at the open timeout.
    onHangUp(socket, () => {
      if (!this.take(connectionId)) return;
      socket.destroy();
      stats.countConnection(ConnectionOutcome.clientLeft);
      this.deps.log.debug('client left before its agent answered', { id, address });
    });
    this.deps.log.debug('client waiting for its agent', { id, address, ...(remote && { via: remote }) });
    if (agent) {
      // Best effort: if Redis is down, the pairing still works when the data socket lands here.
      if (fleet) await fleet.notePending(connectionId).catch(() => undefined);
      return agent.requestOpen(connectionId, address);
    }
    try {
      await fleet!.requestOpen(remote!, { id, connectionId, clientAddress: address });
    } catch (error) {
      this.fail(connectionId, RelayErrorCode.REGISTRY_UNAVAILABLE, `the rendez-vous is unavailable: ${(error as Error).message}`);
    }
  }

  /** An agent's data socket for `connectionId`: the client waits here, on another relay, or nowhere. */
  async handleData(request: IncomingMessage, socket: Duplex, head: Buffer, connectionId: string): Promise<void> {
    const { fleet } = this.deps;
    if (!this.pending.has(connectionId) && fleet) {
      const owner = await fleet.pendingOwner(connectionId).catch(() => undefined);
      if (owner) return fleet.linkData(owner, connectionId, request, socket, head);
    }
    if (!this.pairWith(connectionId, request, socket, head)) {
      this.deps.refusals.refused(RelayErrorCode.NOT_FOUND, request.socket.remoteAddress ?? 'unknown', { what: 'data socket with no client waiting' });
      refuseUpgrade(socket, RelayErrorCode.NOT_FOUND, 'no client is waiting for this connection');
    }
  }

  /** Refuses a waiting client (its agent timed out, failed or left). */
  fail(connectionId: string, code: RelayErrorCode, message: string): void {
    const pending = this.take(connectionId);
    if (pending) this.refuse(pending, code, message);
  }

  /** Whether a client waits here for `connectionId` (fleet: another relay links a data socket to it). */
  isWaiting(connectionId: string): boolean {
    return this.pending.has(connectionId);
  }

  /** Ends every pipe and refuses every waiting client (relay shutdown). */
  close(): void {
    clearInterval(this.sweeper);
    for (const connectionId of [...this.pending.keys()]) this.fail(connectionId, RelayErrorCode.SHUTTING_DOWN, 'the relay is shutting down');
    for (const { pipe } of this.pipes.values()) pipe.close(Object.assign(new Error('relay shutting down'), { closeCode: 1001 }));
  }

  /** Bytes moved by the open pipes, for the live byte counters. */
  liveBytes(): { clientToAgent: number; agentToClient: number } {
    let clientToAgent = 0;
    let agentToClient = 0;
    for (const { pipe } of this.pipes.values()) {
      clientToAgent += pipe.bytesAtoB;
      agentToClient += pipe.bytesBtoA;
    }
    return { clientToAgent, agentToClient };
  }

  /** Pairs a waiting client with a socket that leads to its agent: the agent's data socket, or a link
   *  from the relay where that data socket landed. Returns false when nobody waits (any more). */
  pairWith(connectionId: string, request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const pending = this.take(connectionId);
    if (!pending || pending.socket.destroyed) return false;
    const { accept, stats } = this.deps;
    const data = accept(request, socket, head);
    if (!data) {
      // The data socket closed before it could be paired (during a fleet lookup): the client hears why.
      this.refuse(pending, RelayErrorCode.AGENT_GONE, "the agent's data socket closed before the session could start");
      return true;
    }
    const client = accept(pending.request, pending.socket, pending.head);
    if (!client) {
      data.close(1001, 'the client left');
      return true;
    }
    stats.countConnection(ConnectionOutcome.paired);
    this.pair(pending, connectionId, client, data);
    return true;
  }

  /** Removes a waiting client, once: its timer and its agent's slot go with it. */
  private take(connectionId: string): PendingClient | undefined {
    const pending = this.pending.get(connectionId);
    if (!pending) return undefined;
    this.pending.delete(connectionId);
    clearTimeout(pending.timer);
    pending.agent?.settled(connectionId);
    return pending;
  }

  /** Refuses a waiting client already taken off the list, and counts why. */
  private refuse(pending: PendingClient, code: RelayErrorCode, message: string): void {
    const outcome = OUTCOME_OF[code];
    if (outcome) this.deps.stats.countConnection(outcome);
    this.deps.refusals.refused(code, pending.address, { id: pending.agentId, reason: message });
    refuseUpgrade(pending.socket, code, message);
  }

  /** Frees an anonymous slot of a full agent for a client from a less represented address. */
  private evict(connectionId: string, id: string): void {
    this.deps.log.info('anonymous client evicted to make room for another address', { id });
    const record = this.pipes.get(connectionId);
    if (record) return record.pipe.close(Object.assign(new Error('evicted: the agent is full and this connection had not logged in'), { closeCode: RELAY_ERRORS.LIMIT_REACHED.closeCode }));
    this.fail(connectionId, RelayErrorCode.LIMIT_REACHED, 'evicted: the agent is full and this connection had not logged in');
  }

  /** Drops pipes that moved nothing for stallTimeoutMs while bytes waited in both directions. */
  private sweepStalled(now = Date.now()): void {
    for (const record of this.pipes.values()) {
      const { pipe } = record;
      const bytes = pipe.bytesAtoB + pipe.bytesBtoA;
      const stuck = bytes === record.lastBytes && pipe.inFlight.aToB > 0 && pipe.inFlight.bToA > 0;
      record.lastBytes = bytes;
      if (!stuck) {
        record.stalledSince = undefined;
        continue;
      }
      record.stalledSince ??= now;
      if (now - record.stalledSince >= this.deps.stallTimeoutMs) {
        this.deps.log.info('pipe stalled at both ends; dropped', { seconds: Math.round((now - record.stalledSince) / 1000) });
        pipe.close(Object.assign(new Error('stalled: neither side read for too long'), { closeCode: 1011, abort: true }));
      }
    }
  }

  private pair(pending: PendingClient, connectionId: string, client: FrameSocket, data: FrameSocket): void {
    const { heartbeat, log, stats } = this.deps;
    const { agentId: id, address, agent } = pending;
    heartbeat.track(client);
    heartbeat.track(data);
    const started = Date.now();
    const pipe = pipeEndpoints(frameSocketEndpoint(client), frameSocketEndpoint(data));
    const info = agent?.addClient(connectionId, address, () => ({ in: pipe.bytesAtoB, out: pipe.bytesBtoA }));
    this.pipes.set(connectionId, { pipe, lastBytes: 0 });
    stats.clientJoined();
    log.info('client connected', { id, address, ...(info ? { client: info.index } : { via: 'another relay' }) });
    void pipe.closed.then((result) => {
      this.pipes.delete(connectionId);
      if (info) agent!.clients.delete(info);
      stats.clientLeft(result.bytesAtoB, result.bytesBtoA);
      log.info('client disconnected', {
        id,
        address,
        ...(info && { client: info.index }),
        endedBy: result.endedBy === 'a' ? 'client' : result.endedBy === 'b' ? 'agent' : 'relay',
        seconds: Math.round((Date.now() - started) / 100) / 10,
        bytesIn: result.bytesAtoB,
        bytesOut: result.bytesBtoA,
        ...(result.error && { reason: result.error.message }),
      });
    });
  }
}

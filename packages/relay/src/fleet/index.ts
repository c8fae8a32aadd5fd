// Several relays sharing one rendez-vous through Redis, behind any load balancer with no sticky
// sessions: an agent's control socket on relay A, a person on relay B and the agent's data socket on
// relay C meet. Shared facts (who holds which id, for which host key, on which relay) live in Redis;
// relays ask each other over pub/sub (open this connection, it failed, your agent was replaced); bulk
// bytes never touch Redis: C links the data socket to B directly (link.ts).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AgentSummary, RelayErrorCode } from '@converge/protocol';
import type { AcceptFrameSocket } from '@converge/websocket';
import type { Heartbeat } from '../heartbeat';
import type { Logger } from '../log';
import { linkDataSocket } from './link';
import { connectRedis, type RedisConnection } from './redis';
import { BATCH, inBatches, KEY, RedisRegistry } from './redis-registry';

export { RedisRegistry } from './redis-registry';

export interface FleetOptions {
  readonly redisUrl: string;
  /** This relay's URL as the others reach it (http(s)://host:port[/base]). */
  readonly self: string;
  readonly resumeGraceMs: number;
  readonly openTimeoutMs: number;
  readonly maxPayload: number;
  readonly claimTtlMs?: number;
}

export interface FleetDeps {
  readonly log: Logger;
  readonly accept: AcceptFrameSocket;
  readonly heartbeat: Heartbeat;
  /** A remote relay asks this relay's agent `id` to open a connection. */
  readonly openLocal: (id: string, connectionId: string, clientAddress: string) => boolean;
  /** A remote relay says a connection waiting here failed on the agent's side. */
  readonly failLocal: (connectionId: string, code: RelayErrorCode, message: string) => void;
  /** This relay's agents, for the fleet-wide sessions list. */
  readonly localSummaries: () => readonly AgentSummary[];
}

/** How often the fleet's sessions list is exchanged; claims are refreshed every third of their TTL. */
const SUMMARY_EVERY_MS = 2000;

type BusMessage =
  | { type: 'open'; id: string; connectionId: string; clientAddress: string; from: string }
  | { type: 'failed'; connectionId: string; code: RelayErrorCode; message: string }
  | { type: 'replace'; id: string };

export class Fleet {
  readonly registry: RedisRegistry;
  private readonly redis: RedisConnection;
  private readonly refresher: NodeJS.Timeout;
  private cachedSummaries: AgentSummary[] = [];
  private claimsRefreshedAt = 0;

  constructor(private readonly options: FleetOptions, private readonly deps: FleetDeps) {
    // On every (re)connection: restore this relay's claims at once (Redis may have restarted empty).
    this.redis = connectRedis(options.redisUrl, deps.log, () => {
      this.claimsRefreshedAt = 0;
      void this.refresh();
    });
    this.registry = new RedisRegistry({
      redis: this.redis.commands,
      self: options.self,
      resumeGraceMs: options.resumeGraceMs,
      claimTtlMs: options.claimTtlMs,
      replaceRemote: (relay, id) => void this.send(relay, { type: 'replace', id }),
    });
    void this.redis.subscribe(KEY.channel(options.self), (raw) => this.onMessage(raw));
    this.refresher = setInterval(() => void this.refresh(), SUMMARY_EVERY_MS);
    this.refresher.unref();
  }

  get redisUp(): boolean {
    return this.redis.up;
  }

  /** The relay whose agent holds `id`, when not this one. Throws while Redis is down. */
  locate(id: string): Promise<string | undefined> {
    return this.registry.locate(id);
  }

  /** Records that the client of `connectionId` waits here: the agent's data socket may land on any relay. */
  async notePending(connectionId: string): Promise<void> {
    await this.redis.commands.set(KEY.pending(connectionId), this.options.self, { PX: this.options.openTimeoutMs + 5000 });
  }

  /** notePending, then asks the agent's relay to have its agent open the connection. */
  async requestOpen(relay: string, open: { id: string; connectionId: string; clientAddress: string }): Promise<void> {
    await this.notePending(open.connectionId);
    await this.send(relay, { type: 'open', ...open, from: this.options.self });
  }

  /** Which relay the client of `connectionId` waits at, if another. */
  async pendingOwner(connectionId: string): Promise<string | undefined> {
    const owner = await this.redis.commands.get(KEY.pending(connectionId));
    return owner && owner !== this.options.self ? owner : undefined;
  }

  linkData(relay: string, connectionId: string, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { accept, heartbeat, log } = this.deps;
    linkDataSocket({ accept, heartbeat, log, maxPayload: this.options.maxPayload, timeoutMs: this.options.openTimeoutMs }, relay, connectionId, request, socket, head);
  }

  /** The agent here could not open a connection whose client waits on another relay. */
  async failRemote(connectionId: string, code: RelayErrorCode, message: string): Promise<void> {
    const owner = await this.pendingOwner(connectionId).catch(() => undefined);
    if (owner) await this.send(owner, { type: 'failed', connectionId, code, message }).catch(() => undefined);
  }

  /** Every relay's agents, as last read from Redis (refreshed every few seconds), for the sessions list. */
  fleetSummaries(): AgentSummary[] {
    return this.cachedSummaries;
  }

  /** A local agent left: other relays stop listing it at once instead of when its entry expires. */
  agentLeft(id: string): void {
    void this.redis.commands.hDel(KEY.summaries, id).catch(() => undefined);
  }

  async close(): Promise<void> {
    clearInterval(this.refresher);
    for (const batch of inBatches(this.deps.localSummaries(), BATCH)) {
      await this.redis.commands.hDel(KEY.summaries, batch.map((summary) => summary.id)).catch(() => undefined);
    }
    await this.redis.close();
  }

  private async send(relay: string, message: BusMessage): Promise<void> {
    await this.redis.commands.publish(KEY.channel(relay), JSON.stringify(message));
  }

  private onMessage(raw: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(raw) as BusMessage;
    } catch {
      return;
    }
    if (message.type === 'open') {
      if (!this.deps.openLocal(message.id, message.connectionId, message.clientAddress)) {
        void this.send(message.from, { type: 'failed', connectionId: message.connectionId, code: 'AGENT_GONE', message: 'the agent disconnected' }).catch(() => undefined);
      }
    } else if (message.type === 'failed') {
      this.deps.failLocal(message.connectionId, message.code, message.message);
    } else if (message.type === 'replace') {
      this.registry.local(message.id)?.replace();
    }
  }

  /** Claims kept alive, this relay's agents published, the fleet's read back. Quiet while Redis is down. */
  private async refresh(): Promise<void> {
    if (!this.redis.up) return;
    try {
      const now = Date.now();
      if (now - this.claimsRefreshedAt >= this.registry.claimTtlMs / 3) {
        this.claimsRefreshedAt = now;
        await this.refreshClaims();
      }
      await this.exchangeSummaries();
    } catch (error) {
      this.deps.log.debug('fleet refresh failed', { error: (error as Error).message });
    }
  }

  private async refreshClaims(): Promise<void> {
    for (const id of await this.registry.refresh()) {
      this.deps.log.warn('another host key holds this agent\'s id now; its control socket is closed', { id });
      this.registry.local(id)?.replace();
    }
  }

  private async exchangeSummaries(): Promise<void> {
    const until = Date.now() + 3 * SUMMARY_EVERY_MS;
    for (const batch of inBatches(this.deps.localSummaries(), BATCH)) {
      await this.redis.commands.hSet(KEY.summaries, Object.fromEntries(batch.map((summary) => [summary.id, JSON.stringify({ until, relay: this.options.self, summary })])));
    }
    const all = await this.redis.commands.hGetAll(KEY.summaries);
    const now = Date.now();
    const live: AgentSummary[] = [];
    const expired: string[] = [];
    for (const [id, text] of Object.entries(all)) {
      const entry = JSON.parse(text) as { until: number; relay: string; summary: AgentSummary };
      if (entry.until < now) expired.push(id);
      else if (entry.relay !== this.options.self) live.push(entry.summary);
    }
    for (const batch of inBatches(expired, BATCH)) void this.redis.commands.hDel(KEY.summaries, batch).catch(() => undefined);
    this.cachedSummaries = live;
  }
}

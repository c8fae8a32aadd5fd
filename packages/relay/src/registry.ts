// The rendez-vous's shared facts: which id is held for which host key, and by which relay. Behind an
// interface so that an in-memory registry (this file, one relay) and a Redis one (fleet/, several relays)
// both serve. Live sockets never enter it: each relay keeps its own agents (local()), and the broker owns
// its waiting clients. An id belongs to a host key: only a hello signed by that key keeps it, takes it
// back after a drop, or replaces a stale connection holding it. Reservations expire and are bounded.
import { randomBytes } from 'node:crypto';
import { generateId } from '@converge/protocol';

/** What the registry needs from a connected agent. */
export interface AgentHandle {
  /** Ask the agent to open a data socket for this connection. */
  requestOpen(connectionId: string, clientAddress: string): void;
  /** The same host key connected again (a reconnect after a drop): this older socket must go. */
  replace(): void;
}

export interface ClaimRequest {
  readonly requestedId?: string;
  /** The agent's host key (`ssh-ed25519 AAAA...`), already proven by a signature over a fresh nonce. */
  readonly hostKey: string;
}

export interface Claim {
  readonly id: string;
  readonly idSource: 'requested' | 'generated' | 'resumed';
}

export interface Registry {
  /** Gives the agent an id: the requested one if free or held by this same host key, else a new one. */
  claim(request: ClaimRequest, agent: AgentHandle): Promise<Claim>;
  /** The agent's control socket is gone. `clean`: it said goodbye, so the id is free at once; otherwise
   *  the id stays reserved for its host key for the grace period. */
  release(id: string, agent: AgentHandle, clean: boolean): Promise<void>;
  /** The agent holding `id` on this relay, if any. */
  local(id: string): AgentHandle | undefined;
  /** Ids held by agents connected to this relay now. */
  agentCount(): Promise<number>;
}

export interface InMemoryRegistryOptions {
  readonly resumeGraceMs: number;
  /** Most reservations kept at once; the oldest goes first (default 10,000). */
  readonly maxReserved?: number;
  readonly now?: () => number;
  readonly newId?: () => string;
}

interface Holder {
  readonly agent: AgentHandle;
  readonly hostKey: string;
}

export class InMemoryRegistry implements Registry {
  private readonly agents = new Map<string, Holder>();
  /** id -> host key and expiry, in release order (so expired ones sit at the front). */
  private readonly reserved = new Map<string, { hostKey: string; until: number }>();
  private readonly resumeGraceMs: number;
  private readonly maxReserved: number;
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(options: InMemoryRegistryOptions) {
    this.resumeGraceMs = options.resumeGraceMs;
    this.maxReserved = options.maxReserved ?? 10_000;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => generateId(randomBytes));
  }

  async claim(request: ClaimRequest, agent: AgentHandle): Promise<Claim> {
    this.prune();
    const { requestedId, hostKey } = request;
    if (requestedId !== undefined) {
      const holder = this.agents.get(requestedId);
      if (holder?.hostKey === hostKey) {
        if (holder.agent !== agent) holder.agent.replace();
        return this.hold(requestedId, agent, hostKey, 'resumed');
      }
      const reservation = this.reserved.get(requestedId);
      if (!holder && reservation?.hostKey === hostKey) return this.hold(requestedId, agent, hostKey, 'resumed');
      if (!holder && !reservation) return this.hold(requestedId, agent, hostKey, 'requested');
    }
    let id = this.newId();
    while (this.agents.has(id) || this.reserved.has(id)) id = this.newId();
    return this.hold(id, agent, hostKey, 'generated');
  }

  async release(id: string, agent: AgentHandle, clean: boolean): Promise<void> {
    const holder = this.agents.get(id);
    if (holder?.agent !== agent) return;
    this.agents.delete(id);
    if (clean || this.resumeGraceMs <= 0) return;
    this.reserved.set(id, { hostKey: holder.hostKey, until: this.now() + this.resumeGraceMs });
    while (this.reserved.size > this.maxReserved) this.reserved.delete(this.reserved.keys().next().value!);
  }

  local(id: string): AgentHandle | undefined {
    return this.agents.get(id)?.agent;
  }

  async agentCount(): Promise<number> {
    return this.agents.size;
  }

  /** Reservations kept now (bounded by maxReserved, expired ones dropped on every claim). */
  get reservedCount(): number {
    return this.reserved.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [id, { until }] of this.reserved) {
      if (until > now) break;
      this.reserved.delete(id);
    }
  }

  private hold(id: string, agent: AgentHandle, hostKey: string, idSource: Claim['idSource']): Claim {
    this.reserved.delete(id);
    this.agents.set(id, { agent, hostKey });
    return { id, idSource };
  }
}

// The rendez-vous: which agent holds which id, and which clients wait for a data socket. Behind an
// interface so that an in-memory registry (this file) and a shared one (Redis, for several relays
// behind one load balancer) can both serve. Methods are async for that reason.
import { randomBytes } from 'node:crypto';
import { generateId } from '@converge/protocol';

/** What the registry needs from a connected agent. */
export interface AgentHandle {
  /** Ask the agent to open a data socket for this connection. */
  requestOpen(connectionId: string, clientAddress: string): void;
  /** Another control socket proved it owns this id (a reconnect); this one must go. */
  replace(): void;
}

export interface ClaimRequest {
  readonly requestedId?: string;
  /** The caller checked the agent's resume secret for `requestedId`. */
  readonly resumeVerified: boolean;
}

export interface Claim {
  readonly id: string;
  readonly idSource: 'requested' | 'generated' | 'resumed';
}

export interface Registry<Pending> {
  /** Gives the agent an id: its own when it proved ownership, the requested one when free, else a new one. */
  claim(request: ClaimRequest, agent: AgentHandle): Promise<Claim>;
  /** The agent's control socket is gone; its id stays reserved for the grace period. */
  release(id: string, agent: AgentHandle): Promise<void>;
  lookup(id: string): Promise<AgentHandle | undefined>;
  addPending(connectionId: string, pending: Pending): Promise<void>;
  /** Removes and returns a pending client; each can be taken once. */
  takePending(connectionId: string): Promise<Pending | undefined>;
  /** Ids held by connected agents now. */
  agentCount(): Promise<number>;
}

export class InMemoryRegistry<Pending> implements Registry<Pending> {
  private readonly agents = new Map<string, AgentHandle>();
  private readonly reserved = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly resumeGraceMs: number,
    private readonly now: () => number = Date.now,
    private readonly newId: () => string = () => generateId(randomBytes),
  ) {}

  async claim(request: ClaimRequest, agent: AgentHandle): Promise<Claim> {
    const { requestedId } = request;
    if (requestedId !== undefined && request.resumeVerified) {
      const previous = this.agents.get(requestedId);
      if (previous && previous !== agent) previous.replace();
      return this.hold(requestedId, agent, 'resumed');
    }
    if (requestedId !== undefined && this.isFree(requestedId)) return this.hold(requestedId, agent, 'requested');
    let id = this.newId();
    while (!this.isFree(id)) id = this.newId();
    return this.hold(id, agent, 'generated');
  }

  async release(id: string, agent: AgentHandle): Promise<void> {
    if (this.agents.get(id) !== agent) return;
    this.agents.delete(id);
    if (this.resumeGraceMs > 0) this.reserved.set(id, this.now() + this.resumeGraceMs);
  }

  async lookup(id: string): Promise<AgentHandle | undefined> {
    return this.agents.get(id);
  }

  async addPending(connectionId: string, pending: Pending): Promise<void> {
    this.pending.set(connectionId, pending);
  }

  async takePending(connectionId: string): Promise<Pending | undefined> {
    const pending = this.pending.get(connectionId);
    this.pending.delete(connectionId);
    return pending;
  }

  async agentCount(): Promise<number> {
    return this.agents.size;
  }

  private isFree(id: string): boolean {
    if (this.agents.has(id)) return false;
    const until = this.reserved.get(id);
    if (until === undefined) return true;
    if (until > this.now()) return false;
    this.reserved.delete(id);
    return true;
  }

  private hold(id: string, agent: AgentHandle, idSource: Claim['idSource']): Claim {
    this.reserved.delete(id);
    this.agents.set(id, agent);
    return { id, idSource };
  }
}

// One agent's control socket: challenge -> hello -> welcome, heartbeats, open requests for waiting
// clients, and the agent's answers. Anything malformed from the agent closes its socket with one log
// line; nothing an agent sends can throw out of here. One hello per socket, a bounded message rate.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import {
  type AgentInfo,
  claimPayload,
  type ControlMessage,
  decodeMessage,
  encodeMessage,
  type HelloMessage,
  MessageType,
  parseEd25519HostKey,
  ProtocolError,
  ProtocolErrorCode,
  RELAY_ERRORS,
  RelayErrorCode,
  type SessionKind,
  type StatusMessage,
} from '@converge/protocol';
import type { WebSocket } from 'ws';
import type { ClientSlot } from './admission';
import { RateLimit, type RefusalLog } from './limits';
import type { Logger } from './log';
import type { AgentHandle, Registry } from './registry';
import type { RelayStats } from './stats';
import type { Admission } from './tokens';

const HELLO_TIMEOUT_MS = 10_000;
const REPLACED_CLOSE_CODE = 4409;
/** Control messages an agent may send: heartbeats, status and session events are a few a second. */
const MESSAGES_PER_SECOND = 50;
const MESSAGE_BURST = 200;

export interface AgentSessionDeps {
  readonly registry: Registry;
  /** How long an open request may stay unanswered before its slot is freed. */
  readonly openTimeoutMs: number;
  readonly log: Logger;
  readonly refusals: RefusalLog;
  readonly stats: RelayStats;
  readonly heartbeatMs: number;
  readonly allowShell: boolean;
  readonly allowForwarding: boolean;
  /** Checks an agent's token when the relay requires one. */
  readonly admit?: (token: string | undefined, requestedId: string | undefined) => Admission;
  /** False when the relay holds as many agents as it may. */
  readonly hasRoomForAgent: () => boolean;
  /** A waiting client's connection failed on the agent's side. */
  readonly failConnection: (connectionId: string, code: RelayErrorCode, message: string) => void;
  readonly onClose: (session: AgentSession) => void;
}

export interface ClientInfo {
  readonly index: number;
  readonly connectionId: string;
  readonly address: string;
  readonly since: Date;
  kind: SessionKind;
  /** The agent said this connection logged in. */
  authenticated: boolean;
  readonly bytes: () => { in: number; out: number };
}

type Status = Omit<StatusMessage, 'type'>;

/** True when `signature` (base64) is `hostKey`'s ed25519 signature over the claim for `nonce`. */
export function verifyClaim(hello: Pick<HelloMessage, 'hostKey' | 'signature' | 'requestedId'>, nonce: string): boolean {
  try {
    const { raw } = parseEd25519HostKey(hello.hostKey);
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
    return verify(null, claimPayload(nonce, hello.requestedId), key, Buffer.from(hello.signature, 'base64'));
  } catch {
    return false;
  }
}

export class AgentSession implements AgentHandle {
  id: string | undefined;
  info: AgentInfo | undefined;
  hostKey: string | undefined;
  readonly connectedAt = new Date();
  readonly clients = new Set<ClientInfo>();
  status: Status = {};
  private nextClientIndex = 1;
  /** Connections asked of the agent and not answered yet, with the waiting client's address. */
  private readonly waiting = new Map<string, { address: string; since: number }>();
  private readonly helloTimer: NodeJS.Timeout;
  private readonly nonce = randomBytes(32).toString('base64url');
  private readonly rate = new RateLimit(MESSAGES_PER_SECOND, MESSAGE_BURST);
  private helloSeen = false;
  private warnedUnknownType = false;

  constructor(
    private readonly ws: WebSocket,
    readonly address: string,
    private readonly deps: AgentSessionDeps,
  ) {
    this.helloTimer = setTimeout(() => this.closeWith(4002, 'no hello received'), HELLO_TIMEOUT_MS);
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    ws.on('error', (error) => deps.log.debug('agent socket error', { id: this.id, error: error.message }));
    ws.once('close', (code) => void this.onClosed(code));
    this.send({ type: MessageType.challenge, nonce: this.nonce });
  }

  requestOpen(connectionId: string, clientAddress: string): void {
    this.waiting.set(connectionId, { address: clientAddress, since: Date.now() });
    // The slot is freed by settled() when the data socket lands here; a client waiting on another relay
    // (or one that timed out anywhere) must not hold it for good.
    setTimeout(() => this.waiting.delete(connectionId), this.deps.openTimeoutMs + 1000).unref();
    this.send({ type: MessageType.open, connectionId, clientAddress });
  }

  /** The client's data socket arrived or the client left: stop tracking it. */
  settled(connectionId: string): void {
    this.waiting.delete(connectionId);
  }

  /** Every client slot in use: waiting ones and connected ones, for admitClient(). */
  slots(): ClientSlot[] {
    const slots: ClientSlot[] = [];
    for (const [connectionId, { address, since }] of this.waiting) slots.push({ connectionId, address, authenticated: false, since });
    for (const c of this.clients) slots.push({ connectionId: c.connectionId, address: c.address, authenticated: c.authenticated, since: c.since.getTime() });
    return slots;
  }

  addClient(connectionId: string, address: string, bytes: ClientInfo['bytes']): ClientInfo {
    const client: ClientInfo = { index: this.nextClientIndex++, connectionId, address, since: new Date(), kind: 'ssh', authenticated: false, bytes };
    this.clients.add(client);
    return client;
  }

  replace(): void {
    this.deps.log.info('agent replaced by its reconnection', { id: this.id });
    this.closeWith(REPLACED_CLOSE_CODE, 'replaced by a newer connection of this agent');
  }

  close(code: number, reason: string): void {
    this.closeWith(code, reason);
  }

  private send(message: ControlMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeMessage(message));
  }

  private closeWith(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }

  private refuse(code: RelayErrorCode, message: string): void {
    this.deps.refusals.refused(code, this.address, { agent: this.id, reason: message });
    this.send({ type: MessageType.error, code, message });
    this.closeWith(RELAY_ERRORS[code].closeCode, message.slice(0, 120));
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (!this.rate.take()) return this.refuse(RelayErrorCode.LIMIT_REACHED, `more than ${MESSAGES_PER_SECOND} control messages a second`);
    let message: ControlMessage;
    try {
      if (isBinary) throw new ProtocolError(ProtocolErrorCode.MALFORMED_MESSAGE, 'control messages are text frames');
      message = decodeMessage(data);
    } catch (error) {
      const problem = error as ProtocolError;
      if (problem.code === ProtocolErrorCode.UNKNOWN_MESSAGE_TYPE) {
        if (!this.warnedUnknownType) this.deps.log.warn('agent sent an unknown message type; ignored', { id: this.id });
        this.warnedUnknownType = true;
        return;
      }
      this.deps.stats.countHandshakeFailure('protocol');
      return this.refuse(RelayErrorCode.PROTOCOL_ERROR, problem.message);
    }
    if (message.type !== MessageType.hello && message.type !== MessageType.heartbeat && this.id === undefined) {
      return this.refuse(RelayErrorCode.PROTOCOL_ERROR, `${message.type} before hello`);
    }
    void this.onMessage(message).catch((error: Error) => {
      this.deps.log.error('agent message failed', { id: this.id, error: error.message });
      this.refuse(RelayErrorCode.INTERNAL, 'relay error');
    });
  }

  private async onMessage(message: ControlMessage): Promise<void> {
    switch (message.type) {
      case MessageType.hello:
        return this.onHello(message);
      case MessageType.heartbeat:
        if (!message.reply) this.send({ type: MessageType.heartbeat, sentAt: message.sentAt, reply: true });
        return;
      case MessageType.status:
        this.status = { ...this.status, ...withoutType(message) };
        return;
      case MessageType.session: {
        for (const client of this.clients) {
          if (client.connectionId !== message.connectionId) continue;
          if (message.event === 'authenticated') client.authenticated = true;
          else client.kind = message.event === 'opened' ? message.kind : 'ssh';
          this.deps.log.info('session', { id: this.id, client: client.index, event: message.event, kind: message.kind });
        }
        return;
      }
      case MessageType.openFailed:
        if (!this.waiting.delete(message.connectionId)) return;
        this.deps.failConnection(message.connectionId, RelayErrorCode.AGENT_GONE, `the agent could not open the connection: ${message.reason}`);
        return;
      default:
        return this.refuse(RelayErrorCode.PROTOCOL_ERROR, `agents do not send ${message.type}`);
    }
  }

  private async onHello(message: HelloMessage): Promise<void> {
    // Set before any await: several hellos in one read must not each claim an id.
    if (this.helloSeen) return this.refuse(RelayErrorCode.PROTOCOL_ERROR, 'hello sent twice');
    this.helloSeen = true;
    clearTimeout(this.helloTimer);
    const { requestedId } = message;
    const admission = this.deps.admit?.(message.token, requestedId);
    if (admission && !admission.ok) {
      this.deps.stats.countHandshakeFailure('token');
      return this.refuse(RelayErrorCode.UNAUTHORIZED, admission.reason);
    }
    if (!verifyClaim(message, this.nonce)) {
      this.deps.stats.countHandshakeFailure('signature');
      return this.refuse(RelayErrorCode.UNAUTHORIZED, 'the hello is not signed by its host key over this relay\'s challenge');
    }
    if (!this.deps.hasRoomForAgent()) {
      this.deps.stats.countHandshakeFailure('max_agents');
      return this.refuse(RelayErrorCode.LIMIT_REACHED, 'the relay holds as many agents as it may (--max-agents)');
    }
    let claim;
    try {
      claim = await this.deps.registry.claim({ requestedId, hostKey: message.hostKey }, this);
    } catch (error) {
      this.deps.stats.countHandshakeFailure('registry');
      this.deps.log.debug('claim failed', { error: (error as Error).message });
      return this.refuse(RelayErrorCode.REGISTRY_UNAVAILABLE, 'the rendez-vous is unavailable (its Redis cannot be reached); retrying helps');
    }
    if (this.ws.readyState !== this.ws.OPEN) {
      await this.deps.registry.release(claim.id, this, false);
      return;
    }
    this.id = claim.id;
    this.info = message.agent;
    this.hostKey = message.hostKey;
    this.deps.stats.agentJoined(claim.idSource);
    this.send({
      type: MessageType.welcome,
      id: claim.id,
      idSource: claim.idSource,
      heartbeatMs: this.deps.heartbeatMs,
      ...(requestedId !== undefined && { requestedId }),
      ...(!this.deps.allowShell && { allowShell: false }),
      ...(!this.deps.allowForwarding && { allowForwarding: false }),
    });
    this.deps.log.info('agent registered', {
      id: claim.id,
      idSource: claim.idSource,
      address: this.address,
      host: message.agent.hostname,
      user: message.agent.user,
      version: message.agent.version,
    });
  }

  private async onClosed(code: number): Promise<void> {
    clearTimeout(this.helloTimer);
    for (const connectionId of this.waiting.keys()) {
      this.deps.failConnection(connectionId, RelayErrorCode.AGENT_GONE, 'the agent disconnected');
    }
    this.waiting.clear();
    if (this.id !== undefined) {
      this.deps.stats.agentLeft();
      // 1000 is the agent's own goodbye (it exited): its id is free at once. Anything else is a drop.
      await this.deps.registry.release(this.id, this, code === 1000).catch((error: Error) => this.deps.log.debug('release failed', { error: error.message }));
      this.deps.log.info('agent left', { id: this.id, code });
    }
    this.deps.onClose(this);
  }
}

function withoutType(message: StatusMessage): Status {
  const { type: _type, ...rest } = message;
  return rest;
}

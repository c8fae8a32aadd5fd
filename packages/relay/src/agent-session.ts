// One agent's control socket: hello -> welcome, heartbeats, open requests for waiting clients, and the
// agent's answers. Anything malformed from the agent closes its socket with one log line; nothing an
// agent sends can throw out of here.
import {
  type AgentInfo,
  type ControlMessage,
  decodeMessage,
  encodeMessage,
  MessageType,
  ProtocolError,
  ProtocolErrorCode,
  RELAY_ERRORS,
  RelayErrorCode,
  type SessionKind,
  type StatusMessage,
} from '@converge/protocol';
import type { WebSocket } from 'ws';
import type { Logger } from './log';
import type { AgentHandle, Registry } from './registry';
import type { ResumeSecrets } from './resume';
import type { RelayStats } from './stats';
import type { Admission } from './tokens';

const HELLO_TIMEOUT_MS = 10_000;
const REPLACED_CLOSE_CODE = 4409;

export interface AgentSessionDeps {
  readonly registry: Registry<unknown>;
  readonly secrets: ResumeSecrets;
  readonly log: Logger;
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
  readonly bytes: () => { in: number; out: number };
}

type Status = Omit<StatusMessage, 'type'>;

export class AgentSession implements AgentHandle {
  id: string | undefined;
  info: AgentInfo | undefined;
  readonly connectedAt = new Date();
  readonly clients = new Set<ClientInfo>();
  status: Status = {};
  private nextClientIndex = 1;
  private readonly waiting = new Set<string>();
  private readonly helloTimer: NodeJS.Timeout;
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
  }

  requestOpen(connectionId: string, clientAddress: string): void {
    this.waiting.add(connectionId);
    this.send({ type: MessageType.open, connectionId, clientAddress });
  }

  /** The client's data socket arrived or the client left: stop tracking it. */
  settled(connectionId: string): void {
    this.waiting.delete(connectionId);
  }

  /** Connections asked of this agent and not yet answered. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  addClient(connectionId: string, address: string, bytes: ClientInfo['bytes']): ClientInfo {
    const client: ClientInfo = { index: this.nextClientIndex++, connectionId, address, since: new Date(), kind: 'ssh', bytes };
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
    this.deps.log.warn('agent refused', { id: this.id, address: this.address, code, reason: message });
    this.send({ type: MessageType.error, code, message });
    this.closeWith(RELAY_ERRORS[code].closeCode, message.slice(0, 120));
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
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
        if (this.id === undefined) return this.refuse(RelayErrorCode.PROTOCOL_ERROR, 'status before hello');
        this.status = { ...this.status, ...withoutType(message) };
        return;
      case MessageType.session: {
        for (const client of this.clients) {
          if (client.connectionId !== message.connectionId) continue;
          client.kind = message.event === 'opened' ? message.kind : 'ssh';
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

  private async onHello(message: Extract<ControlMessage, { type: 'hello' }>): Promise<void> {
    if (this.id !== undefined) return this.refuse(RelayErrorCode.PROTOCOL_ERROR, 'hello sent twice');
    clearTimeout(this.helloTimer);
    const { requestedId, resumeSecret } = message;
    const admission = this.deps.admit?.(message.token, requestedId);
    if (admission && !admission.ok) {
      this.deps.stats.countHandshakeFailure('token');
      return this.refuse(RelayErrorCode.UNAUTHORIZED, admission.reason);
    }
    if (!this.deps.hasRoomForAgent()) {
      this.deps.stats.countHandshakeFailure('max_agents');
      return this.refuse(RelayErrorCode.LIMIT_REACHED, 'the relay holds as many agents as it may (--max-agents)');
    }
    const resumeVerified = requestedId !== undefined && resumeSecret !== undefined && this.deps.secrets.verify(requestedId, resumeSecret);
    const claim = await this.deps.registry.claim({ requestedId, resumeVerified }, this);
    if (this.ws.readyState !== this.ws.OPEN) {
      await this.deps.registry.release(claim.id, this);
      return;
    }
    this.id = claim.id;
    this.info = message.agent;
    this.deps.stats.agentJoined(claim.idSource);
    this.send({
      type: MessageType.welcome,
      id: claim.id,
      idSource: claim.idSource,
      resumeSecret: this.deps.secrets.issue(claim.id),
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
    for (const connectionId of this.waiting) {
      this.deps.failConnection(connectionId, RelayErrorCode.AGENT_GONE, 'the agent disconnected');
    }
    this.waiting.clear();
    if (this.id !== undefined) {
      this.deps.stats.agentLeft();
      await this.deps.registry.release(this.id, this);
      this.deps.log.info('agent left', { id: this.id, code });
    }
    this.deps.onClose(this);
  }
}

function withoutType(message: StatusMessage): Status {
  const { type: _type, ...rest } = message;
  return rest;
}

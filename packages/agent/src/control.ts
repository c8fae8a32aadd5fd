// The control websocket to the relay: challenge -> signed hello -> welcome, `open` requests, heartbeats,
// silence detection and reconnects with backoff that reclaim the same id (the host key's signature
// proves it is ours). Data sockets live elsewhere and survive reconnects.
import {
  agentUrl, type AgentInfo, type ControlMessage, decodeMessage, DEFAULT_HEARTBEAT_MS, decodeHttpError, describeConnectError, encodeMessage,
  escapeControl, MAX_CONTROL_MESSAGE_BYTES, MessageType, type OpenMessage, relayErrorForCloseCode, type RelayUrl, type WelcomeMessage,
} from '@converge/protocol';
import WebSocket from 'ws';
import { AgentError, AgentErrorCode } from './errors';
import type { Logger } from './log';
import { attemptFailure, type AttemptFailure, backoffDelay, isTransientCode } from './control-policy';

export interface RelayControlOptions {
  readonly relay: RelayUrl;
  readonly agent: AgentInfo;
  readonly requestedId?: string;
  /** Sent in every hello when the relay requires agent tokens. */
  readonly token?: string;
  /** The host key's public line and its signature over the claim for the relay's nonce. */
  readonly signClaim: (nonce: string, requestedId: string | undefined) => { hostKey: string; signature: string };
  readonly log: Logger;
  /** Each welcome, the first and every one after a reconnect. */
  readonly onWelcome: (welcome: WelcomeMessage) => void;
  readonly onOpen: (open: OpenMessage) => void;
  /** The control connection dropped after a welcome; reconnecting follows. */
  readonly onLost?: () => void;
  readonly handshakeTimeoutMs?: number;
  readonly random?: () => number;
}

const SILENCE_FACTOR = 2.5;

export class RelayControl {
  private ws: WebSocket | undefined;
  private id: string | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;
  private resolveEnded!: (error: AgentError | undefined) => void;
  /** Resolves when the control connection ends for good: undefined after close(), or the refusal. */
  readonly ended = new Promise<AgentError | undefined>((resolve) => (this.resolveEnded = resolve));

  constructor(private readonly options: RelayControlOptions) {}

  /** First connection: resolves on welcome; rejects RELAY_UNREACHABLE (exit 3), RELAY_TLS (4) or RELAY_REJECTED (6). */
  async start(): Promise<WelcomeMessage> {
    try {
      return await this.connect(this.options.requestedId);
    } catch (failure) {
      const f = failure as AttemptFailure;
      this.closed = true;
      throw new AgentError(f.rejected ? AgentErrorCode.RELAY_REJECTED : f.tls ? AgentErrorCode.RELAY_TLS : AgentErrorCode.RELAY_UNREACHABLE, f.message);
    }
  }

  /** Sends a message if the control socket is up (an `open-failed`, say); otherwise drops it. */
  send(message: ControlMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeMessage(message));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.stopTimers();
    this.ws?.close(1000, 'agent shutting down');
    this.resolveEnded(undefined);
  }

  private connect(requestedId: string | undefined): Promise<WelcomeMessage> {
    const { log, relay } = this.options;
    return new Promise<WelcomeMessage>((resolve, reject) => {
      const ws = new WebSocket(agentUrl(relay), {
        perMessageDeflate: false,
        maxPayload: MAX_CONTROL_MESSAGE_BYTES,
        handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000,
      });
      this.ws = ws;
      let welcomed = false;
      let refusal: AttemptFailure | undefined;
      const fail = (failure: AttemptFailure): void => {
        refusal ??= failure;
      };
      ws.on('unexpected-response', (req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body = (body + chunk).slice(0, 4096)));
        res.on('end', () => {
          const relayError = decodeHttpError(body);
          const status = res.statusCode ?? 0;
          fail(attemptFailure(status === 401 || status === 403, `relay answered HTTP ${status}${relayError ? ` ${relayError.code}: ${escapeControl(relayError.message)}` : ''}`));
          req.destroy();
          ws.terminate();
        });
        res.on('error', () => ws.terminate());
      });
      ws.on('error', (error) => {
        const failure = describeConnectError(error as NodeJS.ErrnoException, agentUrl(relay));
        fail({ ...attemptFailure(false, failure.message), tls: failure.kind === 'tls' });
      });
      ws.on('open', () => this.armSilence(DEFAULT_HEARTBEAT_MS));
      ws.on('ping', () => this.armSilence());
      ws.on('pong', () => this.armSilence());
      ws.on('message', (data, isBinary) => {
        this.armSilence();
        let message: ControlMessage;
        try {
          message = decodeMessage(isBinary ? new Uint8Array(data as Buffer) : String(data));
        } catch (error) {
          log.warn(`relay sent a bad control message (${escapeControl((error as Error).message)}); ignored`);
          return;
        }
        if (message.type === MessageType.challenge) {
          const proof = this.options.signClaim(message.nonce, requestedId);
          ws.send(encodeMessage({ type: MessageType.hello, agent: this.options.agent, requestedId, ...proof, token: this.options.token }));
        } else if (message.type === MessageType.welcome) {
          welcomed = true;
          this.id = message.id;
          this.attempt = 0;
          this.startHeartbeat(message.heartbeatMs);
          resolve(message);
          this.options.onWelcome(message);
        } else if (message.type === MessageType.error) {
          const transient = isTransientCode(message.code);
          fail(attemptFailure(!transient, `relay ${transient ? 'closed the connection' : 'refused this agent'}: ${escapeControl(message.code)}: ${escapeControl(message.message)}`));
          ws.close(1000);
        } else if (message.type === MessageType.open && welcomed) {
          this.options.onOpen(message);
        } else if (message.type === MessageType.heartbeat && !message.reply) {
          this.send({ type: MessageType.heartbeat, sentAt: message.sentAt, reply: true });
        }
      });
      ws.on('close', (code, reason) => {
        if (this.ws === ws) this.stopTimers();
        const closeError = relayErrorForCloseCode(code);
        const why = escapeControl(reason.toString());
        if (closeError && !isTransientCode(closeError)) fail(attemptFailure(true, `relay refused this agent: ${closeError}${why ? `: ${why}` : ''}`));
        const failure = refusal ?? attemptFailure(false, `relay connection closed (code ${code}${why ? ` ${why}` : ''})`);
        if (!welcomed) return reject(failure);
        if (this.closed) return;
        if (failure.rejected) return this.endWith(failure);
        log.warn(`relay connection lost (${failure.message}); reconnecting`);
        this.options.onLost?.();
        this.scheduleReconnect();
      });
    });
  }

  private endWith(failure: AttemptFailure): void {
    this.options.log.error(failure.message);
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.resolveEnded(new AgentError(AgentErrorCode.RELAY_REJECTED, failure.message));
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.attempt++, this.options.random ?? Math.random);
    this.retryTimer = setTimeout(() => {
      if (this.closed) return;
      this.connect(this.id).then(
        () => this.options.log.info(`relay connection restored (id ${this.id})`),
        (failure: AttemptFailure) => {
          if (this.closed) return;
          if (failure.rejected) return this.endWith(failure);
          this.options.log.debug(`reconnect failed: ${failure.message}`);
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  private startHeartbeat(heartbeatMs: number): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => this.send({ type: MessageType.heartbeat, sentAt: Date.now() }), heartbeatMs);
    this.armSilence(heartbeatMs);
  }

  private silenceMs = DEFAULT_HEARTBEAT_MS;

  /** Nothing at all (message, ping, pong) for 2.5 heartbeats: the socket is dead even if TCP says not. */
  private armSilence(heartbeatMs?: number): void {
    if (heartbeatMs !== undefined) this.silenceMs = heartbeatMs;
    clearTimeout(this.silenceTimer);
    const ws = this.ws;
    this.silenceTimer = setTimeout(() => {
      this.options.log.debug(`no word from the relay for ${SILENCE_FACTOR * this.silenceMs} ms`);
      ws?.terminate();
    }, SILENCE_FACTOR * this.silenceMs);
  }

  private stopTimers(): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.silenceTimer);
  }
}

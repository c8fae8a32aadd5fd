// Control messages between an agent and the relay, over the agent's control websocket. Every message is
// one JSON text frame carrying the protocol version `v` and a `type`. The field tables in codec.ts are
// the single description of what each message may hold.

/** 2: ids are claimed with a signature by the agent's host key over the relay's challenge (no resume secrets). */
export const PROTOCOL_VERSION = 2;

export const MessageType = {
  /** relay -> agent, first message: a fresh nonce the agent signs in its hello. */
  challenge: 'challenge',
  /** agent -> relay, answer to the challenge: who I am, which id I would like, proof of my host key. */
  hello: 'hello',
  /** relay -> agent: the id actually assigned (held for this host key). */
  welcome: 'welcome',
  /** relay -> agent: a client is waiting; open a data websocket for this connection id. */
  open: 'open',
  /** agent -> relay: the agent will not or cannot open that connection. */
  openFailed: 'open-failed',
  /** either way: keepalive with the sender's clock, answered by the other side. */
  heartbeat: 'heartbeat',
  /** relay -> agent: a refusal or fault; the relay closes the socket after it. */
  error: 'error',
  /** agent -> relay: job state, expiry and hold, for the sessions page and metrics (partial updates). */
  status: 'status',
  /** agent -> relay: an SSH session on one connection opened or closed, and of what kind. */
  session: 'session',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export interface AgentInfo {
  readonly hostname: string;
  readonly os: string;
  readonly arch: string;
  readonly user: string;
  readonly cwd: string;
  readonly version: string;
}

export interface ChallengeMessage {
  readonly type: typeof MessageType.challenge;
  /** 32 random bytes, base64url. */
  readonly nonce: string;
}

export interface HelloMessage {
  readonly type: typeof MessageType.hello;
  readonly agent: AgentInfo;
  readonly requestedId?: string;
  /** The agent's SSH host key: `ssh-ed25519 <base64 blob>`. An id is held for this key. */
  readonly hostKey: string;
  /** base64 ed25519 signature by the host key over claimPayload(nonce, requestedId). */
  readonly signature: string;
  readonly token?: string;
}

export interface WelcomeMessage {
  readonly type: typeof MessageType.welcome;
  readonly id: string;
  /** `requested`: the agent's own id; `generated`: a new one (none asked, or the one asked is held by
   *  another host key); `resumed`: the id this host key held before a reconnect. */
  readonly idSource: 'requested' | 'generated' | 'resumed';
  readonly heartbeatMs: number;
  readonly requestedId?: string;
  /** Relay policy: false forbids shells (and exec) on every agent; absent means allowed. */
  readonly allowShell?: boolean;
  /** Relay policy: false forbids port forwarding on every agent; absent means allowed. */
  readonly allowForwarding?: boolean;
}

export interface OpenMessage {
  readonly type: typeof MessageType.open;
  readonly connectionId: string;
  readonly clientAddress?: string;
}

export interface OpenFailedMessage {
  readonly type: typeof MessageType.openFailed;
  readonly connectionId: string;
  readonly reason: string;
}

export interface HeartbeatMessage {
  readonly type: typeof MessageType.heartbeat;
  readonly sentAt: number;
  readonly reply?: boolean;
}

export interface ErrorMessage {
  readonly type: typeof MessageType.error;
  readonly code: string;
  readonly message: string;
}

export type JobStateName = 'none' | 'running' | 'succeeded' | 'failed';

export interface StatusMessage {
  readonly type: typeof MessageType.status;
  readonly jobState?: JobStateName;
  readonly jobCommand?: string;
  readonly jobExitCode?: number;
  /** When the agent will end if nothing happens (ms since the epoch); 0 = no expiry known. */
  readonly expiresAt?: number;
  readonly hold?: boolean;
}

export type SessionKindName = 'shell' | 'exec' | 'sftp' | 'forward';

export interface SessionMessage {
  readonly type: typeof MessageType.session;
  /** The connection (data socket) the session runs on. */
  readonly connectionId: string;
  /** `authenticated`: the connection logged in (kind is then `shell` and meaningless); the relay stops
   *  counting it as an anonymous connection. */
  readonly event: 'opened' | 'closed' | 'authenticated';
  readonly kind: SessionKindName;
}

export type ControlMessage =
  | ChallengeMessage
  | HelloMessage
  | WelcomeMessage
  | OpenMessage
  | OpenFailedMessage
  | HeartbeatMessage
  | ErrorMessage
  | StatusMessage
  | SessionMessage;

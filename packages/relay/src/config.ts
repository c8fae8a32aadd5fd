// The relay's configuration: a typed object with defaults and one validator. The CLI builds it from
// argv and the environment; nothing else reads either.
import { DEFAULT_HEARTBEAT_MS, DEFAULT_OPEN_TIMEOUT_MS, MAX_DATA_FRAME_BYTES, normalizeBasePath } from '@converge/protocol';
import { RelayConfigError } from './errors';
import type { LogFormat, LogLevel } from './log';

export interface RelayConfig {
  readonly host: string;
  readonly port: number;
  /** Path prefix when the relay is served below one (`/converge`); '' at the root. */
  readonly basePath: string;
  /** Ping interval for every websocket; a peer that misses a pong for one interval is dropped. */
  readonly heartbeatMs: number;
  /** How long a client waits for its agent to open the data socket. */
  readonly openTimeoutMs: number;
  /** How long a connection may take to send its HTTP request headers (half-open handshakes). */
  readonly handshakeTimeoutMs: number;
  /** How long an agent's id stays reserved for its host key after its control socket drops. */
  readonly resumeGraceMs: number;
  /** A pipe whose both ends stopped reading for this long is dropped. */
  readonly stallTimeoutMs: number;
  readonly maxDataFrameBytes: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** How many proxies in front of the relay append to X-Forwarded-For (0: believe no forwarded header). */
  readonly trustProxy: number;
  /** Token for the sessions data (/api/sessions and its events); made at start when not given. */
  readonly adminToken?: string;
  /** When set, agents must present a token signed with (or equal to) this secret. */
  readonly agentTokenSecret?: string;
  /** PEM files; both or neither. Reloaded when they change. */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** 0 = no limit. */
  readonly maxAgents: number;
  readonly maxClientsPerAgent: number;
  readonly maxConnectionsPerAddress: number;
  /** Relay policy sent to every agent. */
  readonly allowShell: boolean;
  readonly allowForwarding: boolean;
  readonly statsd?: { readonly host: string; readonly port: number; readonly prefix: string };
  /** Share the rendez-vous with other relays through this Redis (`redis://` or `rediss://`). */
  readonly redisUrl?: string;
  /** This relay's URL as the other relays reach it; default http(s)://HOST:PORT when bound to one address. */
  readonly advertiseUrl?: string;
  /** How long a fleet claim lives unless its relay refreshes it (every third of it). */
  readonly claimTtlMs: number;
}

export const DEFAULT_RELAY_CONFIG: RelayConfig = {
  host: '0.0.0.0',
  port: 8000,
  basePath: '',
  heartbeatMs: DEFAULT_HEARTBEAT_MS,
  openTimeoutMs: DEFAULT_OPEN_TIMEOUT_MS,
  handshakeTimeoutMs: 10_000,
  resumeGraceMs: 5 * 60_000,
  stallTimeoutMs: 5 * 60_000,
  claimTtlMs: 30_000,
  maxDataFrameBytes: MAX_DATA_FRAME_BYTES,
  logLevel: 'info',
  logFormat: 'text',
  trustProxy: 0,
  maxAgents: 10_000,
  maxClientsPerAgent: 32,
  maxConnectionsPerAddress: 256,
  allowShell: true,
  allowForwarding: true,
};

const LOG_LEVELS: readonly string[] = ['error', 'warn', 'info', 'debug'];

/** Fills defaults and checks every field; throws RelayConfigError naming the first bad one. */
export function resolveRelayConfig(input: Partial<RelayConfig>): RelayConfig {
  const config: { -readonly [K in keyof RelayConfig]: RelayConfig[K] } = { ...DEFAULT_RELAY_CONFIG, ...stripUndefined(input) };
  const fail = (field: string, why: string): never => {
    throw new RelayConfigError(`${field}: ${why}`);
  };
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) fail('port', 'must be 0-65535');
  if (!config.host) fail('host', 'must not be empty');
  try {
    config.basePath = normalizeBasePath(config.basePath);
  } catch (error) {
    fail('base path', (error as Error).message);
  }
  if (!(config.heartbeatMs >= 100)) fail('heartbeat', 'must be at least 100ms');
  if (!(config.openTimeoutMs >= 100)) fail('open timeout', 'must be at least 100ms');
  if (!(config.handshakeTimeoutMs >= 100)) fail('handshake timeout', 'must be at least 100ms');
  if (!(config.resumeGraceMs >= 0)) fail('resume grace', 'must not be negative');
  if (!(config.stallTimeoutMs >= 100)) fail('stall timeout', 'must be at least 100ms');
  if (!(config.claimTtlMs >= 1000)) fail('fleet claim ttl', 'must be at least 1s');
  if (!Number.isInteger(config.trustProxy) || config.trustProxy < 0 || config.trustProxy > 16) fail('trust proxy', 'must be a number of proxies, 0-16');
  if (!(config.maxDataFrameBytes >= 64 * 1024)) fail('max frame', 'must be at least 64 KiB');
  if (!LOG_LEVELS.includes(config.logLevel)) fail('log level', `must be one of ${LOG_LEVELS.join(', ')}`);
  if (config.logFormat !== 'text' && config.logFormat !== 'json') fail('log format', 'must be text or json');
  if (Boolean(config.tlsCert) !== Boolean(config.tlsKey)) fail('tls', '--tls-cert and --tls-key go together');
  for (const field of ['maxAgents', 'maxClientsPerAgent', 'maxConnectionsPerAddress'] as const) {
    if (!Number.isInteger(config[field]) || config[field] < 0) fail(field, 'must be a whole number (0 = no limit)');
  }
  if (config.adminToken === '') fail('admin token', 'must not be empty');
  if (config.agentTokenSecret === '') fail('agent token secret', 'must not be empty');
  if (config.statsd && !(config.statsd.port > 0 && config.statsd.port < 65536)) fail('statsd port', 'must be 1-65535');
  if (config.redisUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(config.redisUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) fail('redis', 'expected redis://[user:pass@]host:port[/db] or rediss://...');
    const anyAddress = config.host === '0.0.0.0' || config.host === '::';
    if (config.advertiseUrl === undefined && anyAddress) fail('advertise url', 'with --redis and --host 0.0.0.0, say how the other relays reach this one: --advertise-url http://HOST:PORT');
  }
  if (config.advertiseUrl !== undefined && !/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(config.advertiseUrl)) fail('advertise url', 'expected http(s)://HOST:PORT[/base]');
  return config;
}

function stripUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;
}

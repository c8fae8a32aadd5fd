// converge-relay's command lines (the server and `token`) -> config, on @converge/cli-kit: the option
// tables with their CONVERGE_* variables, and the conversion of text to numbers, durations and yes/no.
import { CommandLineError, parseCommandLine, parseYesNo, type CommandLine, type OptionTable } from '@converge/cli-kit';
import { isValidId, parseDuration } from '@converge/protocol';
import type { RelayConfig } from '../config';
import type { LogFormat, LogLevel } from '../log';
import { mintAgentToken } from '../tokens';
import { VERSION } from '../version';
import { TOKEN_HELP } from './help';

/** A command line the relay cannot use; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const RELAY_OPTIONS = {
  config: { type: 'string', env: ['CONVERGE_RELAY_CONFIG'] },
  host: { type: 'string', env: ['CONVERGE_RELAY_HOST'] },
  port: { type: 'string', env: ['CONVERGE_RELAY_PORT', 'PORT'] },
  'base-path': { type: 'string', env: ['CONVERGE_RELAY_BASE_PATH'] },
  'trust-proxy': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'admin-token': { type: 'string', env: ['CONVERGE_ADMIN_TOKEN'] },
  'agent-token-secret': { type: 'string', env: ['CONVERGE_AGENT_TOKEN_SECRET'] },
  'allow-shell': { type: 'string' },
  'allow-forwarding': { type: 'string' },
  'max-agents': { type: 'string' },
  'max-clients-per-agent': { type: 'string' },
  'max-connections-per-address': { type: 'string' },
  'max-message-size': { type: 'string' },
  heartbeat: { type: 'string' },
  'open-timeout': { type: 'string' },
  'handshake-timeout': { type: 'string' },
  'resume-grace': { type: 'string' },
  'stall-timeout': { type: 'string' },
  redis: { type: 'string', env: ['CONVERGE_REDIS_URL'] },
  'advertise-url': { type: 'string', env: ['CONVERGE_ADVERTISE_URL'] },
  'fleet-claim-ttl': { type: 'string' },
  'statsd-host': { type: 'string' },
  'statsd-port': { type: 'string' },
  'statsd-prefix': { type: 'string' },
  'log-level': { type: 'string', env: ['CONVERGE_LOG_LEVEL'] },
  'log-format': { type: 'string', env: ['CONVERGE_LOG_FORMAT'] },
} as const satisfies OptionTable;

export const TOKEN_OPTIONS = {
  secret: { type: 'string', env: ['CONVERGE_AGENT_TOKEN_SECRET'] },
  id: { type: 'string' },
  ttl: { type: 'string' },
} as const satisfies OptionTable;

type Parsed = Extract<CommandLine, { kind: 'values' }>;

function parse(program: string, options: OptionTable, argv: string[], env: NodeJS.ProcessEnv, extra: { commands?: string[]; configFile?: boolean } = {}): Exclude<CommandLine, Parsed> | Parsed {
  try {
    return parseCommandLine({ program, options, ...extra }, argv, env);
  } catch (error) {
    if (error instanceof CommandLineError) throw new UsageError(error.message);
    throw error;
  }
}

/** Reads one option as text and names where a bad value came from (flag, variable or config file). */
function reader(parsed: Parsed) {
  const text = (name: string): string | undefined => parsed.values[name] as string | undefined;
  const where = (name: string): string => {
    const source = parsed.sources[name] ?? `--${name}`;
    return source.startsWith('-') || /^[A-Z_]+$/.test(source) ? source : `--${name} (in ${source})`;
  };
  return {
    text,
    duration(name: string): number | undefined {
      const value = text(name);
      if (value === undefined) return undefined;
      const ms = parseDuration(value);
      if (ms === undefined) throw new UsageError(`${where(name)}: not a duration: ${value}`);
      return ms;
    },
    count(name: string): number | undefined {
      const value = text(name);
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(value)) throw new UsageError(`${where(name)}: not a whole number: ${value}`);
      return Number(value);
    },
    port(name: string): number | undefined {
      const value = text(name);
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(value)) throw new UsageError(`${where(name)}: not a port number: ${value}`);
      return Number(value);
    },
    yesNo(name: string): boolean | undefined {
      const value = text(name);
      if (value === undefined) return undefined;
      const yes = parseYesNo(value);
      if (yes !== undefined) return yes;
      throw new UsageError(`${where(name)}: expected yes or no, got ${value}`);
    },
  };
}

export type RelayCommand = Partial<RelayConfig> | 'help' | 'version' | { readonly completion: string };

export function parseRelayArgs(argv: string[], env: NodeJS.ProcessEnv): RelayCommand {
  const parsed = parse('converge-relay', RELAY_OPTIONS, argv, env, { commands: ['token'], configFile: true });
  if (parsed.kind === 'help' || parsed.kind === 'version') return parsed.kind;
  if (parsed.kind === 'completion') return { completion: parsed.text };
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument: ${parsed.positionals[0]}`);
  const read = reader(parsed);
  const statsdHost = read.text('statsd-host');
  return {
    host: read.text('host'),
    port: read.port('port'),
    basePath: read.text('base-path'),
    trustProxy: read.count('trust-proxy'),
    tlsCert: read.text('tls-cert'),
    tlsKey: read.text('tls-key'),
    adminToken: read.text('admin-token'),
    agentTokenSecret: read.text('agent-token-secret'),
    allowShell: read.yesNo('allow-shell'),
    allowForwarding: read.yesNo('allow-forwarding'),
    maxAgents: read.count('max-agents'),
    maxClientsPerAgent: read.count('max-clients-per-agent'),
    maxConnectionsPerAddress: read.count('max-connections-per-address'),
    maxDataFrameBytes: read.count('max-message-size'),
    heartbeatMs: read.duration('heartbeat'),
    openTimeoutMs: read.duration('open-timeout'),
    handshakeTimeoutMs: read.duration('handshake-timeout'),
    resumeGraceMs: read.duration('resume-grace'),
    stallTimeoutMs: read.duration('stall-timeout'),
    redisUrl: read.text('redis'),
    advertiseUrl: read.text('advertise-url'),
    claimTtlMs: read.duration('fleet-claim-ttl'),
    statsd: statsdHost ? { host: statsdHost, port: read.port('statsd-port') ?? 8125, prefix: read.text('statsd-prefix') ?? 'converge.' } : undefined,
    logLevel: read.text('log-level') as LogLevel | undefined,
    logFormat: read.text('log-format') as LogFormat | undefined,
  };
}

/** `converge-relay token ...`: the minted token, or this subcommand's help. */
export function mintFromArgs(argv: string[], env: NodeJS.ProcessEnv, now = Date.now()): string {
  const parsed = parse('converge-relay token', TOKEN_OPTIONS, argv, env);
  if (parsed.kind === 'help') return TOKEN_HELP.trimEnd();
  if (parsed.kind === 'version') return VERSION;
  if (parsed.kind !== 'values') throw new UsageError('token: completion is not a token option (converge-relay completion)');
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument: ${parsed.positionals[0]}`);
  const read = reader(parsed);
  const secret = read.text('secret');
  const id = read.text('id');
  if (!secret) throw new UsageError('token: --secret (or CONVERGE_AGENT_TOKEN_SECRET) is required');
  if (id !== undefined && !isValidId(id)) throw new UsageError(`token: --id: ${id} is not a valid id`);
  return mintAgentToken(secret, { id, ttlMs: read.duration('ttl'), now });
}

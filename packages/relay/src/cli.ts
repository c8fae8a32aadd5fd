// converge-relay: argv and environment -> RelayConfig -> startRelay, and errors -> exit codes.
import { parseArgs } from 'node:util';
import { exitCodeHelp, isValidId, parseDuration } from '@converge/protocol';
import type { RelayConfig } from './config';
import { RelayExitCode } from './errors';
import { createLogger, type LogFormat, type LogLevel } from './log';
import { startRelay } from './server';
import { mintAgentToken } from './tokens';
import { VERSION } from './version';

const HELP = `Usage: converge-relay [options]
       converge-relay token --secret S [--id ID] [--ttl D]

Matches Converge agents (in CI jobs) with people's ssh clients by id and pipes the encrypted SSH bytes
between them. It never sees a key or a keystroke. Serves the usage page at / and live sessions at
/sessions.

Options:
  --host HOST                  address to listen on (default 0.0.0.0)     env CONVERGE_RELAY_HOST
  --port PORT                  port, 0 = any free one (default 8000)      env CONVERGE_RELAY_PORT, PORT
  --base-path PATH             serve everything below PATH, e.g. /converge env CONVERGE_RELAY_BASE_PATH
  --trust-proxy N              N proxies in front of the relay append to X-Forwarded-For; the client
                               is the entry N places from the right (default 0: the TCP peer)
  --tls-cert FILE              serve HTTPS/WSS with this PEM certificate (reloaded when it changes)
  --tls-key FILE               ... and this PEM key
  --admin-token T              token for the sessions data (/api/sessions, its events); without one
                               the relay makes one and prints the sessions URL with it
                                                                           env CONVERGE_ADMIN_TOKEN
  --agent-token-secret S       agents must present a token signed with S (HS256 JWT) or S itself
                                                                           env CONVERGE_AGENT_TOKEN_SECRET
  --allow-shell yes|no         no: agents refuse shells and commands (default yes)
  --allow-forwarding yes|no    no: agents refuse port forwarding (default yes)
  --max-agents N               agents at once, 0 = no limit (default 10000)
  --max-clients-per-agent N    clients of one agent at once (default 32)
  --max-connections-per-address N
                               open agent and client sockets from one address (default 256)
  --max-message-size BYTES     largest websocket frame on a data socket (default 1048576)
  --heartbeat D                websocket ping interval; a peer that misses one is dropped (default 20s)
  --open-timeout D             how long a client waits for its agent (default 10s)
  --handshake-timeout D        how long a connection may take to send its request headers (default 10s)
  --resume-grace D             how long a dropped agent's id stays reserved for its host key (default 5m)
  --stall-timeout D            drop a connection whose both ends stopped reading for D (default 5m)
  --redis URL                  share the rendez-vous with other relays through Redis:
                               redis://[user:pass@]host:port[/db] or rediss://...
                                                                           env CONVERGE_REDIS_URL
  --advertise-url URL          how the other relays reach this one, http(s)://HOST:PORT[/base]
                               (default: this relay's own URL when --host is one address)
                                                                           env CONVERGE_ADVERTISE_URL
  --fleet-claim-ttl D          a relay's claims on its agents' ids expire D after it stops refreshing
                               them (it died); its agents reclaim them elsewhere (default 30s)
  --statsd-host HOST           also send metrics to statsd at HOST
  --statsd-port PORT           statsd port (default 8125)
  --statsd-prefix P            statsd metric prefix (default converge.)
  --log-level LEVEL            error, warn, info or debug (default info)  env CONVERGE_LOG_LEVEL
  --log-format FORMAT          text or json (default text)                env CONVERGE_LOG_FORMAT
  -h, --help                   show this help
  -V, --version                show the version

converge-relay token mints an agent token for --agent-token-secret:
  --secret S                   the relay's agent token secret               env CONVERGE_AGENT_TOKEN_SECRET
  --id ID                      the token admits only an agent started with --id ID
  --ttl D                      the token expires after D (default: never)

Durations: 500ms, 30s, 10m, 1h, 1h30m, or a number of seconds.

Several relays behind one load balancer (no sticky sessions) share the rendez-vous with --redis: an
agent, its data sockets and its people may land on different relays and still meet; relays forward
between themselves. /healthz says whether Redis is reachable; /metrics carry a relay label.

Endpoints (below the base path):
  /                            usage page: the exact commands for a CI job and for the person
  /sessions                    live list of agents and their clients
  /api/commands, /api/sessions, /api/sessions/events (server-sent events)
  /healthz, /readyz, /metrics  liveness, readiness, Prometheus metrics
  /agent, /client/<id>, /data/<connection>   websockets of agents, people, and agents' data
  /fleet/data/<connection>     a relay linking an agent's data socket to the relay its client is on

${exitCodeHelp([0, 1, 2, 9], { 0: 'stopped by SIGINT or SIGTERM' })}
`;

class UsageError extends Error {}

function duration(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${name}: not a duration: ${value}`);
  return ms;
}

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name}: not a whole number: ${value}`);
  return Number(value);
}

function yesNo(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (/^(yes|true|on|1)$/i.test(value)) return true;
  if (/^(no|false|off|0)$/i.test(value)) return false;
  throw new UsageError(`--${name}: expected yes or no, got ${value}`);
}

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'base-path': { type: 'string' },
  'trust-proxy': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'admin-token': { type: 'string' },
  'agent-token-secret': { type: 'string' },
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
  redis: { type: 'string' },
  'advertise-url': { type: 'string' },
  'fleet-claim-ttl': { type: 'string' },
  'statsd-host': { type: 'string' },
  'statsd-port': { type: 'string' },
  'statsd-prefix': { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

export function parseRelayArgs(argv: string[], env: NodeJS.ProcessEnv): Partial<RelayConfig> | 'help' | 'version' {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  if (values.help) return 'help';
  if (values.version) return 'version';
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const portText = values.port ?? env.CONVERGE_RELAY_PORT ?? env.PORT;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !Number.isInteger(port)) throw new UsageError(`--port: not a port number: ${portText}`);
  const statsdHost = values['statsd-host'];
  return {
    host: values.host ?? env.CONVERGE_RELAY_HOST,
    port,
    basePath: values['base-path'] ?? env.CONVERGE_RELAY_BASE_PATH,
    trustProxy: count('trust-proxy', values['trust-proxy']),
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
    adminToken: values['admin-token'] ?? env.CONVERGE_ADMIN_TOKEN,
    agentTokenSecret: values['agent-token-secret'] ?? env.CONVERGE_AGENT_TOKEN_SECRET,
    allowShell: yesNo('allow-shell', values['allow-shell']),
    allowForwarding: yesNo('allow-forwarding', values['allow-forwarding']),
    maxAgents: count('max-agents', values['max-agents']),
    maxClientsPerAgent: count('max-clients-per-agent', values['max-clients-per-agent']),
    maxConnectionsPerAddress: count('max-connections-per-address', values['max-connections-per-address']),
    maxDataFrameBytes: count('max-message-size', values['max-message-size']),
    heartbeatMs: duration('heartbeat', values.heartbeat),
    openTimeoutMs: duration('open-timeout', values['open-timeout']),
    handshakeTimeoutMs: duration('handshake-timeout', values['handshake-timeout']),
    resumeGraceMs: duration('resume-grace', values['resume-grace']),
    stallTimeoutMs: duration('stall-timeout', values['stall-timeout']),
    redisUrl: values.redis ?? (env.CONVERGE_REDIS_URL || undefined),
    advertiseUrl: values['advertise-url'] ?? (env.CONVERGE_ADVERTISE_URL || undefined),
    claimTtlMs: duration('fleet-claim-ttl', values['fleet-claim-ttl']),
    statsd: statsdHost
      ? { host: statsdHost, port: count('statsd-port', values['statsd-port']) ?? 8125, prefix: values['statsd-prefix'] ?? 'converge.' }
      : undefined,
    logLevel: (values['log-level'] ?? env.CONVERGE_LOG_LEVEL) as LogLevel | undefined,
    logFormat: (values['log-format'] ?? env.CONVERGE_LOG_FORMAT) as LogFormat | undefined,
  };
}

export const TOKEN_HELP = `Usage: converge-relay token --secret S [--id ID] [--ttl D]

Mints an agent token for a relay started with --agent-token-secret S, and prints it. Agents pass it
with --token or CONVERGE_TOKEN.

Options:
  --secret S    the relay's agent token secret                           env CONVERGE_AGENT_TOKEN_SECRET
  --id ID       the token admits only an agent started with --id ID
  --ttl D       the token expires after D (500ms, 30s, 10m, 1h, 1h30m; default: never)
  -h, --help    show this help

${exitCodeHelp([0, 2])}
`;

/** `converge-relay token ...`: the minted token, or this subcommand's help. */
export function mintFromArgs(argv: string[], env: NodeJS.ProcessEnv, now = Date.now()): string {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { secret: { type: 'string' }, id: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return TOKEN_HELP.trimEnd();
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const secret = values.secret ?? env.CONVERGE_AGENT_TOKEN_SECRET;
  if (!secret) throw new UsageError('token: --secret (or CONVERGE_AGENT_TOKEN_SECRET) is required');
  if (values.id !== undefined && !isValidId(values.id)) throw new UsageError(`token: --id: ${values.id} is not a valid id`);
  return mintAgentToken(secret, { id: values.id, ttlMs: duration('ttl', values.ttl), now });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let parsed: ReturnType<typeof parseRelayArgs>;
  try {
    if (argv[0] === 'token') return void process.stdout.write(`${mintFromArgs(argv.slice(1), process.env)}\n`);
    parsed = parseRelayArgs(argv, process.env);
  } catch (error) {
    process.stderr.write(`converge-relay: ${(error as Error).message}\nTry 'converge-relay --help'.\n`);
    process.exit(RelayExitCode.usage);
  }
  if (parsed === 'help') return void process.stdout.write(HELP);
  if (parsed === 'version') return void process.stdout.write(`${VERSION}\n`);
  const log = createLogger(parsed.logLevel ?? 'info', parsed.logFormat ?? 'text');
  let relay;
  try {
    relay = await startRelay(parsed, { log });
  } catch (error) {
    const exitCode = (error as { exitCode?: number }).exitCode ?? RelayExitCode.internal;
    process.stderr.write(`converge-relay: ${(error as Error).message}\n`);
    process.exit(exitCode);
  }
  const wsUrl = relay.url.replace(/^http/, 'ws');
  process.stdout.write(
    `Converge relay ${VERSION} listening on ${relay.url}\n` +
      `Agents: npx -y @converge/agent ${wsUrl}    Usage page: ${relay.url}/\n` +
      `Sessions (admin only, keep this link private): ${relay.sessionsUrl}\n`,
  );
  const stop = (signal: string) => {
    log.info(`received ${signal}`);
    void relay.close().then(() => process.exit(RelayExitCode.ok));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`converge-relay: internal error: ${error.stack ?? error.message}\n`);
    process.exit(RelayExitCode.internal);
  });
}

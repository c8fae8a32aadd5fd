// converge-relay: argv and environment -> RelayConfig -> startRelay, and errors -> exit codes.
import { parseArgs } from 'node:util';
import { parseDuration } from '@converge/protocol';
import type { RelayConfig } from './config';
import { RelayExitCode } from './errors';
import { createLogger, type LogFormat, type LogLevel } from './log';
import { startRelay } from './server';
import { VERSION } from './version';

const HELP = `Usage: converge-relay [options]

Matches Converge agents (in CI jobs) with people's ssh clients by id and pipes the encrypted SSH bytes
between them. It never sees a key or a keystroke.

Options:
  --host HOST            address to listen on (default 0.0.0.0)          env CONVERGE_RELAY_HOST
  --port PORT            port to listen on, 0 = any free one (default 8000)
                                                                          env CONVERGE_RELAY_PORT, PORT
  --base-path PATH       serve everything below PATH, e.g. /converge      env CONVERGE_RELAY_BASE_PATH
  --heartbeat D          websocket ping interval; a peer that misses one is dropped (default 20s)
  --open-timeout D       how long a client waits for its agent (default 10s)
  --resume-grace D       how long a disconnected agent's id stays reserved for it (default 5m)
  --resume-key KEY       key for agents' resume secrets; set it to keep ids across relay restarts
                         (default: random per process)                    env CONVERGE_RELAY_RESUME_KEY
  --log-level LEVEL      error, warn, info or debug (default info)        env CONVERGE_LOG_LEVEL
  --log-format FORMAT    text or json (default text)                      env CONVERGE_LOG_FORMAT
  -h, --help             show this help
  -V, --version          show the version

Durations: 500ms, 30s, 10m, 1h, 1h30m, or a number of seconds.

Endpoints (below the base path):
  /agent                 agents' control websockets
  /client/<id>           people's websockets (converge-wsproxy dials this)
  /data/<connection>     the websocket an agent opens for one waiting client
  /healthz, /readyz      liveness and readiness

Exit codes:
  0  stopped by SIGINT or SIGTERM
  1  internal error
  2  bad arguments
  3  cannot listen on the address or port
`;

class UsageError extends Error {}

function duration(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${name}: not a duration: ${value}`);
  return ms;
}

export function parseRelayArgs(argv: string[], env: NodeJS.ProcessEnv): Partial<RelayConfig> | 'help' | 'version' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'base-path': { type: 'string' },
      heartbeat: { type: 'string' },
      'open-timeout': { type: 'string' },
      'resume-grace': { type: 'string' },
      'resume-key': { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
    },
  });
  if (values.help) return 'help';
  if (values.version) return 'version';
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const portText = values.port ?? env.CONVERGE_RELAY_PORT ?? env.PORT;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !Number.isInteger(port)) throw new UsageError(`--port: not a port number: ${portText}`);
  return {
    host: values.host ?? env.CONVERGE_RELAY_HOST,
    port,
    basePath: values['base-path'] ?? env.CONVERGE_RELAY_BASE_PATH,
    heartbeatMs: duration('heartbeat', values.heartbeat),
    openTimeoutMs: duration('open-timeout', values['open-timeout']),
    resumeGraceMs: duration('resume-grace', values['resume-grace']),
    resumeKey: values['resume-key'] ?? env.CONVERGE_RELAY_RESUME_KEY,
    logLevel: (values['log-level'] ?? env.CONVERGE_LOG_LEVEL) as LogLevel | undefined,
    logFormat: (values['log-format'] ?? env.CONVERGE_LOG_FORMAT) as LogFormat | undefined,
  };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseRelayArgs>;
  try {
    parsed = parseRelayArgs(process.argv.slice(2), process.env);
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
  process.stdout.write(`Converge relay ${VERSION} listening on ${relay.url}\nAgents: converge-agent ${wsUrl}\n`);
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

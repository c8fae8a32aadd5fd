// converge-relay's --help texts, written by hand; args.test.ts checks them against the option tables.
import { exitCodeHelp } from '@converge/protocol';

export const HELP = `Usage: converge-relay [options]
       converge-relay token --secret S [--id ID] [--ttl D]
       converge-relay completion    print a bash or zsh completion script

Matches Converge agents (in CI jobs) with people's ssh clients by id and pipes the encrypted SSH bytes
between them. It never sees a key or a keystroke. Serves the usage page at / and live sessions at
/sessions.

Options:
  --config FILE                settings as a JSON object keyed by option name, e.g. {"port": 8443,
                               "redis": "redis://r:6379"}; flags and variables win over the file
                                                                           env CONVERGE_RELAY_CONFIG
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

export const TOKEN_HELP = `Usage: converge-relay token --secret S [--id ID] [--ttl D]

Mints an agent token for a relay started with --agent-token-secret S, and prints it. Agents pass it
with --token or CONVERGE_TOKEN.

Options:
  --secret S    the relay's agent token secret                           env CONVERGE_AGENT_TOKEN_SECRET
  --id ID       the token admits only an agent started with --id ID
  --ttl D       the token expires after D (500ms, 30s, 10m, 1h, 1h30m; default: never)
  -h, --help    show this help
  -V, --version show the version

${exitCodeHelp([0, 2])}
`;

// startRelay: the HTTP(S) server, its upgrade routing (agent control sockets, clients, data sockets),
// the plain HTTP endpoints, limits, and a graceful shutdown.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { matchRoute, RelayErrorCode, type RelayErrorCode as Code } from '@converge/protocol';
import { AgentSession } from './agent-session';
import { ConnectionBroker } from './broker';
import { type AcceptFrameSocket, acceptFrameSocket } from '@converge/websocket';
import { Fleet } from './fleet';
import { type RelayConfig, resolveRelayConfig } from './config';
import { RelayListenError } from './errors';
import { SnapshotEvents } from './events';
import { Heartbeat } from './heartbeat';
import { clientAddress, handleHttp } from './http-routes';
import { AddressLimiter, RefusalLog } from './limits';
import { type Logger, silentLogger } from './log';
import { InMemoryRegistry, type Registry } from './registry';
import { buildSnapshot } from './snapshot';
import { RelayStats } from './stats';
import { statsdSink } from './statsd';
import { createTlsServer } from './tls';
import { checkAgentToken } from './tokens';
import { createControlSocketServer, isWebSocketUpgrade, refuseUpgrade } from './upgrade';
import { VERSION } from './version';

export interface RelayOptions {
  readonly log?: Logger;
  /** A registry to use instead of the in-memory one (ignored with --redis, which brings its own). */
  readonly registry?: Registry;
}

export interface Relay {
  readonly config: RelayConfig;
  /** The token of the sessions page and API: --admin-token, or one made at start. */
  readonly adminToken: string;
  /** `<url>/sessions#token=...`: the sessions page, already carrying the admin token. */
  readonly sessionsUrl: string;
  /** `http(s)://HOST:PORT/base`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  readonly stats: RelayStats;
  readonly agents: ReadonlySet<AgentSession>;
  readonly server: Server;
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 2000;
const REQUEST_TIMEOUT_MS = 30_000;

export async function startRelay(input: Partial<RelayConfig> = {}, options: RelayOptions = {}): Promise<Relay> {
  const config = resolveRelayConfig(input);
  const log = options.log ?? silentLogger();
  const stats = new RelayStats();
  if (config.statsd) stats.addSink(statsdSink(config.statsd, log));
  const refusals = new RefusalLog(log);
  // Private by default: without --admin-token the sessions data still needs one, made here and printed.
  const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
  const controlSockets = createControlSocketServer();
  const acceptData: AcceptFrameSocket = (request, socket, head) => acceptFrameSocket(request, socket, head, config.maxDataFrameBytes, { recycledReads: true });
  const heartbeat = new Heartbeat(config.heartbeatMs, () => log.info('peer missed its heartbeat; dropped'));
  // Made once the port is bound (a fleet relay names itself by its URL); nothing is served before.
  let fleet: Fleet | undefined;
  let registry!: Registry;
  let broker!: ConnectionBroker;
  let advertised = '';
  stats.liveBytes = () => broker.liveBytes();
  stats.clientKinds = () => {
    const kinds = new Map<string, number>();
    for (const agent of agents) for (const client of agent.clients) kinds.set(client.kind, (kinds.get(client.kind) ?? 0) + 1);
    return kinds;
  };
  const agents = new Set<AgentSession>();
  const startedAt = new Date();
  const limiter = new AddressLimiter(config.maxConnectionsPerAddress);
  // In a fleet every entry names its relay (its advertised URL), this relay's own agents included.
  const relayInfo = () => ({ version: VERSION, startedAt, ...(fleet && { self: advertised }) });
  const localSummaries = () => buildSnapshot(agents, relayInfo()).agents;
  const snapshot = () => buildSnapshot(agents, relayInfo(), new Date(), fleet?.fleetSummaries());
  const events = new SnapshotEvents(snapshot);
  const secret = config.agentTokenSecret;
  let shuttingDown = false;

  const refuse = (socket: Duplex, code: Code, message: string, address: string): void => {
    stats.countUpgradeFailure(code);
    refusals.refused(code, address, { reason: message });
    refuseUpgrade(socket, code, message);
  };

  /** Counts a client or agent socket against its address's limit for as long as it is open. */
  const admitAddress = (socket: Duplex, address: string): boolean => {
    if (!limiter.acquire(address)) return false;
    socket.once('close', () => limiter.release(address));
    return true;
  };

  /** Nothing a peer sends may throw out of the upgrade handler: that would end the process. */
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (error) => log.debug('socket error', { error: error.message }));
    let address = request.socket.remoteAddress ?? 'unknown';
    try {
      address = clientAddress(config.trustProxy, request);
      routeUpgrade(request, socket, head, address);
    } catch (error) {
      // refuse() logs it, rate-limited per address: a flood of these must not flood the log.
      log.debug('upgrade failed', { error: (error as Error).message });
      refuse(socket, RelayErrorCode.BAD_REQUEST, 'malformed request', address);
    }
  };

  const routeUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer, address: string): void => {
    if (shuttingDown) return refuse(socket, RelayErrorCode.SHUTTING_DOWN, 'the relay is shutting down', address);
    const path = requestPath(request.url);
    if (path === undefined) return refuse(socket, RelayErrorCode.BAD_REQUEST, 'malformed request target', address);
    const route = matchRoute(path, config.basePath);
    if (route.kind === 'other') return refuse(socket, RelayErrorCode.NOT_FOUND, `no websocket endpoint at ${route.path}`, address);
    if (route.kind === 'invalid') return refuse(socket, RelayErrorCode.BAD_REQUEST, route.reason, address);
    if (!isWebSocketUpgrade(request)) return refuse(socket, RelayErrorCode.BAD_REQUEST, 'not a valid websocket upgrade', address);
    if (route.kind !== 'data' && route.kind !== 'fleet-data' && !admitAddress(socket, address)) {
      return refuse(socket, RelayErrorCode.LIMIT_REACHED, `too many connections from ${address} (--max-connections-per-address)`, address);
    }
    const failed = (error: Error) => {
      log.debug('upgrade failed', { error: error.message });
      refuse(socket, RelayErrorCode.INTERNAL, 'relay error', address);
    };
    switch (route.kind) {
      case 'agent':
        return controlSockets.handleUpgrade(request, socket, head, (ws) => {
          heartbeat.track(ws);
          const session = new AgentSession(ws, address, {
            registry,
            openTimeoutMs: config.openTimeoutMs,
            log,
            refusals,
            stats,
            heartbeatMs: config.heartbeatMs,
            allowShell: config.allowShell,
            allowForwarding: config.allowForwarding,
            admit: secret === undefined ? undefined : (token, requestedId) => checkAgentToken(secret, token, requestedId),
            hasRoomForAgent: () => config.maxAgents === 0 || stats.agentsConnected < config.maxAgents,
            failConnection: (connectionId, code, message) =>
              broker.isWaiting(connectionId) ? broker.fail(connectionId, code, message) : void fleet?.failRemote(connectionId, code, message),
            onClose: (closed) => {
              agents.delete(closed);
              if (closed.id !== undefined && registry.local(closed.id) === undefined) fleet?.agentLeft(closed.id);
            },
          });
          agents.add(session);
        });
      case 'client':
        return void broker.handleClient(request, socket, head, route.id, address).catch(failed);
      case 'data':
        return void broker.handleData(request, socket, head, route.connectionId).catch(failed);
      case 'fleet-data':
        if (!fleet || !broker.pairWith(route.connectionId, request, socket, head)) {
          return refuse(socket, RelayErrorCode.NOT_FOUND, 'no client is waiting here for this connection', address);
        }
        return;
    }
  };

  const routes = {
    basePath: config.basePath,
    version: VERSION,
    adminToken,
    trustProxy: config.trustProxy,
    tls: config.tlsCert !== undefined,
    stats,
    events,
    snapshot,
    isShuttingDown: () => shuttingDown,
    redisState: () => (fleet ? (fleet.redisUp ? 'up' : 'down') : undefined),
  };
  const onRequest = (request: IncomingMessage, response: import('node:http').ServerResponse) => {
    try {
      handleHttp(routes, request, response, clientAddress(config.trustProxy, request));
    } catch (error) {
      log.error('request failed', { error: (error as Error).message });
      if (!response.headersSent) response.writeHead(500).end();
    }
  };
  let stopWatching = () => undefined as void;
  let server: Server;
  if (config.tlsCert && config.tlsKey) {
    const tls = createTlsServer(config.tlsCert, config.tlsKey, onRequest, log, checkEvery(config));
    server = tls.server as unknown as Server;
    stopWatching = tls.stopWatching;
  } else {
    server = createServer({ connectionsCheckingInterval: checkEvery(config) }, onRequest);
  }
  // A handshake must arrive quickly: half-open requests would otherwise hold a socket for Node's
  // default 60 s each (thousands of them are cheap to send).
  server.headersTimeout = config.handshakeTimeoutMs;
  server.requestTimeout = Math.max(config.handshakeTimeoutMs, REQUEST_TIMEOUT_MS);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (error, socket) => {
    stats.countUpgradeFailure('malformed_http');
    log.debug('malformed HTTP request', { error: error.message });
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });
  await listen(server, config.host, config.port);
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.tlsCert ? 'https' : 'http'}://${shownHost}:${port}${config.basePath}`;
  advertised = config.advertiseUrl ?? url;
  if (config.redisUrl) {
    fleet = new Fleet(
      {
        redisUrl: config.redisUrl,
        self: advertised,
        resumeGraceMs: config.resumeGraceMs,
        openTimeoutMs: config.openTimeoutMs,
        maxPayload: config.maxDataFrameBytes,
        claimTtlMs: config.claimTtlMs,
      },
      {
        log,
        accept: acceptData,
        heartbeat,
        openLocal: (id, connectionId, clientAddress) => {
          const agent = registry.local(id) as AgentSession | undefined;
          agent?.requestOpen(connectionId, clientAddress);
          return agent !== undefined;
        },
        failLocal: (connectionId, code, message) => broker.fail(connectionId, code, message),
        localSummaries,
      },
    );
    stats.registry.setDefaultLabels({ relay: advertised });
  }
  registry = fleet?.registry ?? options.registry ?? new InMemoryRegistry({ resumeGraceMs: config.resumeGraceMs, maxReserved: Math.max(config.maxAgents, 1000) });
  broker = new ConnectionBroker({
    registry,
    accept: acceptData,
    heartbeat,
    log,
    refusals,
    stats,
    openTimeoutMs: config.openTimeoutMs,
    maxClientsPerAgent: config.maxClientsPerAgent,
    stallTimeoutMs: config.stallTimeoutMs,
    fleet,
  });

  const close = async (): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('relay shutting down', { agents: agents.size, clients: broker.activeCount });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    events.close();
    server.closeIdleConnections?.();
    broker.close();
    for (const agent of agents) agent.close(1001, 'relay shutting down');
    heartbeat.stop();
    stopWatching();
    const deadline = setTimeout(() => server.closeAllConnections?.(), SHUTDOWN_GRACE_MS);
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS + 100))]);
    clearTimeout(deadline);
    controlSockets.close();
    stats.close();
    await fleet?.close();
  };

  return {
    config,
    adminToken,
    sessionsUrl: `${url}/sessions#token=${adminToken}`,
    url,
    port,
    stats,
    agents,
    server,
    close,
  };
}

/** The path of a request target (origin form, or absolute form as proxies send it); undefined if malformed. */
export function requestPath(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://relay.invalid').pathname;
  } catch {
    return undefined;
  }
}

/** How often Node looks for connections past their header timeout (its default is every 30 s). */
function checkEvery(config: RelayConfig): number {
  return Math.min(1000, config.handshakeTimeoutMs);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(new RelayListenError(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

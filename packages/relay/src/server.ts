// startRelay: the HTTP server, its upgrade routing (agent control sockets, clients, data sockets), the
// plain HTTP endpoints, and a graceful shutdown.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { encodeHttpError, matchRoute, RelayErrorCode, type RelayErrorCode as Code, RELAY_ERRORS } from '@converge/protocol';
import { AgentSession } from './agent-session';
import { ConnectionBroker, type PendingClient } from './broker';
import { type RelayConfig, resolveRelayConfig } from './config';
import { RelayListenError } from './errors';
import { Heartbeat } from './heartbeat';
import { type Logger, silentLogger } from './log';
import { InMemoryRegistry, type Registry } from './registry';
import { ResumeSecrets } from './resume';
import { RelayStats } from './stats';
import { createSocketServers, isWebSocketUpgrade, peerAddress, refuseUpgrade } from './upgrade';

export interface RelayOptions {
  readonly log?: Logger;
  /** A shared registry; an in-memory one by default. */
  readonly registry?: Registry<PendingClient>;
}

export interface Relay {
  readonly config: RelayConfig;
  /** `http://HOST:PORT/base`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  readonly stats: RelayStats;
  readonly agents: ReadonlySet<AgentSession>;
  readonly server: Server;
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 2000;

export async function startRelay(input: Partial<RelayConfig> = {}, options: RelayOptions = {}): Promise<Relay> {
  const config = resolveRelayConfig(input);
  const log = options.log ?? silentLogger();
  const registry = options.registry ?? new InMemoryRegistry<PendingClient>(config.resumeGraceMs);
  const stats = new RelayStats();
  const secrets = new ResumeSecrets(config.resumeKey);
  const sockets = createSocketServers(config.maxDataFrameBytes);
  const heartbeat = new Heartbeat(config.heartbeatMs, () => log.info('peer missed its heartbeat; dropped'));
  const broker = new ConnectionBroker({ registry, wss: sockets.data, heartbeat, log, stats, openTimeoutMs: config.openTimeoutMs });
  const agents = new Set<AgentSession>();
  let shuttingDown = false;

  const refuse = (socket: Duplex, code: Code, message: string): void => {
    stats.countUpgradeFailure(code);
    log.info('upgrade refused', { code, reason: message });
    refuseUpgrade(socket, code, message);
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (error) => log.debug('socket error', { error: error.message }));
    if (shuttingDown) return refuse(socket, RelayErrorCode.SHUTTING_DOWN, 'the relay is shutting down');
    const route = matchRoute(pathOf(request), config.basePath);
    if (route.kind === 'other') return refuse(socket, RelayErrorCode.NOT_FOUND, `no websocket endpoint at ${route.path}`);
    if (route.kind === 'invalid') return refuse(socket, RelayErrorCode.BAD_REQUEST, route.reason);
    if (!isWebSocketUpgrade(request)) return refuse(socket, RelayErrorCode.BAD_REQUEST, 'not a valid websocket upgrade');
    const address = peerAddress(request);
    const failed = (error: Error) => {
      log.error('upgrade failed', { error: error.message });
      refuse(socket, RelayErrorCode.INTERNAL, 'relay error');
    };
    switch (route.kind) {
      case 'agent':
        return sockets.control.handleUpgrade(request, socket, head, (ws) => {
          heartbeat.track(ws);
          const session = new AgentSession(ws, address, {
            registry,
            secrets,
            log,
            stats,
            heartbeatMs: config.heartbeatMs,
            failConnection: (connectionId, code, message) => broker.fail(connectionId, code, message),
            onClose: (closed) => agents.delete(closed),
          });
          agents.add(session);
        });
      case 'client':
        return void broker.handleClient(request, socket, head, route.id, address).catch(failed);
      case 'data':
        return void broker.handleData(request, socket, head, route.connectionId).catch(failed);
    }
  };

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const path = pathOf(request);
    const route = path.startsWith(config.basePath) ? path.slice(config.basePath.length) || '/' : path;
    if (route === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (route === '/readyz') return sendJson(response, shuttingDown ? 503 : 200, { status: shuttingDown ? 'shutting down' : 'ready' });
    sendError(response, RelayErrorCode.NOT_FOUND, `nothing at ${path}`);
  };

  const server = createServer(onRequest);
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

  const close = async (): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('relay shutting down', { agents: agents.size, clients: broker.activeCount });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections?.();
    broker.close();
    for (const agent of agents) agent.close(1001, 'relay shutting down');
    heartbeat.stop();
    const deadline = setTimeout(() => server.closeAllConnections?.(), SHUTDOWN_GRACE_MS);
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS + 100))]);
    clearTimeout(deadline);
    sockets.control.close();
    sockets.data.close();
  };

  return {
    config,
    url: `http://${shownHost}:${port}${config.basePath}`,
    port,
    stats,
    agents,
    server,
    close,
  };
}

function pathOf(request: IncomingMessage): string {
  const raw = request.url ?? '/';
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
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

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}

function sendError(response: ServerResponse, code: Code, message: string): void {
  const text = encodeHttpError(code, message);
  response.writeHead(RELAY_ERRORS[code].status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

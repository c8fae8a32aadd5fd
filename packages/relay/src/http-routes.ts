// Plain HTTP endpoints below the base path: the usage page (/), the sessions page (/sessions), their
// JSON (/api/commands, /api/sessions, /api/sessions/events), health, readiness and Prometheus metrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { API_PATHS, encodeHttpError, RELAY_ERRORS, RelayErrorCode } from '@converge/protocol';
import { commandsResponse, pageHeaders, renderSessionsPage, renderUsagePage, WEB_PATHS } from '@converge/web';
import type { SnapshotEvents } from './events';
import type { RelayStats } from './stats';

export interface RouteContext {
  readonly basePath: string;
  readonly version: string;
  readonly adminToken: string;
  /** Proxies in front of the relay whose X-Forwarded-* headers are believed (0: none). */
  readonly trustProxy: number;
  readonly tls: boolean;
  readonly stats: RelayStats;
  readonly events: SnapshotEvents;
  readonly snapshot: () => unknown;
  readonly isShuttingDown: () => boolean;
  /** Fleet relays: whether Redis is reachable; undefined for a relay on its own. */
  readonly redisState?: () => 'up' | 'down' | undefined;
}

export function handleHttp(context: RouteContext, request: IncomingMessage, response: ServerResponse, address: string): void {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://relay.invalid');
  } catch {
    return sendError(response, RelayErrorCode.BAD_REQUEST, 'malformed request target');
  }
  const { basePath } = context;
  if (basePath && url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return sendError(response, RelayErrorCode.NOT_FOUND, `nothing at ${url.pathname}`);
  const route = url.pathname.slice(basePath.length) || '/';
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendError(response, RelayErrorCode.BAD_REQUEST, `${request.method} is not supported here`);
  switch (route) {
    case WEB_PATHS.usage: {
      const relay = publicUrls(context, request);
      return sendPage(response, pageHeaders('usage'), renderUsagePage({ relay, query: url.searchParams, version: context.version, basePath }));
    }
    case WEB_PATHS.commands:
      return sendJson(response, 200, commandsResponse(publicUrls(context, request), url.searchParams));
    case WEB_PATHS.sessions:
      return sendPage(response, pageHeaders('sessions'), renderSessionsPage({ basePath, version: context.version, tokenRequired: true }));
    case API_PATHS.sessions:
      if (!authorized(context, request, url)) return sendError(response, RelayErrorCode.UNAUTHORIZED, 'a valid admin token is needed');
      return sendJson(response, 200, context.snapshot());
    case API_PATHS.sessionEvents:
      if (!authorized(context, request, url)) return sendError(response, RelayErrorCode.UNAUTHORIZED, 'a valid admin token is needed');
      if (!context.events.subscribe(response, address)) return sendError(response, RelayErrorCode.LIMIT_REACHED, 'too many event streams from this address');
      return;
    case API_PATHS.health: {
      const redis = context.redisState?.();
      return sendJson(response, 200, { status: 'ok', ...(redis && { redis }) });
    }
    case API_PATHS.ready:
      return context.isShuttingDown() ? sendJson(response, 503, { status: 'shutting down' }) : sendJson(response, 200, { status: 'ready' });
    case API_PATHS.metrics:
      void context.stats.registry.metrics().then((text) => sendText(response, 200, context.stats.registry.contentType, text));
      return;
    default:
      return sendError(response, RelayErrorCode.NOT_FOUND, `nothing at ${url.pathname}`);
  }
}

/** The relay's own URLs as the person's browser reached it (forwarded headers only when trusted). */
export function publicUrls(context: Pick<RouteContext, 'trustProxy' | 'tls' | 'basePath'>, request: IncomingMessage): { httpBase: string; wsBase: string } {
  const forwarded = (name: string) => (context.trustProxy > 0 ? lastHeaderValue(request, name) : undefined);
  const proto = forwarded('x-forwarded-proto') ?? (context.tls ? 'https' : 'http');
  const host = forwarded('x-forwarded-host') ?? lastHeaderValue(request, 'host') ?? 'localhost';
  const secure = proto === 'https' || proto === 'wss';
  const safeHost = /^[A-Za-z0-9.:[\]-]+$/.test(host) ? host : 'localhost';
  return { httpBase: `${secure ? 'https' : 'http'}://${safeHost}${context.basePath}`, wsBase: `${secure ? 'wss' : 'ws'}://${safeHost}${context.basePath}` };
}

/**
 * The client's address. Behind `trustProxy` proxies, each appended the address it saw to
 * X-Forwarded-For, so the client is the entry `trustProxy` places from the right: entries left of it
 * were written by the client itself and prove nothing. Without trusted proxies: the TCP peer.
 */
export function clientAddress(trustProxy: number, request: IncomingMessage): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (trustProxy <= 0) return peer;
  const raw = request.headers['x-forwarded-for'];
  const entries = (Array.isArray(raw) ? raw.join(',') : raw ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) return peer;
  const entry = entries[Math.max(0, entries.length - trustProxy)]!;
  return /^[0-9A-Fa-f.:[\]]{2,64}$/.test(entry) ? entry : peer;
}

/** The value the nearest proxy set (the last one, when a header was sent several times or as a list). */
function lastHeaderValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[value.length - 1] : value;
  const last = text?.split(',').pop()?.trim();
  return last || undefined;
}

function authorized(context: RouteContext, request: IncomingMessage, url: URL): boolean {
  const header = request.headers.authorization;
  const given = header?.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token') ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(context.adminToken);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sendPage(response: ServerResponse, headers: Record<string, string>, body: string): void {
  response.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function sendText(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  response.end(body);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  sendText(response, status, 'application/json', JSON.stringify(body));
}

function sendError(response: ServerResponse, code: RelayErrorCode, message: string): void {
  sendText(response, RELAY_ERRORS[code].status, 'application/json', encodeHttpError(code, message));
}

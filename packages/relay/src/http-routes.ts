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
  readonly adminToken?: string;
  readonly trustProxy: boolean;
  readonly tls: boolean;
  readonly stats: RelayStats;
  readonly events: SnapshotEvents;
  readonly snapshot: () => unknown;
  readonly isShuttingDown: () => boolean;
}

export function handleHttp(context: RouteContext, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://relay.invalid');
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
      return sendPage(response, pageHeaders('sessions'), renderSessionsPage({ basePath, version: context.version, tokenRequired: context.adminToken !== undefined }));
    case API_PATHS.sessions:
      if (!authorized(context, request, url)) return sendError(response, RelayErrorCode.UNAUTHORIZED, 'a valid admin token is needed');
      return sendJson(response, 200, context.snapshot());
    case API_PATHS.sessionEvents:
      if (!authorized(context, request, url)) return sendError(response, RelayErrorCode.UNAUTHORIZED, 'a valid admin token is needed');
      return context.events.subscribe(response);
    case API_PATHS.health:
      return sendJson(response, 200, { status: 'ok' });
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
  const forwarded = (name: string) => (context.trustProxy ? firstHeader(request, name) : undefined);
  const proto = forwarded('x-forwarded-proto') ?? (context.tls ? 'https' : 'http');
  const host = forwarded('x-forwarded-host') ?? firstHeader(request, 'host') ?? 'localhost';
  const secure = proto === 'https' || proto === 'wss';
  const safeHost = /^[A-Za-z0-9.:[\]-]+$/.test(host) ? host : 'localhost';
  return { httpBase: `${secure ? 'https' : 'http'}://${safeHost}${context.basePath}`, wsBase: `${secure ? 'wss' : 'ws'}://${safeHost}${context.basePath}` };
}

/** The client's address: the TCP peer, or the first X-Forwarded-For entry behind a trusted proxy. */
export function clientAddress(trustProxy: boolean, request: IncomingMessage): string {
  const forwarded = trustProxy ? firstHeader(request, 'x-forwarded-for') : undefined;
  return forwarded ?? request.socket.remoteAddress ?? 'unknown';
}

function firstHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  const first = text?.split(',')[0]?.trim();
  return first || undefined;
}

function authorized(context: RouteContext, request: IncomingMessage, url: URL): boolean {
  if (context.adminToken === undefined) return true;
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

// URL paths of the relay, built and parsed in one place. A relay may sit under a base path
// (`https://ci.example.com/converge`); every route hangs below it:
//   <base>/agent            an agent's control websocket
//   <base>/client/<id>      a person's websocket (what wsproxy dials)
//   <base>/data/<connId>    the websocket an agent opens for one pending client
//   <base>/fleet/data/<connId>  a relay linking an agent's data socket that landed on it to the relay
//                           where the client waits (several relays sharing one rendez-vous)
import { ProtocolError, ProtocolErrorCode } from './errors';
import { isValidConnectionId, isValidId, validateId } from './ids';

export const ROUTES = { agent: 'agent', client: 'client', data: 'data', fleet: 'fleet' } as const;

export interface RelayUrl {
  /** `ws://host:port/base` or `wss://...`, no trailing slash. */
  readonly wsBase: string;
  /** The same place as http(s), for pages and the API. */
  readonly httpBase: string;
  /** `''` or `/base` without a trailing slash. */
  readonly basePath: string;
  readonly secure: boolean;
}

export type RouteMatch =
  | { readonly kind: 'agent' }
  | { readonly kind: 'client'; readonly id: string }
  | { readonly kind: 'data'; readonly connectionId: string }
  | { readonly kind: 'fleet-data'; readonly connectionId: string }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'other'; readonly path: string };

const SCHEMES: Record<string, { ws: string; http: string; secure: boolean }> = {
  'ws:': { ws: 'ws:', http: 'http:', secure: false },
  'http:': { ws: 'ws:', http: 'http:', secure: false },
  'wss:': { ws: 'wss:', http: 'https:', secure: true },
  'https:': { ws: 'wss:', http: 'https:', secure: true },
};
const BASE_PATH_PATTERN = /^(\/[A-Za-z0-9._~-]+)*$/;

function invalidUrl(input: string, why: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.INVALID_URL, `invalid relay URL ${JSON.stringify(input)}: ${why}`);
}

/** `'/'`, `''`, `'/x/'` and `'x'` become `''`, `''`, `'/x'`, `'/x'`; anything odd throws INVALID_URL. */
export function normalizeBasePath(path: string): string {
  let p = path.trim();
  if (p !== '' && !p.startsWith('/')) p = `/${p}`;
  p = p.replace(/\/+$/, '');
  if (!BASE_PATH_PATTERN.test(p)) throw invalidUrl(path, 'the base path may hold only letters, digits and . _ ~ -');
  return p;
}

function parseUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch (cause) {
    throw invalidUrl(input, 'not a URL (expected ws://, wss://, http:// or https://HOST[:PORT][/path])');
  }
  if (!SCHEMES[url.protocol]) throw invalidUrl(input, `scheme ${url.protocol} is not ws:, wss:, http: or https:`);
  if (url.username || url.password) throw invalidUrl(input, 'credentials in the URL are not supported');
  if (url.search || url.hash) throw invalidUrl(input, 'a query or fragment is not supported');
  return url;
}

function relayUrlOf(url: URL, basePath: string): RelayUrl {
  const scheme = SCHEMES[url.protocol]!;
  return {
    wsBase: `${scheme.ws}//${url.host}${basePath}`,
    httpBase: `${scheme.http}//${url.host}${basePath}`,
    basePath,
    secure: scheme.secure,
  };
}

/** Parses the relay's base URL as an agent is given it: ws, wss, http or https, with an optional path. */
export function parseRelayUrl(input: string): RelayUrl {
  const url = parseUrl(input);
  const match = /^(.*)\/(client|data)\/[^/]*\/?$/.exec(url.pathname);
  if (match) throw invalidUrl(input, `this is a ${match[2]} URL; give the relay's base URL (${url.protocol}//${url.host}${match[1]})`);
  return relayUrlOf(url, normalizeBasePath(decodeURIComponent(url.pathname)));
}

/**
 * Parses `ws(s)://HOST[:PORT][/base]/client/<id>` (http and https are accepted as their ws twins). The
 * last segment may also be `<id>.<suffix>`: an ssh_config block `Host *.converge` with
 * `ProxyCommand ... /client/%h` hands wsproxy `k3v9-x7qd-2mhp-tr8w.converge`; the suffix is dropped.
 */
export function parseClientUrl(input: string): { relay: RelayUrl; id: string } {
  const url = parseUrl(input);
  const match = /^(.*)\/client\/([^/]*)\/?$/.exec(url.pathname);
  if (!match) throw invalidUrl(input, 'expected ws(s)://HOST[:PORT][/base]/client/<id>');
  const id = validateId(decodeURIComponent(match[2]!).split('.')[0]!.toLowerCase());
  return { relay: relayUrlOf(url, normalizeBasePath(match[1]!)), id };
}

export function agentUrl(relay: RelayUrl): string {
  return `${relay.wsBase}/${ROUTES.agent}`;
}

export function clientUrl(relay: RelayUrl, id: string): string {
  return `${relay.wsBase}/${ROUTES.client}/${validateId(id)}`;
}

export function dataUrl(relay: RelayUrl, connectionId: string): string {
  if (!isValidConnectionId(connectionId)) throw invalidUrl(connectionId, 'not a connection id');
  return `${relay.wsBase}/${ROUTES.data}/${connectionId}`;
}

/** Which route a request path (query already removed) names, below `basePath`. */
export function matchRoute(pathname: string, basePath = ''): RouteMatch {
  if (basePath && pathname !== basePath && !pathname.startsWith(`${basePath}/`)) return { kind: 'other', path: pathname };
  const rest = pathname.slice(basePath.length) || '/';
  const parts = rest.split('/').slice(1);
  const [head, arg, ...extra] = parts;
  if (head === ROUTES.agent && parts.length === 1) return { kind: 'agent' };
  if (head === ROUTES.client && arg !== undefined && extra.length === 0) {
    return isValidId(arg) ? { kind: 'client', id: arg } : { kind: 'invalid', reason: 'invalid id in the client path' };
  }
  if (head === ROUTES.data && arg !== undefined && extra.length === 0) {
    return isValidConnectionId(arg)
      ? { kind: 'data', connectionId: arg }
      : { kind: 'invalid', reason: 'invalid connection id in the data path' };
  }
  if (head === ROUTES.fleet && arg === ROUTES.data && extra.length === 1) {
    return isValidConnectionId(extra[0]) ? { kind: 'fleet-data', connectionId: extra[0]! } : { kind: 'invalid', reason: 'invalid connection id in the fleet path' };
  }
  return { kind: 'other', path: rest };
}

/** The URL another relay dials to link a data socket to the client waiting at `relayWsBase`. */
export function fleetDataUrl(relayWsBase: string, connectionId: string): string {
  if (!isValidConnectionId(connectionId)) throw invalidUrl(connectionId, 'not a connection id');
  return `${relayWsBase}/${ROUTES.fleet}/${ROUTES.data}/${connectionId}`;
}

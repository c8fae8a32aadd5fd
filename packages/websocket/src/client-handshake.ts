// The client end of the opening handshake (RFC 6455 4.1) over node:http and node:https, for the agent's
// data sockets, wsproxy and relay-to-relay links. No subprotocol and no extension are asked for, so a
// server that agrees to one is refused.
import { randomBytes } from 'node:crypto';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { FrameSocket } from './frame-socket';
import { acceptKeyFor } from './server-handshake';

export interface ConnectOptions {
  /** Largest frame payload accepted from the server (close 1009 above it). */
  readonly maxFrameBytes: number;
  /** The whole handshake (TCP, TLS, HTTP) must finish within this. */
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** CA certificates for wss; Node's defaults when absent. */
  readonly ca?: string[];
  /** Gives up the dial (rejects with DIAL_ABORTED_MESSAGE, the connection is cut) when aborted before it opens. */
  readonly signal?: AbortSignal;
  /** Read into recycled arenas (FrameSocketOptions.recycledReads says when that is allowed). */
  readonly recycledReads?: boolean;
}

/** The server answered the upgrade with another status. The response is handed over unread (its body
 *  may say why); whoever catches this destroys it. */
export class UpgradeRefusedError extends Error {
  override readonly name = 'UpgradeRefusedError';
  constructor(
    readonly status: number,
    readonly response: IncomingMessage,
  ) {
    super(`the server answered HTTP ${status}, not a websocket`);
  }
}

/** What the handshake timeout says (protocol's describeConnectError sorts it as "unreachable"). */
export const HANDSHAKE_TIMEOUT_MESSAGE = 'Opening handshake has timed out';
/** What a dial given up through `signal` rejects with. */
export const DIAL_ABORTED_MESSAGE = 'the dial was given up';

/**
 * Opens a websocket to a ws://, wss://, http:// or https:// URL. Resolves with the socket paused, so
 * that nothing it received with the 101 is emitted before the caller listens: attach the listeners,
 * then call resume(). Rejects with UpgradeRefusedError, the network or TLS error, the timeout, or the abort.
 */
export function connectFrameSocket(url: string, options: ConnectOptions): Promise<FrameSocket> {
  const target = new URL(url);
  const secure = target.protocol === 'wss:' || target.protocol === 'https:';
  if (!secure && target.protocol !== 'ws:' && target.protocol !== 'http:') {
    return Promise.reject(new Error(`not a websocket URL: ${url}`));
  }
  const key = randomBytes(16).toString('base64');
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new Error(DIAL_ABORTED_MESSAGE));
  return new Promise((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)({
      host: target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: target.port || (secure ? 443 : 80),
      path: `${target.pathname}${target.search}`,
      headers: { ...options.headers, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' },
      ...(secure && options.ca && { ca: options.ca }),
    });
    let settled = false;
    function abort(): void {
      settle(new Error(DIAL_ABORTED_MESSAGE));
      request.destroy();
    }
    const settle = (error: Error | undefined, frames?: FrameSocket): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      if (error) reject(error);
      else resolve(frames!);
    };
    const timer = setTimeout(() => {
      settle(new Error(HANDSHAKE_TIMEOUT_MESSAGE));
      request.destroy();
    }, options.timeoutMs);
    signal?.addEventListener('abort', abort, { once: true });
    request.on('error', (error) => settle(error));
    request.on('response', (response) => {
      if (settled) return void response.destroy();
      settle(new UpgradeRefusedError(response.statusCode ?? 0, response));
    });
    request.on('upgrade', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      const refuse = (why: string) => {
        socket.destroy();
        settle(new Error(why));
      };
      if (settled) return void socket.destroy();
      if (response.headers['sec-websocket-accept'] !== acceptKeyFor(key)) return refuse('invalid Sec-WebSocket-Accept header');
      if (response.headers['sec-websocket-extensions'] || response.headers['sec-websocket-protocol']) {
        return refuse('the server agreed to an extension or subprotocol nobody asked for');
      }
      const frames = new FrameSocket(socket, { maxFrameBytes: options.maxFrameBytes, end: 'client', recycledReads: options.recycledReads });
      frames.pause();
      if (head.length > 0) socket.unshift(head);
      settle(undefined, frames);
    });
    request.end();
  });
}

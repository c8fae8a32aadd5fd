// wsproxy's exit codes and its one typed error. Each failure is one readable line on stderr.

export const ProxyExitCode = {
  /** The SSH session ended (either side closed normally). */
  ok: 0,
  internal: 1,
  /** Bad arguments, e.g. a URL that is not ws(s)://HOST/client/<id>. */
  usage: 2,
  /** The relay could not be reached: refused, no such host, timeout. */
  unreachable: 3,
  /** TLS failed: certificate not trusted, wrong host name, handshake error. */
  tls: 4,
  /** The relay has no agent with this id. */
  unknownId: 5,
  /** The relay refused the connection or failed it (token, limits, agent timeout, shutdown). */
  refused: 6,
  /** The connection was lost in the middle of the session. */
  lost: 7,
  /** The agent's host key is not the one given with --host-key (an impostor, or the wrong id). */
  hostKey: 8,
} as const;
export type ProxyExitCode = (typeof ProxyExitCode)[keyof typeof ProxyExitCode];

export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  constructor(
    message: string,
    readonly exitCode: ProxyExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

/** Sorts a connection error (before the websocket opened) into an exit code. */
export function classifyConnectError(error: NodeJS.ErrnoException, target: string): ProxyError {
  const code = error.code ?? '';
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code) || /certificate|SSL|TLS/i.test(error.message)) {
    return new ProxyError(`TLS failed for ${target}: ${error.message}`, ProxyExitCode.tls, { cause: error });
  }
  if (UNREACHABLE.has(code) || /handshake has timed out/.test(error.message)) {
    const why = code === 'ENOTFOUND' ? 'no such host' : code === 'ECONNREFUSED' ? 'connection refused' : error.message;
    return new ProxyError(`cannot reach the relay at ${target}: ${why}`, ProxyExitCode.unreachable, { cause: error });
  }
  return new ProxyError(`cannot connect to ${target}: ${error.message}`, ProxyExitCode.unreachable, { cause: error });
}

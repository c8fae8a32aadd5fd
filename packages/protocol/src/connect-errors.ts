// One readable line for a failed connection to a relay, the same in the agent and wsproxy, instead of
// Node's or OpenSSL's raw text ("ssl3_get_record:wrong version number").

export type ConnectFailureKind = 'tls' | 'unreachable' | 'other';

export interface ConnectFailure {
  readonly kind: ConnectFailureKind;
  readonly message: string;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);
const TLS_CODE = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH)/;

/** Sorts an error from connecting to `target` (a ws:// or wss:// URL) and says it in one line. */
export function describeConnectError(error: { code?: string; message: string }, target: string): ConnectFailure {
  const code = error.code ?? '';
  const text = error.message.split('\n')[0] ?? '';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long|unknown protocol/i.test(text)) {
    return { kind: 'tls', message: `TLS failed for ${target}: the relay does not speak TLS there (a plain relay is ws://, not wss://)` };
  }
  if (TLS_CODE.test(code) || /certificate|SSL|TLS/i.test(text)) {
    return { kind: 'tls', message: `TLS failed for ${target}: ${text}` };
  }
  if (UNREACHABLE.has(code) || /handshake has timed out/.test(text)) {
    const why = code === 'ENOTFOUND' ? 'no such host' : code === 'ECONNREFUSED' ? 'connection refused' : text;
    return { kind: 'unreachable', message: `cannot reach the relay at ${target}: ${why}` };
  }
  return { kind: 'other', message: `cannot connect to ${target}: ${text}` };
}

// Typed errors with stable codes, shared by every package so that a code means one thing everywhere.
// Relay refusals travel as an HTTP status on the upgrade, or as a websocket close code (4000-4999).

export const ProtocolErrorCode = {
  MALFORMED_MESSAGE: 'MALFORMED_MESSAGE',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  UNKNOWN_MESSAGE_TYPE: 'UNKNOWN_MESSAGE_TYPE',
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  INVALID_FIELD: 'INVALID_FIELD',
  INVALID_ID: 'INVALID_ID',
  INVALID_URL: 'INVALID_URL',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** Reasons the relay gives when it refuses or ends something; each has one HTTP status and close code. */
export const RelayErrorCode = {
  UNKNOWN_ID: 'UNKNOWN_ID',
  BAD_REQUEST: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  AGENT_TIMEOUT: 'AGENT_TIMEOUT',
  AGENT_GONE: 'AGENT_GONE',
  LIMIT_REACHED: 'LIMIT_REACHED',
  PROTOCOL_ERROR: 'PROTOCOL_ERROR',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  REGISTRY_UNAVAILABLE: 'REGISTRY_UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type RelayErrorCode = (typeof RelayErrorCode)[keyof typeof RelayErrorCode];

export const RELAY_ERRORS: Record<RelayErrorCode, { status: number; closeCode: number }> = {
  UNKNOWN_ID: { status: 404, closeCode: 4404 },
  BAD_REQUEST: { status: 400, closeCode: 4400 },
  NOT_FOUND: { status: 404, closeCode: 4405 },
  UNAUTHORIZED: { status: 401, closeCode: 4401 },
  FORBIDDEN: { status: 403, closeCode: 4403 },
  AGENT_TIMEOUT: { status: 504, closeCode: 4504 },
  AGENT_GONE: { status: 502, closeCode: 4502 },
  LIMIT_REACHED: { status: 429, closeCode: 4429 },
  PROTOCOL_ERROR: { status: 400, closeCode: 4002 },
  SHUTTING_DOWN: { status: 503, closeCode: 4503 },
  REGISTRY_UNAVAILABLE: { status: 503, closeCode: 4513 },
  INTERNAL: { status: 500, closeCode: 4500 },
};

export function isRelayErrorCode(value: unknown): value is RelayErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RELAY_ERRORS, value);
}

/** The relay error whose close code this is, if any. */
export function relayErrorForCloseCode(closeCode: number): RelayErrorCode | undefined {
  return (Object.keys(RELAY_ERRORS) as RelayErrorCode[]).find((c) => RELAY_ERRORS[c].closeCode === closeCode);
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  readonly closeCode = 4002;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export class RelayError extends Error {
  override readonly name = 'RelayError';
  readonly code: RelayErrorCode;
  readonly status: number;
  readonly closeCode: number;

  constructor(code: RelayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = RELAY_ERRORS[code].status;
    this.closeCode = RELAY_ERRORS[code].closeCode;
  }
}

/** The JSON body of an HTTP refusal: `{"error":{"code":"UNKNOWN_ID","message":"..."}}`. */
export function encodeHttpError(code: RelayErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** Reads an HTTP refusal body; anything else (an HTML page from a proxy, say) gives undefined. */
export function decodeHttpError(body: string): { code: RelayErrorCode; message: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (error && isRelayErrorCode(error.code) && typeof error.message === 'string') {
      return { code: error.code, message: error.message };
    }
  } catch {
    // not ours
  }
  return undefined;
}

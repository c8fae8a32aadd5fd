// Maps Node filesystem errors to SFTP v3 status codes and messages (the wording OpenSSH clients print).

/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02, section 7). */
export const STATUS = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

export type StatusCode = (typeof STATUS)[keyof typeof STATUS];

export interface SftpStatus {
  readonly code: StatusCode;
  readonly message: string;
}

/** A request the server refuses on purpose (bad handle, limit reached): never an fs error. */
export class SftpRequestError extends Error {
  readonly code: StatusCode;

  constructor(code: StatusCode, message: string) {
    super(message);
    this.name = 'SftpRequestError';
    this.code = code;
  }
}

// The same table as OpenSSH's errno_to_portable() (sftp-server.c), plus ENOTSUP.
const BY_ERRNO: Readonly<Record<string, StatusCode>> = {
  ENOENT: STATUS.NO_SUCH_FILE,
  ENOTDIR: STATUS.NO_SUCH_FILE,
  EBADF: STATUS.NO_SUCH_FILE,
  ELOOP: STATUS.NO_SUCH_FILE,
  EPERM: STATUS.PERMISSION_DENIED,
  EACCES: STATUS.PERMISSION_DENIED,
  EFAULT: STATUS.PERMISSION_DENIED,
  ENAMETOOLONG: STATUS.BAD_MESSAGE,
  EINVAL: STATUS.BAD_MESSAGE,
  ENOSYS: STATUS.OP_UNSUPPORTED,
  ENOTSUP: STATUS.OP_UNSUPPORTED,
  // Node's own argument checks (a NUL byte in a path, an offset out of range).
  ERR_INVALID_ARG_VALUE: STATUS.BAD_MESSAGE,
  ERR_INVALID_ARG_TYPE: STATUS.BAD_MESSAGE,
  ERR_OUT_OF_RANGE: STATUS.BAD_MESSAGE,
};

/** The messages OpenSSH's sftp-server sends for the same codes. */
const DEFAULT_MESSAGE: Readonly<Record<StatusCode, string>> = {
  0: 'Success',
  1: 'End of file',
  2: 'No such file',
  3: 'Permission denied',
  4: 'Failure',
  5: 'Bad message',
  6: 'No connection',
  7: 'Connection lost',
  8: 'Operation unsupported',
};

export function statusMessage(code: StatusCode): string {
  return DEFAULT_MESSAGE[code];
}

function errnoOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Turns anything a handler threw into the status to send; FAILURE keeps the error's own text. */
export function toSftpStatus(err: unknown): SftpStatus {
  if (err instanceof SftpRequestError) return { code: err.code, message: err.message };
  // A request whose fields run past its packet (wire.ts's SftpWireError).
  if (err instanceof Error && err.name === 'SftpWireError') return { code: STATUS.BAD_MESSAGE, message: DEFAULT_MESSAGE[STATUS.BAD_MESSAGE] };
  const errno = errnoOf(err);
  const code = errno === undefined ? undefined : BY_ERRNO[errno];
  if (code !== undefined) return { code, message: DEFAULT_MESSAGE[code] };
  const text = err instanceof Error ? err.message : String(err);
  return { code: STATUS.FAILURE, message: text || DEFAULT_MESSAGE[STATUS.FAILURE] };
}

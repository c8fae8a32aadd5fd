// Typed errors of the agent, each with a stable code and the process exit code the CLI maps it to.

/** Process exit codes of `converge-agent` (documented in --help). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  config: 2,
  unreachable: 3,
  rejected: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const AgentErrorCode = {
  /** A flag or config value is wrong: fix the command line. */
  BAD_ARGUMENT: 'BAD_ARGUMENT',
  /** No authorized key could be loaded: pass --authorized-keys or CONVERGE_AUTHORIZED_KEYS. */
  NO_AUTHORIZED_KEYS: 'NO_AUTHORIZED_KEYS',
  /** The relay could not be reached on the first attempt (refused, DNS, TLS, HTTP error). */
  RELAY_UNREACHABLE: 'RELAY_UNREACHABLE',
  /** The relay refused this agent (HTTP 401/403 on the upgrade, or an `error` message). */
  RELAY_REJECTED: 'RELAY_REJECTED',
  /** The --listen address could not be bound. */
  LISTEN_FAILED: 'LISTEN_FAILED',
  /** Anything else: a bug. */
  INTERNAL: 'INTERNAL',
} as const;
export type AgentErrorCode = (typeof AgentErrorCode)[keyof typeof AgentErrorCode];

const EXIT_CODES: Record<AgentErrorCode, ExitCode> = {
  BAD_ARGUMENT: ExitCode.config,
  NO_AUTHORIZED_KEYS: ExitCode.config,
  RELAY_UNREACHABLE: ExitCode.unreachable,
  RELAY_REJECTED: ExitCode.rejected,
  LISTEN_FAILED: ExitCode.config,
  INTERNAL: ExitCode.internal,
};

export class AgentError extends Error {
  override readonly name = 'AgentError';
  readonly code: AgentErrorCode;
  readonly exitCode: ExitCode;

  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.exitCode = EXIT_CODES[code];
  }
}

/** The exit code for any thrown value: AgentError knows its own, everything else is a bug. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof AgentError ? error.exitCode : ExitCode.internal;
}

/** One readable line from any thrown value (never a stack for expected errors). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

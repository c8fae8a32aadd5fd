// Typed errors of the agent, each with a stable code and the process exit code the CLI maps it to.

import { ExitCode as Shared } from '@converge/protocol';

/** The agent returns codes 0, 1, 2, 3, 4, 6 and 9 of the shared table (protocol's exit-codes.ts). */
export const ExitCode = {
  ok: Shared.ok,
  internal: Shared.internal,
  config: Shared.usage,
  unreachable: Shared.unreachable,
  tls: Shared.tls,
  rejected: Shared.refused,
  listen: Shared.listen,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const AgentErrorCode = {
  /** A flag or config value is wrong: fix the command line. */
  BAD_ARGUMENT: 'BAD_ARGUMENT',
  /** No authorized key could be loaded: pass --authorized-keys or CONVERGE_AUTHORIZED_KEYS. */
  NO_AUTHORIZED_KEYS: 'NO_AUTHORIZED_KEYS',
  /** The relay could not be reached on the first attempt (refused, DNS, HTTP error). */
  RELAY_UNREACHABLE: 'RELAY_UNREACHABLE',
  /** TLS to the relay failed on the first attempt (untrusted certificate, wrong name, wss:// to plain). */
  RELAY_TLS: 'RELAY_TLS',
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
  RELAY_TLS: ExitCode.tls,
  RELAY_REJECTED: ExitCode.rejected,
  LISTEN_FAILED: ExitCode.listen,
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

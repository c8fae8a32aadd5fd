// wsproxy's exit codes and its one typed error. Each failure is one readable line on stderr.
import { describeConnectError, ExitCode } from '@converge/protocol';

/** wsproxy returns codes 0-8 of the shared table (protocol's exit-codes.ts). */
export const ProxyExitCode = {
  ok: ExitCode.ok,
  internal: ExitCode.internal,
  usage: ExitCode.usage,
  unreachable: ExitCode.unreachable,
  tls: ExitCode.tls,
  unknownId: ExitCode.unknownId,
  refused: ExitCode.refused,
  lost: ExitCode.lost,
  hostKey: ExitCode.hostKey,
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

/** Sorts a connection error (before the websocket opened) into an exit code. */
export function classifyConnectError(error: NodeJS.ErrnoException, target: string): ProxyError {
  const failure = describeConnectError(error, target);
  const exitCode = failure.kind === 'tls' ? ProxyExitCode.tls : ProxyExitCode.unreachable;
  return new ProxyError(failure.message, exitCode, { cause: error });
}

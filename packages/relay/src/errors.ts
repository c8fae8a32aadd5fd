// Typed errors of the relay process itself (refusals sent to peers use protocol's RelayError).

import { ExitCode } from '@converge/protocol';

/** The relay returns codes 0, 1, 2 and 9 of the shared table (protocol's exit-codes.ts). */
export const RelayExitCode = {
  ok: ExitCode.ok,
  internal: ExitCode.internal,
  usage: ExitCode.usage,
  listen: ExitCode.listen,
} as const;

export class RelayConfigError extends Error {
  override readonly name = 'RelayConfigError';
  readonly code = 'CONFIG';
  readonly exitCode = RelayExitCode.usage;
}

export class RelayListenError extends Error {
  override readonly name = 'RelayListenError';
  readonly code = 'LISTEN';
  readonly exitCode = RelayExitCode.listen;
}

// Typed errors of the relay process itself (refusals sent to peers use protocol's RelayError).

export const RelayExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  listen: 3,
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

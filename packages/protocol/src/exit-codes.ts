// One exit-code table for converge-agent, converge-relay and converge-wsproxy: a number means the same
// thing whichever CLI returns it. Each CLI's --help lists the codes it can return, from this table; the
// README has the whole table.

export const ExitCode = {
  /** Normal end (for the agent and relay also SIGINT/SIGTERM). */
  ok: 0,
  /** An unexpected internal error: a bug. */
  internal: 1,
  /** Bad arguments or configuration (a flag, a URL, a file; for the agent also: no authorized keys). */
  usage: 2,
  /** The relay could not be reached: refused, unknown host, timeout. */
  unreachable: 3,
  /** TLS failed: certificate not trusted, wrong host name, a plain relay given as wss://. */
  tls: 4,
  /** The relay has no agent with this id. */
  unknownId: 5,
  /** The relay refused: token, limits, policy, or the agent did not answer. */
  refused: 6,
  /** The connection was lost during the session. */
  lost: 7,
  /** The agent's host key is not the one given. */
  hostKey: 8,
  /** Cannot listen on the address or port. */
  listen: 9,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What each code means, as --help and the README print it. */
export const EXIT_CODE_MEANINGS: Readonly<Record<ExitCode, string>> = {
  0: 'normal end',
  1: 'unexpected internal error',
  2: 'bad arguments or configuration',
  3: 'the relay could not be reached (refused, unknown host, timeout)',
  4: 'TLS failed (untrusted certificate, wrong host name, wss:// to a plain relay)',
  5: 'the relay has no agent with this id',
  6: 'refused by the relay (token, limits, policy, agent did not answer)',
  7: 'the connection was lost during the session',
  8: "the agent's host key is not the one given with --host-key",
  9: 'cannot listen on the address or port',
};

/**
 * The "Exit codes:" block of a CLI's --help: the codes it can return with their shared meaning, and
 * optional CLI-specific notes after a code's meaning.
 */
export function exitCodeHelp(codes: readonly ExitCode[], notes: Partial<Record<ExitCode, string>> = {}): string {
  const lines = codes.map((code) => `  ${String(code).padEnd(2)} ${EXIT_CODE_MEANINGS[code]}${notes[code] ? `; ${notes[code]}` : ''}`);
  return ['Exit codes (the same numbers in every Converge CLI):', ...lines].join('\n');
}

// Pure decisions of the relay connection: which failures are refusals (exit 6) and how long to wait
// before the next reconnect.
import { RelayErrorCode } from '@converge/protocol';

export interface AttemptFailure {
  /** A refusal: retrying will not help (bad token, forbidden). */
  readonly rejected: boolean;
  /** TLS failed (exit 4 on the first attempt). */
  readonly tls?: boolean;
  readonly message: string;
}

export function attemptFailure(rejected: boolean, message: string): AttemptFailure {
  return { rejected, message };
}

/** Relay error codes that pass by themselves; everything else is a refusal. */
const TRANSIENT: ReadonlySet<string> = new Set<string>([
  RelayErrorCode.SHUTTING_DOWN,
  RelayErrorCode.REGISTRY_UNAVAILABLE,
  RelayErrorCode.INTERNAL,
  RelayErrorCode.LIMIT_REACHED,
  RelayErrorCode.AGENT_TIMEOUT,
  RelayErrorCode.AGENT_GONE,
]);

export function isTransientCode(code: string): boolean {
  return TRANSIENT.has(code);
}

export const BACKOFF = { initialMs: 500, maxMs: 30_000 } as const;

/** 0.5 s doubling up to 30 s, with jitter in [50%, 100%] so a relay restart is not stormed. */
export function backoffDelay(attempt: number, random: () => number): number {
  const base = Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.5 + 0.5 * random()));
}

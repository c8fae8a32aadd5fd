// The lifecycle flags (--connect-timeout, --idle-timeout, --warn-at, --max-duration, --epilogue): their
// option table, defaults, validation and help text, kept out of cli-args/config so those stay small.
import type { OptionTable, OptionValues } from '@converge/cli-kit';
import { formatDuration, parseDuration } from '@converge/protocol';
import { AgentError, AgentErrorCode } from '../errors';
import type { LifecycleConfig } from './decisions';

/** As given by a caller: durations as text (`10m`, `90s`) or milliseconds. */
export interface LifecycleInput {
  readonly connectTimeout?: string | number;
  readonly idleTimeout?: string | number;
  /** `5m,1m,10s`, or a list of milliseconds; an empty string or list: no warnings. */
  readonly warnAt?: string | readonly number[];
  readonly maxDuration?: string | number;
  /** Hold from the start, as if `.hold` existed. */
  readonly hold?: boolean;
  /** Shell command run with `sh -c` after the agent (and the job, in run mode) ended, before exit. */
  readonly epilogue?: string;
  /** Repeat the ssh line in the job log this often while nobody is logged in; 0 = never. */
  readonly remindEvery?: string | number;
}

export interface LifecycleSettings extends LifecycleConfig {
  readonly epilogue?: string;
  readonly remindEveryMs: number;
}

export const LIFECYCLE_DEFAULTS = {
  connectTimeoutMs: 10 * 60_000,
  idleTimeoutMs: 10 * 60_000,
  warnAtMs: [5 * 60_000, 60_000, 10_000],
  remindEveryMs: 5 * 60_000,
} as const;

export const LIFECYCLE_OPTIONS = {
  'connect-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'warn-at': { type: 'string' },
  'max-duration': { type: 'string' },
  hold: { type: 'boolean' },
  epilogue: { type: 'string' },
  'remind-every': { type: 'string' },
} as const satisfies OptionTable;

export const LIFECYCLE_HELP = `Ending (durations: 500ms, 30s, 10m, 1h30m, or seconds):
  --connect-timeout D         nobody logged in within D after the agent is ready: exit 0 (default 10m)
  --idle-timeout D            no client input for D: exit 0, even with clients connected (default 10m).
                              Input is keystrokes or other data a client sends on a shell or command,
                              a new session, sftp or forward, a login, or creating/touching .hold
  --warn-at LIST              warn open terminals this long before the end (default 5m,1m,10s; '' = never)
  --max-duration D            hard cap on the wait from when it starts, whatever the hold (default none)
  --hold                      keep waiting after the last logout (until the idle timeout), as if
                              $agentdir/.hold existed for good
  --epilogue CMD              run CMD with sh -c after the agent (and the job) ended, before exiting;
                              its environment has CONVERGE_EXIT_CODE (the code about to be returned)
  --remind-every D            repeat the ssh line in the job log every D while nobody is logged in
                              (default 5m; 0 = never)
  A logout is a person ending an interactive shell (exit, logout, EOF): the agent exits 0 once the last
  shell ended that way and no exec or sftp session still runs. Exec, sftp, scp and forwards never end
  it, and a connection that drops (network, ssh or wsproxy killed, relay restarted) is not a logout:
  its shells keep running detached (their last 1 MiB of output kept) and the next interactive login
  re-attaches the most recent one (ssh -o SetEnv=CONVERGE_SHELL=new for a new shell, =<pid> for a
  given one). $agentdir/.hold (agentdir is set in every session) keeps it waiting for new logins after
  a logout, until the idle timeout; a .hold whose mtime is in the future holds until then:
  touch -d '+1 hour' $agentdir/.hold. Removing .hold after a logout exits 0 at once. The wait (and
  --max-duration) starts when the agent is ready; with run --when during, when the job ends. While a
  job runs nothing times out. SIGTERM or SIGINT (a cancelled job) tells open terminals, then exits 0.
`;

function bad(message: string): AgentError {
  return new AgentError(AgentErrorCode.BAD_ARGUMENT, message);
}

function durationMs(flag: string, value: string | number | undefined, fallback: number | undefined, allowZero = false): number | undefined {
  if (value === undefined) return fallback;
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || (ms === 0 && !allowZero)) {
    throw bad(`invalid --${flag} ${JSON.stringify(String(value))}: expected a duration like 30s, 10m or 1h`);
  }
  return ms;
}

function warnAtMs(value: string | readonly number[] | undefined): readonly number[] {
  if (value === undefined) return LIFECYCLE_DEFAULTS.warnAtMs;
  if (typeof value !== 'string') return value.map((ms) => durationMs('warn-at', ms, undefined)!);
  const parts = value.split(',').map((part) => part.trim()).filter((part) => part !== '');
  return parts.map((part) => durationMs('warn-at', part, undefined)!);
}

/** Fills defaults and validates; throws AgentError(BAD_ARGUMENT) with one readable line. */
export function resolveLifecycle(input: LifecycleInput | LifecycleSettings = {}): LifecycleSettings {
  // startAgent resolves its config again: settings already resolved pass through.
  if ('connectTimeoutMs' in input) return input;
  return {
    connectTimeoutMs: durationMs('connect-timeout', input.connectTimeout, LIFECYCLE_DEFAULTS.connectTimeoutMs)!,
    idleTimeoutMs: durationMs('idle-timeout', input.idleTimeout, LIFECYCLE_DEFAULTS.idleTimeoutMs)!,
    warnAtMs: warnAtMs(input.warnAt),
    maxDurationMs: durationMs('max-duration', input.maxDuration, undefined),
    hold: input.hold ?? false,
    epilogue: input.epilogue?.trim() ? input.epilogue : undefined,
    remindEveryMs: durationMs('remind-every', input.remindEvery, LIFECYCLE_DEFAULTS.remindEveryMs, true)!,
  };
}

/** Parsed flag values -> LifecycleInput (strings stay strings: resolveLifecycle reports bad ones). */
export function lifecycleInputFromArgs(values: OptionValues): LifecycleInput {
  const text = (name: keyof typeof LIFECYCLE_OPTIONS): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    connectTimeout: text('connect-timeout'),
    idleTimeout: text('idle-timeout'),
    warnAt: text('warn-at'),
    maxDuration: text('max-duration'),
    hold: values.hold === true,
    epilogue: text('epilogue'),
    remindEvery: text('remind-every'),
  };
}

/** `5m,1m,10s` for messages. */
export function describeWarnAt(warnAt: readonly number[]): string {
  return warnAt.map(formatDuration).join(',');
}

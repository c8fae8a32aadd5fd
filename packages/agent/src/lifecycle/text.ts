// Every line the lifecycle shows a person: terminal warnings before the end, the end itself (log and
// terminals), and the job greeting of a new terminal in run mode. Pure, short and exact.
import { formatDuration } from '@converge/protocol';
import type { JobReport } from '../job/spec';
import { EndReason, type ExpiryCause } from './decisions';
import type { LifecycleSettings } from './options';

const PREFIX = '[converge]';
export const EXTEND_HINT = "Press a key, or: touch -d '+1 hour' $agentdir/.hold";

/** Whole seconds, rounded (a timer a few ms early or late still says "1m"). */
function left(ms: number): string {
  return formatDuration(Math.max(1000, Math.round(ms / 1000) * 1000));
}

export function warningText(remainingMs: number, cause: ExpiryCause): string {
  const body =
    cause === 'max'
      ? `The agent exits in ${left(remainingMs)} (--max-duration); this cannot be extended.`
      : `The agent exits in ${left(remainingMs)} (${cause === 'hold' ? 'the .hold time ends' : 'idle'}). ${EXTEND_HINT}`;
  return `\r\n${PREFIX} ${body}\r\n`;
}

/** How long the relay was unreachable during the wait; `never`: it was down the whole time. */
export interface RelayDowntime {
  readonly downMs: number;
  readonly never: boolean;
}

/** The one log line when the agent ends on its own, with its true cause. */
export function endLine(reason: EndReason, settings: LifecycleSettings, relay: RelayDowntime = { downMs: 0, never: false }): string {
  switch (reason) {
    case EndReason.connectTimeout:
      if (relay.never) return `the relay could not be reached for the whole ${formatDuration(settings.connectTimeoutMs)} wait, so nobody could log in; exiting`;
      return `nobody logged in within ${formatDuration(settings.connectTimeoutMs)}${relay.downMs >= 1000 ? ` (the relay was unreachable for ${left(relay.downMs)} of it)` : ''}; exiting`;
    case EndReason.idleTimeout:
      return `no client input for ${formatDuration(settings.idleTimeoutMs)}; exiting`;
    case EndReason.maxDuration:
      return `--max-duration ${formatDuration(settings.maxDurationMs ?? 0)} reached; exiting`;
    case EndReason.lastLogout:
      return 'the last shell was ended by its person (exit, logout or EOF); exiting';
    case EndReason.holdRemoved:
      return '.hold removed after the last logout; exiting';
    case EndReason.holdExpired:
      return 'the .hold time has passed; exiting';
    case EndReason.nobodyWaiting:
      return 'the job ended and nobody is logged in or holding; exiting';
  }
}

export function endTerminalText(reason: EndReason, settings: LifecycleSettings, relay?: RelayDowntime): string {
  return `\r\n${PREFIX} ${endLine(reason, settings, relay).replace(/; exiting$/, '')}: the agent exits now.\r\n`;
}

/** The banner's line about holding, exactly as .hold and --hold behave; undefined when nothing holds. */
export function holdHint(holdFlag: boolean, holdFile: boolean): string | undefined {
  if (holdFlag) return 'Held by --hold: after you log out the agent waits for the next login, until the idle timeout.';
  if (holdFile) return 'Held by $agentdir/.hold: after you log out the agent waits for the next login, until the idle timeout (remove the file to end at logout).';
  return undefined;
}

/** The ssh line again, for a job log that buried the first one. */
export function reminderLine(sshCommand: string, expiresAt: number | undefined): string {
  const until = expiresAt ? ` (until ${new Date(expiresAt).toISOString()})` : '';
  return `Still waiting for a login${until}:\n\n  ${sshCommand}\n\n`;
}

/** Written to a new terminal before its shell starts, in run mode. */
export function jobGreeting(job: JobReport): string {
  const lines =
    job.state === 'running'
      ? [`The job is running: ${job.command}`]
      : [`The job ${job.state === 'failed' ? 'failed' : 'succeeded'}: ${job.command} exited with ${job.exitCode ?? '?'}.`];
  lines.push("Its output is in the CI job's log (passed through as it ran, not kept here).");
  return lines.map((line) => `${PREFIX} ${line}\r\n`).join('');
}

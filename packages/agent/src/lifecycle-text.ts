// Every line the lifecycle shows a person: terminal warnings before the end, the end itself (log and
// terminals), and the job greeting of a new terminal in run mode. Pure, short and exact.
import { formatDuration } from '@converge/protocol';
import type { JobReport } from './job-spec';
import { EndReason, type ExpiryCause } from './lifecycle';
import type { LifecycleSettings } from './lifecycle-options';

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

/** The one log line when the agent ends on its own. */
export function endLine(reason: EndReason, settings: LifecycleSettings): string {
  switch (reason) {
    case EndReason.connectTimeout:
      return `nobody logged in within ${formatDuration(settings.connectTimeoutMs)}; exiting`;
    case EndReason.idleTimeout:
      return `no client input for ${formatDuration(settings.idleTimeoutMs)}; exiting`;
    case EndReason.maxDuration:
      return `--max-duration ${formatDuration(settings.maxDurationMs ?? 0)} reached; exiting`;
    case EndReason.lastLogout:
      return 'the last client logged out; exiting';
    case EndReason.holdRemoved:
      return '.hold removed and nobody is logged in; exiting';
    case EndReason.holdExpired:
      return 'the .hold time has passed; exiting';
    case EndReason.nobodyWaiting:
      return 'the job ended and nobody is logged in or holding; exiting';
  }
}

export function endTerminalText(reason: EndReason, settings: LifecycleSettings): string {
  return `\r\n${PREFIX} ${endLine(reason, settings).replace(/; exiting$/, '')}: the agent exits now.\r\n`;
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

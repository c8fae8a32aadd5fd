// The short text an interactive shell shows before its prompt: which agent and job this is, how long it
// has left (when known), how to keep it, and where the authorized keys live. Written to the pty ahead of
// the shell rather than sent as the SSH auth banner: OpenSSH would print an auth banner on every
// connection (scp, sftp, rsync, ssh -L) and hides it at LogLevel=error, while this shows only where a
// person is typing.

export interface LoginBannerInfo {
  readonly id: string;
  readonly hostname: string;
  readonly cwd: string;
  readonly agentDir: string;
  /** authorized_keys files that can be edited from inside the session. */
  readonly keyFiles: readonly string[];
  /** When the agent will end if nothing happens (ms since the epoch), if it knows. */
  readonly expiresAt?: number;
  /** An extra line about holding, e.g. that .hold holds the agent now. */
  readonly holdHint?: string;
}

/** `1h 05m`, `4m 10s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Lines joined with CRLF (a raw pty wants it). */
export function formatLoginBanner(info: LoginBannerInfo, now = Date.now()): string {
  const lines = [`Converge ${info.id} on ${info.hostname}, in ${info.cwd}`];
  if (info.expiresAt !== undefined && info.expiresAt > 0) {
    lines.push(`This agent ends in ${formatDuration(info.expiresAt - now)} (at ${new Date(info.expiresAt).toISOString()}).`);
  }
  lines.push(`Your exit ends the agent; a dropped connection keeps this shell (ssh again to re-attach).`);
  lines.push(`To wait for another login after you exit: touch $agentdir/.hold   ($agentdir = ${info.agentDir})`);
  if (info.holdHint) lines.push(info.holdHint);
  if (info.keyFiles.length > 0) lines.push(`Authorized keys: ${info.keyFiles.join(', ')}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

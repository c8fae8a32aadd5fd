// The facts a person needs after each welcome (id, ssh command, host key) and the block printed on
// stdout. The ssh command must survive being pasted into a POSIX shell.
import { describeKey, type AuthorizedKey } from './auth/authorized-keys';
import { shellQuote } from './pty';

export interface AgentInfoFile {
  readonly id: string;
  /** The relay's ws base URL, or undefined when serving only on --listen. */
  readonly relayUrl: string | undefined;
  readonly clientUrl: string | undefined;
  readonly sshCommand: string;
  readonly user: string;
  readonly fingerprint: string;
  readonly knownHostsLine: string;
  readonly agentDir: string;
  /** The --listen address actually bound (port 0 resolved), if any. */
  readonly listen?: { readonly host: string; readonly port: number };
}

/** `ssh -o ProxyCommand='npx -y @converge/wsproxy URL' user@id`. */
export function relaySshCommand(clientUrl: string, user: string, id: string): string {
  return `ssh -o ProxyCommand=${shellQuote(`npx -y @converge/wsproxy ${clientUrl}`)} ${shellQuote(`${user}@${id}`)}`;
}

/** Direct TCP (no relay): the host key is pinned under the id with HostKeyAlias. */
export function directSshCommand(host: string, port: number, user: string, id: string): string {
  return `ssh -p ${port} -o HostKeyAlias=${id} ${shellQuote(`${user}@${host.includes(':') ? `[${host}]` : host}`)}`;
}

/** One line per key that may log in (type, fingerprint, comment, where it came from), at most `shown`. */
export function formatKeys(keys: readonly AuthorizedKey[], shown = 20): string[] {
  const lines = keys.slice(0, shown).map((key) => `  ${describeKey(key)}  [${key.source}]`);
  if (keys.length > shown) lines.push(`  ... and ${keys.length - shown} more`);
  return lines;
}

/** The ready block; `quiet` prints only the ssh command. */
export function formatBanner(info: AgentInfoFile, keys: readonly AuthorizedKey[], quiet: boolean): string {
  if (quiet) return `${info.sshCommand}\n`;
  const where = info.relayUrl ? `relay ${info.relayUrl}` : `listening on ${info.listen?.host}:${info.listen?.port}`;
  return [
    `Converge agent ${info.id} is ready (${where}).`,
    '',
    `  ${info.sshCommand}`,
    '',
    `Host key: ${info.fingerprint} (ED25519)`,
    `known_hosts: ${info.knownHostsLine}`,
    `Keys that may log in (${keys.length}):`,
    ...formatKeys(keys),
    '',
  ].join('\n');
}

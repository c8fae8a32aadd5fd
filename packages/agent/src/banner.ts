// The facts a person needs after each welcome (id, ssh command, host key) and the block printed on
// stdout. The ssh command must survive being pasted into a POSIX shell.
import { hostKeyAlias } from '@converge/protocol';
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

/**
 * `ssh -o ProxyCommand='npx -y @converge/wsproxy --host-key SHA256:.. URL' -o HostKeyAlias=.. -o
 * StrictHostKeyChecking=accept-new user@id`. wsproxy refuses any agent whose host key is not this one
 * (an impostor, even one the relay serves); ssh files the key under a name unique to it and checks its
 * signature. No prompt, and nothing to remove from known_hosts when a re-run brings a new key.
 */
export function relaySshCommand(clientUrl: string, user: string, id: string, fingerprint: string): string {
  const proxy = `npx -y @converge/wsproxy --host-key ${fingerprint} ${clientUrl}`;
  return `ssh -o ProxyCommand=${shellQuote(proxy)} -o HostKeyAlias=${shellQuote(hostKeyAlias(id, fingerprint))} -o StrictHostKeyChecking=accept-new ${shellQuote(`${user}@${id}`)}`;
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

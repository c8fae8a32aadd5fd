// The agent's configuration: a typed object with defaults and one validator. Core modules get a
// validated AgentConfig; only the CLI reads argv and the environment.
import { parseRelayUrl, ProtocolError, type RelayUrl, validateId } from '@converge/protocol';
import { FORGE_USER_PATTERN, FORGES } from './auth/url-key-source';
import { AgentError, AgentErrorCode } from './errors';
import { type LifecycleInput, type LifecycleSettings, resolveLifecycle } from './lifecycle';
import { isLogLevel, type LogLevel } from './log';
import { GATEWAY_PORTS, type GatewayPorts } from './forward/policy';
import type { SftpMode } from './sftp';

export const SFTP_MODES = ['auto', 'system', 'builtin'] as const satisfies readonly SftpMode[];
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** OpenSSH's default AcceptEnv for clients that send their locale; TERM comes from the pty request. */
export const DEFAULT_ACCEPT_ENV: readonly string[] = ['LANG', 'LC_*'];

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** What a caller gives startAgent; everything but `environment` has a default. */
export interface AgentConfigInput {
  /** Relay base URL (ws, wss, http or https). Optional only when `listen` is set. */
  readonly relayUrl?: string;
  /** The id to ask the relay for. */
  readonly id?: string;
  readonly authorizedKeysFiles?: readonly string[];
  /** authorized_keys text given inline (CONVERGE_AUTHORIZED_KEYS). */
  readonly authorizedKeysText?: string;
  /** Reload key files when they change. Default true. */
  readonly watchKeys?: boolean;
  /** Users whose https://github.com/NAME.keys may log in (--github-user). */
  readonly githubUsers?: readonly string[];
  readonly gitlabUsers?: readonly string[];
  /** Base URLs of the forges (tests point them at 127.0.0.1). */
  readonly githubUrl?: string;
  readonly gitlabUrl?: string;
  /** Port forwarding (-L, -D, -R); default true (--no-forwarding). */
  readonly forwarding?: boolean;
  /** Where `ssh -R` listens (OpenSSH's GatewayPorts); default 'no': loopback. */
  readonly gatewayPorts?: GatewayPorts;
  /** Client variables accepted (AcceptEnv patterns); default LANG, LC_*. Entries may be comma lists. */
  readonly acceptEnv?: readonly string[];
  /** Shells tried before the defaults (--shells zsh,bash,sh). */
  readonly shells?: readonly string[];
  /** dotenv-style file of more variables for every child (--env-file); --env wins over it. */
  readonly envFile?: string;
  /** Working directory of shells. Default: the agent's own. */
  readonly cwd?: string;
  /** The environment children start from (the CLI passes process.env). */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Extra `KEY=VALUE` for every child (--env). */
  readonly env?: readonly string[] | Readonly<Record<string, string>>;
  readonly sftp?: SftpMode;
  /** `HOST:PORT` or an object: also serve SSH on this TCP address. */
  readonly listen?: string | ListenAddress;
  readonly infoFile?: string;
  /** Admission token for relays started with --agent-token-secret. */
  readonly token?: string;
  readonly logLevel?: LogLevel;
  readonly quiet?: boolean;
  /** Login shell; default $SHELL of `environment`, else bash, else sh. */
  readonly shell?: string;
  /** Where the per-run agent directory is created. Default os.tmpdir(). */
  readonly agentDirParent?: string;
  /** SIGHUP -> SIGKILL grace for children of a closed session. */
  readonly killGraceMs?: number;
  readonly version?: string;
  /** Timeouts, warnings, hold and epilogue (lifecycle-options.ts). */
  readonly lifecycle?: LifecycleInput | LifecycleSettings;
}

export interface AgentConfig {
  readonly relay?: RelayUrl;
  readonly relayUrl?: string;
  readonly id?: string;
  readonly authorizedKeysFiles: readonly string[];
  readonly authorizedKeysText?: string;
  readonly watchKeys: boolean;
  readonly githubUsers: readonly string[];
  readonly gitlabUsers: readonly string[];
  readonly githubUrl: string;
  readonly gitlabUrl: string;
  readonly forwarding: boolean;
  readonly gatewayPorts: GatewayPorts;
  readonly acceptEnv: readonly string[];
  readonly shells: readonly string[];
  readonly envFile?: string;
  readonly cwd: string;
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly env: Readonly<Record<string, string>>;
  readonly sftp: SftpMode;
  readonly listen?: ListenAddress;
  readonly infoFile?: string;
  readonly token?: string;
  readonly logLevel: LogLevel;
  readonly quiet: boolean;
  readonly shell?: string;
  readonly agentDirParent?: string;
  readonly killGraceMs: number;
  readonly version: string;
  readonly lifecycle: LifecycleSettings;
}

/** This package's version, from its package.json (inlined by the bundler). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const AGENT_VERSION: string = (require('../package.json') as { version: string }).version;

export const CONFIG_DEFAULTS = {
  watchKeys: true,
  forwarding: true,
  githubUrl: FORGES.github.defaultUrl,
  gitlabUrl: FORGES.gitlab.defaultUrl,
  sftp: 'auto',
  logLevel: 'info',
  quiet: false,
  killGraceMs: 2000,
  version: AGENT_VERSION,
} as const;

function bad(message: string, cause?: unknown): AgentError {
  return new AgentError(AgentErrorCode.BAD_ARGUMENT, message, { cause });
}

/** `127.0.0.1:2222`, `[::1]:2222`, `localhost:0`. */
export function parseListen(value: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw bad(`invalid --listen ${JSON.stringify(value)}: expected HOST:PORT (port 0-65535)`);
  return { host: (m[1] ?? m[2])!, port };
}

/** `KEY=VALUE` pairs into an object; names must be valid shell variable names. */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq) : '';
    if (!ENV_NAME_PATTERN.test(name)) throw bad(`invalid --env ${JSON.stringify(pair)}: expected KEY=VALUE with KEY like [A-Za-z_][A-Za-z0-9_]*`);
    out[name] = pair.slice(eq + 1);
  }
  return out;
}

function forgeUsers(flag: string, users: readonly string[] | undefined): readonly string[] {
  for (const user of users ?? []) {
    if (!FORGE_USER_PATTERN.test(user)) throw bad(`invalid ${flag} ${JSON.stringify(user)}: expected a user name (letters, digits, '.', '_', '-')`);
  }
  return users ?? [];
}

function baseUrl(flag: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw bad(`invalid ${flag} ${JSON.stringify(value)}: expected an http(s) URL`);
  return value;
}

/** `zsh,bash` or ['zsh', 'bash'] entries: names or paths, no empties. */
function shellList(shells: readonly string[] | undefined): readonly string[] {
  const list = (shells ?? []).flatMap((entry) => entry.split(',')).map((s) => s.trim());
  if (list.some((s) => s === '')) throw bad('invalid --shells: expected a comma-separated list like zsh,bash,sh');
  return list;
}

/** Fills defaults and checks every value; throws AgentError(BAD_ARGUMENT) with one readable line. */
export function resolveAgentConfig(input: AgentConfigInput): AgentConfig {
  let relay: RelayUrl | undefined;
  if (input.relayUrl !== undefined) {
    try {
      relay = parseRelayUrl(input.relayUrl);
    } catch (error) {
      throw bad(error instanceof ProtocolError ? error.message : `invalid relay URL ${JSON.stringify(input.relayUrl)}`, error);
    }
  }
  const listen = typeof input.listen === 'string' ? parseListen(input.listen) : input.listen;
  if (!relay && !listen) throw bad('a relay URL is required (or --listen HOST:PORT to serve SSH without a relay)');
  if (input.id !== undefined) {
    try {
      validateId(input.id);
    } catch (error) {
      throw bad(`--id: ${(error as Error).message}`, error);
    }
  }
  const sftp = input.sftp ?? CONFIG_DEFAULTS.sftp;
  if (!SFTP_MODES.includes(sftp)) throw bad(`invalid --sftp ${JSON.stringify(sftp)}: use ${SFTP_MODES.join(', ')}`);
  const logLevel = input.logLevel ?? CONFIG_DEFAULTS.logLevel;
  if (!isLogLevel(logLevel)) throw bad(`invalid log level ${JSON.stringify(logLevel)}: use error, warn, info or debug`);
  const env = Array.isArray(input.env) ? parseEnvPairs(input.env as readonly string[]) : parseEnvPairs(Object.entries(input.env ?? {}).map(([k, v]) => `${k}=${v}`));
  const files = input.authorizedKeysFiles ?? [];
  const text = input.authorizedKeysText?.trim() ? input.authorizedKeysText : undefined;
  const githubUsers = forgeUsers('--github-user', input.githubUsers);
  const gitlabUsers = forgeUsers('--gitlab-user', input.gitlabUsers);
  if (files.length === 0 && !text && githubUsers.length === 0 && gitlabUsers.length === 0) {
    throw new AgentError(
      AgentErrorCode.NO_AUTHORIZED_KEYS,
      'no authorized keys: pass --authorized-keys FILE, --github-user NAME or --gitlab-user NAME, or set CONVERGE_AUTHORIZED_KEYS',
    );
  }
  const gatewayPorts = input.gatewayPorts ?? 'no';
  if (!GATEWAY_PORTS.includes(gatewayPorts)) throw bad(`invalid --gateway-ports ${JSON.stringify(gatewayPorts)}: use ${GATEWAY_PORTS.join(', ')}`);
  const acceptEnv = input.acceptEnv === undefined ? DEFAULT_ACCEPT_ENV : input.acceptEnv.flatMap((entry) => entry.split(',')).map((p) => p.trim()).filter(Boolean);
  for (const pattern of acceptEnv) {
    if (!/^[A-Za-z0-9_*?]+$/.test(pattern)) throw bad(`invalid --accept-env ${JSON.stringify(pattern)}: a variable name, * and ? allowed`);
  }
  const killGraceMs = input.killGraceMs ?? CONFIG_DEFAULTS.killGraceMs;
  if (!Number.isFinite(killGraceMs) || killGraceMs < 0) throw bad('killGraceMs must be a number >= 0');
  return {
    relay,
    relayUrl: input.relayUrl,
    id: input.id,
    authorizedKeysFiles: files,
    authorizedKeysText: text,
    watchKeys: input.watchKeys ?? CONFIG_DEFAULTS.watchKeys,
    githubUsers,
    gitlabUsers,
    githubUrl: baseUrl('--github-url', input.githubUrl ?? CONFIG_DEFAULTS.githubUrl),
    gitlabUrl: baseUrl('--gitlab-url', input.gitlabUrl ?? CONFIG_DEFAULTS.gitlabUrl),
    forwarding: input.forwarding ?? CONFIG_DEFAULTS.forwarding,
    gatewayPorts,
    acceptEnv,
    shells: shellList(input.shells),
    envFile: input.envFile,
    cwd: input.cwd ?? process.cwd(),
    environment: input.environment,
    env,
    sftp,
    listen,
    infoFile: input.infoFile,
    token: input.token,
    logLevel,
    quiet: input.quiet ?? CONFIG_DEFAULTS.quiet,
    shell: input.shell,
    agentDirParent: input.agentDirParent,
    killGraceMs,
    version: input.version ?? CONFIG_DEFAULTS.version,
    lifecycle: resolveLifecycle(input.lifecycle),
  };
}

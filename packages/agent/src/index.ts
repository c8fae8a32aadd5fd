// @converge/agent: start an SSH server inside a CI job that a Converge relay can reach.
export { startAgent, type Agent, type AgentDeps } from './agent';
export { AUTHORIZED_KEYS_ENV } from './auth/load-keys';
export { resolveShell, shellSpec, type ShellSpec } from './shell';
export { parseEnvFile } from './env-file';
export { AccessPolicy } from './forward/policy';
export { formatLoginBanner, type LoginBannerInfo } from './login-banner';
export {
  resolveAgentConfig,
  parseListen,
  parseEnvPairs,
  CONFIG_DEFAULTS,
  AGENT_VERSION,
  SFTP_MODES,
  type AgentConfig,
  type AgentConfigInput,
  type ListenAddress,
} from './config';
export { AgentError, AgentErrorCode, ExitCode, exitCodeOf } from './errors';
export {
  parseAuthorizedKeys,
  describeKey,
  SUPPORTED_KEY_TYPES,
  type AuthorizedKey,
  type KeyWarning,
  type ParsedAuthorizedKeys,
} from './auth/authorized-keys';
export type { KeyOptions } from './auth/options';
export { AuthorizedKeys, fileKeySource, textKeySource, type KeySource, type ReloadResult } from './auth/key-source';
export { fingerprintOf, generateHostKey, knownHostsLine, type HostKey } from './host-key';
export { formatBanner, relaySshCommand, type AgentInfoFile } from './banner';
export { parseCliArgs, HELP, type CliCommand } from './cli-args';
export { createLogger, LOG_LEVELS, type LogLevel, type Logger } from './log';
export type { SftpMode } from './sftp';

// @converge/relay: the rendez-vous server. `startRelay` is the whole relay; the CLI is a thin shell.
export { startRelay, type Relay, type RelayOptions } from './server';
export { resolveRelayConfig, DEFAULT_RELAY_CONFIG, type RelayConfig } from './config';
export { InMemoryRegistry, type Registry, type AgentHandle, type Claim, type ClaimRequest } from './registry';
export { RelayStats, ConnectionOutcome } from './stats';
export { RelayConfigError, RelayListenError, RelayExitCode } from './errors';
export { createLogger, silentLogger, type Logger, type LogFormat, type LogLevel } from './log';

// When the agent ends, and what it tells people on the way: pure decisions (decisions.ts) wired to
// timers, the .hold file, the SSH server's events and the relay (agent-lifecycle.ts).
export { AgentLifecycle, type EndNotice } from './agent-lifecycle';
export type { ConnectionHooks, ConnectionWatch } from './session-tracker';
export { LIFECYCLE_OPTIONS, LIFECYCLE_HELP, lifecycleInputFromArgs, resolveLifecycle, type LifecycleInput, type LifecycleSettings } from './options';

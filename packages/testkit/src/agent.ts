// An agent under test: the package's own startAgent with SSH on 127.0.0.1:0, keys not watched, a short
// kill grace, held across logouts (these tests log in many times to one agent), and a silent log.
import { silentLog } from './log';

export const TEST_AGENT_DEFAULTS = {
  listen: '127.0.0.1:0',
  environment: process.env,
  watchKeys: false,
  killGraceMs: 300,
  lifecycle: { hold: true },
} as const;

/** `startTestAgent(startAgent, { authorizedKeysText })`: the caller passes the agent's own start function. */
export function startTestAgent<Input extends object, Deps extends object, Agent>(
  start: (input: Input, deps: Deps) => Promise<Agent>,
  input: Partial<Input>,
  deps: Partial<Deps> = {},
): Promise<Agent> {
  return start({ ...TEST_AGENT_DEFAULTS, ...input } as unknown as Input, { log: silentLog(), ...deps } as unknown as Deps);
}

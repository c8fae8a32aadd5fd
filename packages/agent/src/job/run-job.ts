// Run-a-job mode: runs the job's command and opens the rendez-vous around it per --when (failure,
// always, during); resolves with the job's own exit code, whatever happened to the agent.
import { type Agent, type AgentDeps, startAgent } from '../agent';
import type { AgentConfig } from '../config';
import { messageOf } from '../errors';
import { commandLine, type JobResult, runJob, type RunningJob } from './process';
import type { JobReport, JobSpec } from './spec';
import type { Logger } from '../log';

export interface JobRunDeps {
  readonly log: Logger;
  readonly output?: (text: string) => void;
  /** Called with a stop function once something can be stopped (SIGINT/SIGTERM handling). */
  readonly onStoppable?: (stop: (signal: NodeJS.Signals) => void) => void;
  readonly start?: (config: AgentConfig, deps: AgentDeps) => Promise<Agent>;
}

function report(command: string, result: JobResult): JobReport {
  return { state: result.exitCode === 0 ? 'succeeded' : 'failed', command, exitCode: result.exitCode };
}

/**
 * `config` is undefined when the agent's configuration is unusable (no keys: GitHub gives fork pull
 * requests empty secrets): the job then runs alone, with `fallback`'s directory and environment.
 */
export async function runWithJob(
  config: AgentConfig | undefined,
  spec: JobSpec,
  deps: JobRunDeps,
  fallback: { readonly cwd: string; readonly environment: NodeJS.ProcessEnv } = { cwd: process.cwd(), environment: process.env },
): Promise<number> {
  const { log } = deps;
  const start = deps.start ?? startAgent;
  const command = commandLine(spec.command);
  const agentDeps = { log, output: deps.output };
  let agent: Agent | undefined;
  let job: RunningJob | undefined;
  deps.onStoppable?.((signal) => {
    job?.kill(signal);
    void agent?.close({ reason: `the CI job was cancelled (${signal})` });
  });

  const tryStart = async (jobReport: JobReport): Promise<Agent | undefined> => {
    if (!config) return undefined;
    try {
      return await start(config, { ...agentDeps, job: jobReport });
    } catch (error) {
      log.warn(`no debug session opened: ${messageOf(error)}; the job's own result stands`);
      return undefined;
    }
  };

  if (spec.when === 'during') agent = await tryStart({ state: 'running', command });
  const env = { ...(config?.environment ?? fallback.environment), ...(agent && { agentdir: agent.info.agentDir, CONVERGE_ID: agent.id }) };
  job = runJob(spec.command, { cwd: config?.cwd ?? fallback.cwd, env });
  const result = await job.done;
  if (result.error) log.error(result.error);
  log.info(`job ${result.signal ? `killed by ${result.signal}` : `exited with ${result.exitCode}`}: ${command}`);
  const ended = report(command, result);

  if (agent) {
    agent.jobChanged(ended);
  } else if (spec.when === 'always' || (spec.when === 'failure' && result.exitCode !== 0)) {
    agent = await tryStart(ended);
  }
  // Whatever the agent does from here (ends, is refused, fails), the job's exit code is the answer.
  if (agent) await agent.done.catch((error: unknown) => log.warn(`the debug session failed: ${messageOf(error)}`));
  return result.exitCode;
}

// Run-a-job mode: runs the job's command and opens the rendez-vous around it per --when (failure,
// always, during); resolves with the job's own exit code, whatever happened to the agent.
import { type Agent, type AgentDeps, startAgent } from './agent';
import type { AgentConfig } from './config';
import { messageOf } from './errors';
import { commandLine, type JobResult, runJob, type RunningJob } from './job';
import type { JobReport, JobSpec } from './job-spec';
import type { Logger } from './log';

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

export async function runWithJob(config: AgentConfig, spec: JobSpec, deps: JobRunDeps): Promise<number> {
  const { log } = deps;
  const start = deps.start ?? startAgent;
  const command = commandLine(spec.command);
  const agentDeps = { log, output: deps.output };
  let agent: Agent | undefined;
  let job: RunningJob | undefined;
  deps.onStoppable?.((signal) => {
    job?.kill(signal);
    void agent?.close();
  });

  const tryStart = async (jobReport: JobReport): Promise<Agent | undefined> => {
    try {
      return await start(config, { ...agentDeps, job: jobReport });
    } catch (error) {
      log.error(`no rendez-vous: ${messageOf(error)}`);
      return undefined;
    }
  };

  if (spec.when === 'during') agent = await tryStart({ state: 'running', command });
  const env = { ...config.environment, ...(agent && { agentdir: agent.info.agentDir, CONVERGE_ID: agent.id }) };
  job = runJob(spec.command, { cwd: config.cwd, env });
  const result = await job.done;
  if (result.error) log.error(result.error);
  log.info(`job ${result.signal ? `killed by ${result.signal}` : `exited with ${result.exitCode}`}: ${command}`);
  const ended = report(command, result);

  if (agent) {
    agent.jobChanged(ended);
  } else if (spec.when === 'always' || (spec.when === 'failure' && result.exitCode !== 0)) {
    agent = await tryStart(ended);
  }
  if (agent) await agent.done;
  return result.exitCode;
}

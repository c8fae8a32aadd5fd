// argv of `converge-agent run ...` -> agent config + job spec. The agent options are parsed by
// parseCliArgs; this module only splits off `-- <command...>` and `--when`.
import { type CliCommand, parseCliArgs } from '../cli-args';
import type { AgentConfigInput } from '../config';
import { AgentError, AgentErrorCode } from '../errors';
import { JOB_WHEN, type JobSpec, type JobWhen } from './spec';

export type RunCommand = Exclude<CliCommand, { kind: 'run' }> | { readonly kind: 'job'; readonly config: AgentConfigInput; readonly job: JobSpec };

function bad(message: string): AgentError {
  return new AgentError(AgentErrorCode.BAD_ARGUMENT, `${message} (see --help)`);
}

function isJobWhen(value: string): value is JobWhen {
  return (JOB_WHEN as readonly string[]).includes(value);
}

/** `argv` is what follows `run`. */
export function parseRunArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): RunCommand {
  const separator = argv.indexOf('--');
  const own = separator < 0 ? [...argv] : argv.slice(0, separator);
  const command = separator < 0 ? [] : argv.slice(separator + 1);
  let when: string = 'failure';
  const rest: string[] = [];
  for (let i = 0; i < own.length; i++) {
    const arg = own[i]!;
    if (arg === '--when') {
      if (i + 1 >= own.length) throw bad("option '--when' needs a value");
      when = own[++i]!;
    } else if (arg.startsWith('--when=')) {
      when = arg.slice('--when='.length);
    } else {
      rest.push(arg);
    }
  }
  const agent = parseCliArgs(rest, env);
  if (agent.kind !== 'run') return agent;
  if (!isJobWhen(when)) throw bad(`invalid --when ${JSON.stringify(when)}: use ${JOB_WHEN.join(', ')}`);
  if (command.length === 0) throw bad('run: missing -- <command...>');
  if (agent.config.relayUrl === undefined) throw bad('run: missing <relay-url>');
  return { kind: 'job', config: agent.config, job: { command, when } };
}

// `converge-agent`: argv/env -> config -> startAgent (or the job runner for `run`), then the epilogue,
// and errors -> exit codes, with the heap growth fixed for moving bytes. Nothing else.
import { BULK_HEAP_GROWING_PERCENT, fixHeapGrowth } from '@converge/cli-kit';
import { resolve } from 'node:path';
import { startAgent } from './agent';
import { HELP, parseCliArgs } from './cli-args';
import { AGENT_VERSION, type AgentConfig, resolveAgentConfig } from './config';
import { ExitCode, exitCodeOf, messageOf } from './errors';
import { createLogger, isLogLevel } from './log';
import { parseRunArgs, runEpilogue, runWithJob, type RunCommand } from './job';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let command: RunCommand | ReturnType<typeof parseCliArgs>;
  try {
    command = argv[0] === 'run' ? parseRunArgs(argv.slice(1), process.env) : parseCliArgs(argv, process.env);
  } catch (error) {
    // `run ... -- <command>` with agent options it cannot read still runs the job: the build must not
    // fail because of its debugging step.
    const separator = argv.indexOf('--');
    if (argv[0] !== 'run' || separator < 0 || separator === argv.length - 1) throw error;
    process.stderr.write(`converge-agent: no debug session will open: ${messageOf(error)}; running the job alone\n`);
    return runWithJob(undefined, { command: argv.slice(separator + 1), when: 'failure' }, { log: createLogger('warn') });
  }
  if (command.kind === 'help') {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return ExitCode.ok;
  }
  if (command.kind === 'completion') {
    process.stdout.write(command.text);
    return ExitCode.ok;
  }
  const input = command.config;
  const cwd = resolve(input.cwd ?? process.cwd());
  const output = (text: string): boolean => process.stdout.write(text);
  let stop: (signal: NodeJS.Signals) => void = () => undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    stop(signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let code: number;
  let config: AgentConfig | undefined;
  if (command.kind === 'job') {
    // Run mode never makes the job worse: a configuration the agent cannot use (no keys, a bad flag)
    // is one warning line, and the job runs and returns its own exit code.
    const log = createLogger(input.quiet ? 'warn' : isLogLevel(input.logLevel) ? input.logLevel : 'info');
    try {
      config = resolveAgentConfig({ ...input, cwd });
    } catch (error) {
      log.warn(`no debug session will open: ${messageOf(error)}; running the job alone`);
    }
    // An agent bug must not take the job's exit code with it: log it, drop the session, keep waiting.
    process.on('uncaughtException', (error) => log.error(`the debug session failed: ${error.stack ?? error.message}; the job goes on`));
    code = await runWithJob(config, command.job, { log, output, onStoppable: (fn) => (stop = fn) }, { cwd, environment: process.env });
  } else {
    config = resolveAgentConfig({ ...input, cwd });
    const agent = await startAgent(config, { output });
    stop = (signal) => void agent.close({ reason: `the CI job was cancelled (${signal})` });
    if (stopping) stop('SIGTERM');
    code = await agent.done;
  }
  const epilogue = config?.lifecycle.epilogue;
  if (epilogue) {
    const status = await runEpilogue(epilogue, { cwd, env: { ...process.env, CONVERGE_EXIT_CODE: String(code) } });
    if (status !== 0) process.stderr.write(`converge-agent: --epilogue exited with ${status}\n`);
  }
  return code;
}

// Full collections paced by socket and cipher buffers otherwise (@converge/cli-kit's heap.ts says why).
fixHeapGrowth(BULK_HEAP_GROWING_PERCENT);
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code = exitCodeOf(error);
    process.stderr.write(`converge-agent: ${code === ExitCode.internal && error instanceof Error ? (error.stack ?? error.message) : messageOf(error)}\n`);
    process.exit(code);
  },
);

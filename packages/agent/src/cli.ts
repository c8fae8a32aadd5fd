// `converge-agent`: argv/env -> config -> startAgent (or the job runner for `run`), then the epilogue,
// and errors -> exit codes. Nothing else.
import { resolve } from 'node:path';
import { startAgent } from './agent';
import { HELP, parseCliArgs } from './cli-args';
import { AGENT_VERSION, resolveAgentConfig } from './config';
import { ExitCode, exitCodeOf, messageOf } from './errors';
import { runEpilogue } from './job';
import { createLogger } from './log';
import { parseRunArgs, type RunCommand } from './run-args';
import { runWithJob } from './run-job';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const command: RunCommand | ReturnType<typeof parseCliArgs> = argv[0] === 'run' ? parseRunArgs(argv.slice(1), process.env) : parseCliArgs(argv, process.env);
  if (command.kind === 'help') {
    process.stdout.write(HELP);
    return ExitCode.ok;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return ExitCode.ok;
  }
  const input = command.config;
  const config = resolveAgentConfig({ ...input, cwd: resolve(input.cwd ?? process.cwd()) });
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
  if (command.kind === 'job') {
    const log = createLogger(config.quiet ? 'warn' : config.logLevel);
    code = await runWithJob(config, command.job, { log, output, onStoppable: (fn) => (stop = fn) });
  } else {
    const agent = await startAgent(config, { output });
    stop = () => void agent.close();
    if (stopping) stop('SIGTERM');
    code = await agent.done;
  }
  const epilogue = config.lifecycle.epilogue;
  if (epilogue) {
    const status = await runEpilogue(epilogue, { cwd: config.cwd, env: { ...process.env, CONVERGE_EXIT_CODE: String(code) } });
    if (status !== 0) process.stderr.write(`converge-agent: --epilogue exited with ${status}\n`);
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code = exitCodeOf(error);
    process.stderr.write(`converge-agent: ${code === ExitCode.internal && error instanceof Error ? (error.stack ?? error.message) : messageOf(error)}\n`);
    process.exit(code);
  },
);

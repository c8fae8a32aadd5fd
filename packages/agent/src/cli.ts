// `converge-agent`: argv/env -> config -> startAgent, and errors -> exit codes. Nothing else.
import { resolve } from 'node:path';
import { startAgent } from './agent';
import { HELP, parseCliArgs } from './cli-args';
import { AGENT_VERSION, resolveAgentConfig } from './config';
import { ExitCode, exitCodeOf, messageOf } from './errors';

async function main(): Promise<number> {
  const command = parseCliArgs(process.argv.slice(2), process.env);
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
  const agent = await startAgent(config, { output: (text) => process.stdout.write(text) });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void agent.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return agent.done;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code = exitCodeOf(error);
    process.stderr.write(`converge-agent: ${code === ExitCode.internal && error instanceof Error ? (error.stack ?? error.message) : messageOf(error)}\n`);
    process.exit(code);
  },
);

// converge-relay: argv and environment -> RelayConfig -> startRelay, and errors -> exit codes.
import { fixHeapGrowth, RELAY_HEAP_GROWING_PERCENT } from '@converge/cli-kit';
import { mintFromArgs, parseRelayArgs } from './cli/args';
import { HELP } from './cli/help';
import { RelayExitCode } from './errors';
import { createLogger } from './log';
import { startRelay } from './server';
import { VERSION } from './version';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let parsed: ReturnType<typeof parseRelayArgs>;
  try {
    if (argv[0] === 'token') return void process.stdout.write(`${mintFromArgs(argv.slice(1), process.env)}\n`);
    parsed = parseRelayArgs(argv, process.env);
  } catch (error) {
    process.stderr.write(`converge-relay: ${(error as Error).message}\nTry 'converge-relay --help'.\n`);
    process.exit(RelayExitCode.usage);
  }
  if (parsed === 'help') return void process.stdout.write(HELP);
  if (parsed === 'version') return void process.stdout.write(`${VERSION}\n`);
  if ('completion' in parsed) return void process.stdout.write(parsed.completion);
  const log = createLogger(parsed.logLevel ?? 'info', parsed.logFormat ?? 'text');
  let relay;
  try {
    relay = await startRelay(parsed, { log });
  } catch (error) {
    const exitCode = (error as { exitCode?: number }).exitCode ?? RelayExitCode.internal;
    process.stderr.write(`converge-relay: ${(error as Error).message}\n`);
    process.exit(exitCode);
  }
  const wsUrl = relay.url.replace(/^http/, 'ws');
  process.stdout.write(
    `Converge relay ${VERSION} listening on ${relay.url}\n` +
      `Agents: npx -y @converge/agent ${wsUrl}    Usage page: ${relay.url}/\n` +
      `Sessions (admin only, keep this link private): ${relay.sessionsUrl}\n`,
  );
  const stop = (signal: string) => {
    log.info(`received ${signal}`);
    void relay.close().then(() => process.exit(RelayExitCode.ok));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  // Full collections paced by socket buffers otherwise (@converge/cli-kit's heap.ts says why).
  fixHeapGrowth(RELAY_HEAP_GROWING_PERCENT);
  main().catch((error: Error) => {
    process.stderr.write(`converge-relay: internal error: ${error.stack ?? error.message}\n`);
    process.exit(RelayExitCode.internal);
  });
}

// converge-wsproxy: an OpenSSH ProxyCommand. argv -> runProxy(stdin, stdout) -> exit code; every
// failure is one line on stderr.
import { BULK_HEAP_GROWING_PERCENT, fixHeapGrowth } from '@converge/cli-kit';
import { parseProxyArgs } from './cli/args';
import { HELP } from './cli/help';
import { ProxyError, ProxyExitCode } from './errors';
import { runProxy } from './proxy';
import { VERSION } from './version';

function fail(message: string, exitCode: number): never {
  // Relay-supplied text is escaped where it enters a message; usage text may hold its own newline.
  process.stderr.write(`converge-wsproxy: ${message}\n`);
  process.exit(exitCode);
}

async function main(): Promise<void> {
  let command;
  try {
    command = parseProxyArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ProxyError) return fail(error.message, error.exitCode);
    throw error;
  }
  if (command.kind === 'help') return void process.stdout.write(HELP);
  if (command.kind === 'version') return void process.stdout.write(`${VERSION}\n`);
  if (command.kind === 'completion') return void process.stdout.write(command.text);
  const { url, connectTimeoutMs, ca, hostKey } = command;
  const debug = command.verbose ? (message: string) => process.stderr.write(`converge-wsproxy: ${message}\n`) : undefined;
  try {
    await runProxy({ url, input: process.stdin, output: process.stdout, connectTimeoutMs, ca, debug, hostKey });
  } catch (error) {
    if (error instanceof ProxyError) return fail(error.message, error.exitCode);
    throw error;
  }
  process.stdout.once('finish', () => process.exit(ProxyExitCode.ok));
  if (process.stdout.writableFinished) process.exit(ProxyExitCode.ok);
  setTimeout(() => process.exit(ProxyExitCode.ok), 1000).unref();
}

if (require.main === module) {
  // Full collections paced by socket buffers otherwise (@converge/cli-kit's heap.ts says why).
  fixHeapGrowth(BULK_HEAP_GROWING_PERCENT);
  main().catch((error: Error) => fail(`internal error: ${error.stack ?? error.message}`, ProxyExitCode.internal));
}

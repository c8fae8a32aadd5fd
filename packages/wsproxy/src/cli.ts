// converge-wsproxy: an OpenSSH ProxyCommand. argv -> runProxy(stdin, stdout) -> exit code; every
// failure is one line on stderr.
import { parseArgs } from 'node:util';
import { parseDuration } from '@converge/protocol';
import { trustedCertificates } from './ca';
import { ProxyError, ProxyExitCode } from './errors';
import { runProxy } from './proxy';
import { VERSION } from './version';

const HELP = `Usage: converge-wsproxy [options] <url>

Connects stdin and stdout to a Converge relay's websocket for one agent, so that OpenSSH can reach the
agent through the relay. Use it as ssh's ProxyCommand:

  ssh -o ProxyCommand='npx -y @converge/wsproxy wss://relay.example.com/client/<id>' runner@<id>

or once for all agents, in ~/.ssh/config (the ".converge" suffix of %h is dropped):

  Host *.converge
    ProxyCommand npx -y @converge/wsproxy wss://relay.example.com/client/%h

<url> is ws(s)://HOST[:PORT][/base-path]/client/<id>; http(s):// is accepted too.

Options:
  --connect-timeout D  give up connecting after D (default 15s; 500ms, 30s, 1m ...)
  --ca FILE            also trust the CA certificates in FILE (PEM) for wss
                       (the system's CA bundle and NODE_EXTRA_CA_CERTS are trusted already)
  --verbose            log connection details to stderr
  -h, --help           show this help
  -V, --version        show the version

Exit codes:
  0  the session ended
  1  internal error
  2  bad arguments or URL
  3  the relay could not be reached (refused, unknown host, timeout)
  4  TLS failed (untrusted certificate, wrong host name)
  5  the relay has no agent with this id
  6  the relay refused or failed the connection (token, limits, agent did not answer, shutdown)
  7  the connection was lost during the session
`;

function fail(message: string, exitCode: number): never {
  process.stderr.write(`converge-wsproxy: ${message}\n`);
  process.exit(exitCode);
}

async function main(): Promise<void> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        'connect-timeout': { type: 'string' },
        ca: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    }));
  } catch (error) {
    return fail(`${(error as Error).message}\nTry 'converge-wsproxy --help'.`, ProxyExitCode.usage);
  }
  if (values.help) return void process.stdout.write(HELP);
  if (values.version) return void process.stdout.write(`${VERSION}\n`);
  if (positionals.length !== 1) return fail(`expected one URL, got ${positionals.length}\nTry 'converge-wsproxy --help'.`, ProxyExitCode.usage);
  const connectTimeoutMs = parseDuration(values['connect-timeout'] ?? '15s');
  if (connectTimeoutMs === undefined || connectTimeoutMs <= 0) return fail(`--connect-timeout: not a duration: ${values['connect-timeout']}`, ProxyExitCode.usage);
  let ca: string[];
  try {
    ca = trustedCertificates(values.ca, process.env);
  } catch (error) {
    return fail(`--ca: ${(error as Error).message}`, ProxyExitCode.usage);
  }
  const debug = values.verbose ? (message: string) => process.stderr.write(`converge-wsproxy: ${message}\n`) : undefined;
  try {
    await runProxy({ url: positionals[0]!, input: process.stdin, output: process.stdout, connectTimeoutMs, ca, debug });
  } catch (error) {
    if (error instanceof ProxyError) return fail(error.message, error.exitCode);
    throw error;
  }
  process.stdout.once('finish', () => process.exit(ProxyExitCode.ok));
  if (process.stdout.writableFinished) process.exit(ProxyExitCode.ok);
  setTimeout(() => process.exit(ProxyExitCode.ok), 1000).unref();
}

if (require.main === module) {
  main().catch((error: Error) => fail(`internal error: ${error.stack ?? error.message}`, ProxyExitCode.internal));
}

// converge-wsproxy: an OpenSSH ProxyCommand. argv -> runProxy(stdin, stdout) -> exit code; every
// failure is one line on stderr.
import { parseArgs } from 'node:util';
import { escapeControl, exitCodeHelp, parseDuration } from '@converge/protocol';
import { trustedCertificates } from './ca';
import { ProxyError, ProxyExitCode } from './errors';
import { runProxy } from './proxy';
import { VERSION } from './version';

const HELP = `Usage: converge-wsproxy [options] <url>

Connects stdin and stdout to a Converge relay's websocket for one agent, so that OpenSSH can reach the
agent through the relay. Use it as ssh's ProxyCommand, as the agent prints it in the job log:

  ssh -o ProxyCommand='npx -y @converge/wsproxy --host-key SHA256:<key> wss://relay.example.com/client/<id>' \\
      -o HostKeyAlias=<id>~<key> -o StrictHostKeyChecking=accept-new runner@<id>

--host-key pins the agent's host key: wsproxy reads it from the agent's key exchange (sent in clear)
and passes nothing to ssh unless its fingerprint is the one given, so an impostor (even one served by
the relay) is refused before ssh could trust it; ssh then checks the key's signature itself.
In ~/.ssh/config the ".converge" suffix of %h is dropped:

  Host <id>.converge
    ProxyCommand npx -y @converge/wsproxy --host-key SHA256:<key> wss://relay.example.com/client/%h
    HostKeyAlias <id>~<key>
    StrictHostKeyChecking accept-new

<url> is ws(s)://HOST[:PORT][/base-path]/client/<id>; http(s):// is accepted too.

Options:
  --connect-timeout D  give up connecting after D (default 15s; 500ms, 30s, 1m ...)
  --host-key SHA256:K  the agent's host key fingerprint (printed by the agent); refuse any other
  --ca FILE            also trust the CA certificates in FILE (PEM) for wss
                       (the system's CA bundle and NODE_EXTRA_CA_CERTS are trusted already)
  --verbose            log connection details to stderr
  -h, --help           show this help
  -V, --version        show the version

${exitCodeHelp([0, 1, 2, 3, 4, 5, 6, 7, 8], { 0: 'the session ended' })}
`;

function fail(message: string, exitCode: number): never {
  // Relay-supplied text is escaped where it enters a message; usage text may hold its own newline.
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
        'host-key': { type: 'string' },
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
  const hostKey = values['host-key'];
  if (hostKey !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}$/.test(hostKey)) {
    return fail(`--host-key: expected SHA256:<43 base64 characters> as the agent prints it, got ${escapeControl(hostKey.slice(0, 80))}`, ProxyExitCode.usage);
  }
  let ca: string[];
  try {
    ca = trustedCertificates(values.ca, process.env);
  } catch (error) {
    return fail(`--ca: ${(error as Error).message}`, ProxyExitCode.usage);
  }
  const debug = values.verbose ? (message: string) => process.stderr.write(`converge-wsproxy: ${message}\n`) : undefined;
  try {
    await runProxy({ url: positionals[0]!, input: process.stdin, output: process.stdout, connectTimeoutMs, ca, debug, hostKey });
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

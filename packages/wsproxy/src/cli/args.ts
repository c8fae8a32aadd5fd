// converge-wsproxy's command line -> what runProxy needs, on @converge/cli-kit. Pure but for --ca's file.
import { CommandLineError, parseCommandLine, type OptionTable } from '@converge/cli-kit';
import { escapeControl, parseDuration } from '@converge/protocol';
import { trustedCertificates } from '../ca';
import { ProxyError, ProxyExitCode } from '../errors';

export const PROXY_OPTIONS = {
  'connect-timeout': { type: 'string' },
  ca: { type: 'string' },
  'host-key': { type: 'string' },
  verbose: { type: 'boolean' },
} as const satisfies OptionTable;

export interface ProxyArgs {
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly hostKey?: string;
  readonly ca: string[];
  readonly verbose: boolean;
}

export type ProxyCommand = { readonly kind: 'help' } | { readonly kind: 'version' } | { readonly kind: 'completion'; readonly text: string } | ({ readonly kind: 'proxy' } & ProxyArgs);

function usage(message: string): ProxyError {
  return new ProxyError(`${message}\nTry 'converge-wsproxy --help'.`, ProxyExitCode.usage);
}

/** Throws ProxyError(usage) with one line (and the hint) for anything it cannot use. */
export function parseProxyArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ProxyCommand {
  let parsed;
  try {
    parsed = parseCommandLine({ program: 'converge-wsproxy', options: PROXY_OPTIONS }, argv, env);
  } catch (error) {
    if (error instanceof CommandLineError) throw usage(error.message);
    throw error;
  }
  if (parsed.kind !== 'values') return parsed;
  const values = parsed.values as { 'connect-timeout'?: string; ca?: string; 'host-key'?: string; verbose?: boolean };
  if (parsed.positionals.length !== 1) throw usage(`expected one URL, got ${parsed.positionals.length}`);
  const connectTimeoutMs = parseDuration(values['connect-timeout'] ?? '15s');
  if (connectTimeoutMs === undefined || connectTimeoutMs <= 0) throw new ProxyError(`--connect-timeout: not a duration: ${escapeControl(values['connect-timeout'] ?? '')}`, ProxyExitCode.usage);
  const hostKey = values['host-key'];
  if (hostKey !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}$/.test(hostKey)) {
    throw new ProxyError(`--host-key: expected SHA256:<43 base64 characters> as the agent prints it, got ${escapeControl(hostKey.slice(0, 80))}`, ProxyExitCode.usage);
  }
  let ca: string[];
  try {
    ca = trustedCertificates(values.ca, env);
  } catch (error) {
    throw new ProxyError(`--ca: ${(error as Error).message}`, ProxyExitCode.usage);
  }
  return { kind: 'proxy', url: parsed.positionals[0]!, connectTimeoutMs, hostKey, ca, verbose: values.verbose === true };
}

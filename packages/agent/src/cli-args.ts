// argv + environment -> AgentConfigInput, with the option table and the help text. Parsing is
// @converge/cli-kit's (yargs); this module names the flags and maps them onto the config.
import { CommandLineError, parseCommandLine, type OptionTable } from '@converge/cli-kit';
import { exitCodeHelp } from '@converge/protocol';
import type { AgentConfigInput } from './config';
import { AgentError, AgentErrorCode } from './errors';
import { LIFECYCLE_HELP, LIFECYCLE_OPTIONS, lifecycleInputFromArgs } from './lifecycle';
import type { LogLevel } from './log';
import { RUN_HELP } from './job';
import type { SftpMode } from './sftp';

export const HELP = `Usage: converge-agent <relay-url> [options]
       converge-agent run <relay-url> [options] [--when failure|always|during] -- <command...>
       converge-agent completion    print a bash or zsh completion script (source it from ~/.bashrc)

Runs an SSH server inside this job and connects it out to a Converge relay, so a person can open a real
shell here with plain OpenSSH. The relay only pipes encrypted bytes.

Arguments:
  <relay-url>                 the relay's base URL: ws://, wss://, http:// or https://HOST[:PORT][/path]

Options:
  --id ID                     ask the relay for this id (a-z, 0-9, inner '-', 3-63 chars)
  --authorized-keys FILE      OpenSSH authorized_keys file (repeatable); reloaded when it changes
  --github-user NAME          also accept the keys at https://github.com/NAME.keys (repeatable;
                              fetched once at start, 10 s timeout)
  --gitlab-user NAME          also accept the keys at https://gitlab.com/NAME.keys (repeatable)
  --github-url URL            base URL for --github-user (default https://github.com)
  --gitlab-url URL            base URL for --gitlab-user (default https://gitlab.com)
  --cwd DIR                   where shells, commands and sftp relative paths start
                              (default: the directory the agent was started in)
  --shells LIST               shells to try first, comma separated names or paths (e.g. zsh,bash,sh);
                              then $SHELL, bash, zsh, sh (Windows, untested: powershell, cmd)
  --env KEY=VALUE             extra environment variable for every shell/command (repeatable; wins
                              over --env-file)
  --env-file FILE             dotenv-style KEY=VALUE lines ('#' comments, optional quotes, 'export'
                              allowed); bad lines are reported with their number and skipped
  --no-forwarding             refuse forwarding: ssh -L, -D, -R (TCP ports and Unix sockets) and -A
  --gateway-ports MODE        where ssh -R listens: no (127.0.0.1 whatever the client asks; default),
                              yes (every interface) or clientspecified (the address the client names)
  --accept-env PATTERN        client variables (ssh SendEnv/SetEnv) that sessions accept, as OpenSSH's
                              AcceptEnv: names with * and ?, repeatable or comma separated (default
                              LANG,LC_*); never for a key with a forced command
  --sftp auto|system|builtin  sftp server: the system's sftp-server, the built-in one, or auto (default)
  --listen HOST:PORT          also serve SSH directly on this TCP address (off by default)
  --info-file FILE            write a JSON object {id, relayUrl, clientUrl, sshCommand, user, fingerprint,
                              knownHostsLine, agentDir} after each welcome from the relay
  --log-level LEVEL           error, warn, info (default) or debug
  --token TOKEN               agent token for a relay that requires one (converge-relay token)
  --quiet                     print only the ssh command and warnings/errors
  -h, --help                  show this help
  -V, --version               show the version

${LIFECYCLE_HELP}
${RUN_HELP}
Environment:
  CONVERGE_AUTHORIZED_KEYS    authorized_keys lines inline (newline separated), e.g. from a CI secret
  CONVERGE_LOG_LEVEL          default for --log-level
  CONVERGE_TOKEN              default for --token (keep it in a CI secret)
  CONVERGE_GITHUB_URL         default for --github-url
  CONVERGE_GITLAB_URL         default for --gitlab-url

Every session gets CONVERGE_ID, agentdir (this agent's own directory; touch $agentdir/.hold to keep
the agent), TERM from the client's terminal and LANG/LC_* when the client sends them (SendEnv; see
--accept-env). CONVERGE_TOKEN is removed from the sessions' environment.
Interactive shells start with a short banner: the id, host, directory, expiry and where the keys live.

Port forwarding: ssh -L and -D open connections from this machine; ssh -R listens here (127.0.0.1
unless --gateway-ports says otherwise; port 0 lets the agent choose and reports it). Unix sockets too:
ssh -L 5432:/run/postgresql/.s.PGSQL.5432 reaches a socket here, ssh -R /tmp/x.sock:host:port makes
one (mode 0600). ssh -A forwards the person's ssh-agent (SSH_AUTH_SOCK in the sessions; an interactive
shell says so). A relay started with --allow-forwarding no or --allow-shell no makes every agent
refuse forwarding, or shells and commands (sftp still works). Sessions get SSH_CLIENT,
SSH_CONNECTION and, with a terminal, SSH_TTY, as from sshd.

Authorized keys: public key authentication only. Options honoured: restrict, no-pty, pty,
no-port-forwarding, port-forwarding, no-agent-forwarding, agent-forwarding, command="..." (forced
command, SSH_ORIGINAL_COMMAND set), environment="NAME=value", from="pattern-list",
permitopen="host:port", permitlisten="[host:]port", expiry-time="YYYYMMDD[HHMM]". A line with any other restriction is refused (with a warning), never
accepted without it. At most 6 authentication attempts per connection; refused logins are logged.

${exitCodeHelp([0, 1, 2, 3, 4, 6, 9], { 0: 'also on SIGINT/SIGTERM', 2: 'also: no authorized keys' })}
  In run mode the job's own exit code is returned instead (128+N when a signal N ended it).
`;

export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'completion'; readonly text: string }
  | { readonly kind: 'run'; readonly config: AgentConfigInput };

/** Every flag of `converge-agent`, and the CONVERGE_* variables that give its default. */
export const AGENT_OPTIONS = {
  id: { type: 'string' },
  'authorized-keys': { type: 'string', multiple: true },
  'github-user': { type: 'string', multiple: true },
  'gitlab-user': { type: 'string', multiple: true },
  'github-url': { type: 'string', env: ['CONVERGE_GITHUB_URL'] },
  'gitlab-url': { type: 'string', env: ['CONVERGE_GITLAB_URL'] },
  cwd: { type: 'string' },
  shells: { type: 'string', multiple: true },
  env: { type: 'string', multiple: true },
  'env-file': { type: 'string' },
  'no-forwarding': { type: 'boolean' },
  'gateway-ports': { type: 'string' },
  'accept-env': { type: 'string', multiple: true },
  sftp: { type: 'string' },
  listen: { type: 'string' },
  'info-file': { type: 'string' },
  token: { type: 'string', env: ['CONVERGE_TOKEN'] },
  'log-level': { type: 'string', env: ['CONVERGE_LOG_LEVEL'] },
  quiet: { type: 'boolean' },
  ...LIFECYCLE_OPTIONS,
} as const satisfies OptionTable;

/** `run` is dispatched by cli.ts; it is listed here for suggestions and completion. */
export const AGENT_COMMANDS = ['run'] as const;

function bad(message: string): AgentError {
  return new AgentError(AgentErrorCode.BAD_ARGUMENT, `${message} (see --help)`);
}

export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  let parsed;
  try {
    parsed = parseCommandLine({ program: 'converge-agent', options: AGENT_OPTIONS, commands: AGENT_COMMANDS }, argv, env);
  } catch (error) {
    if (error instanceof CommandLineError) throw bad(error.message);
    throw error;
  }
  if (parsed.kind !== 'values') return parsed;
  const texts = (name: keyof typeof AGENT_OPTIONS): readonly string[] | undefined => parsed.values[name] as readonly string[] | undefined;
  const text = (name: keyof typeof AGENT_OPTIONS): string | undefined => parsed.values[name] as string | undefined;
  const { positionals } = parsed;
  if (positionals.length > 1) throw bad(`expected one relay URL, got ${positionals.length} arguments`);
  const relayUrl = positionals[0];
  if (relayUrl === undefined && text('listen') === undefined) throw bad('missing <relay-url>');
  return {
    kind: 'run',
    config: {
      relayUrl,
      id: text('id'),
      authorizedKeysFiles: texts('authorized-keys') ?? [],
      authorizedKeysText: env.CONVERGE_AUTHORIZED_KEYS,
      githubUsers: texts('github-user') ?? [],
      gitlabUsers: texts('gitlab-user') ?? [],
      githubUrl: text('github-url'),
      gitlabUrl: text('gitlab-url'),
      cwd: text('cwd'),
      shells: texts('shells') ?? [],
      environment: env,
      env: texts('env') ?? [],
      envFile: text('env-file'),
      forwarding: parsed.values['no-forwarding'] !== true,
      gatewayPorts: text('gateway-ports') as AgentConfigInput['gatewayPorts'],
      acceptEnv: texts('accept-env'),
      sftp: text('sftp') as SftpMode | undefined,
      listen: text('listen'),
      infoFile: text('info-file'),
      token: text('token'),
      logLevel: text('log-level') as LogLevel | undefined,
      quiet: parsed.values.quiet === true,
      lifecycle: lifecycleInputFromArgs(parsed.values),
    },
  };
}

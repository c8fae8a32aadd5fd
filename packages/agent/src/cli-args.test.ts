import { AgentError } from './errors';
import { helpMentionsEveryOption } from '@converge/cli-kit';
import { AGENT_OPTIONS, HELP, parseCliArgs } from './cli-args';

const run = (argv: string[], env: Record<string, string> = {}) => {
  const command = parseCliArgs(argv, env);
  if (command.kind !== 'run') throw new Error(command.kind);
  return command.config;
};

test('flags, repeatable flags and environment', () => {
  const config = run(
    ['ws://127.0.0.1:8000', '--id', 'abc', '--authorized-keys', 'a', '--authorized-keys', 'b', '--env', 'X=1', '--env', 'Y=2', '--sftp', 'builtin', '--listen', '127.0.0.1:0', '--info-file', 'i.json', '--quiet'],
    { CONVERGE_AUTHORIZED_KEYS: 'ssh-ed25519 AAAA', CONVERGE_LOG_LEVEL: 'debug' },
  );
  expect(config).toMatchObject({
    relayUrl: 'ws://127.0.0.1:8000', id: 'abc', authorizedKeysFiles: ['a', 'b'], env: ['X=1', 'Y=2'], sftp: 'builtin',
    listen: '127.0.0.1:0', infoFile: 'i.json', quiet: true, logLevel: 'debug', authorizedKeysText: 'ssh-ed25519 AAAA',
  });
  expect(run(['ws://x', '--log-level', 'warn'], { CONVERGE_LOG_LEVEL: 'debug' }).logLevel).toBe('warn');
});

test('help and version', () => {
  expect(parseCliArgs(['-h'], {})).toEqual({ kind: 'help' });
  expect(parseCliArgs(['--version'], {})).toEqual({ kind: 'version' });
  for (const flag of ['--id', '--authorized-keys', '--cwd', '--env', '--sftp', '--listen', '--info-file', '--log-level', '--quiet', 'CONVERGE_AUTHORIZED_KEYS', 'CONVERGE_LOG_LEVEL']) {
    expect(HELP).toContain(flag);
  }
  expect(HELP).toMatch(/6 +refused by the relay/);
  expect(HELP).toMatch(/9 +cannot listen/);
});

test('argument errors are AgentErrors with exit code 2', () => {
  for (const argv of [['--bogus'], [], ['a', 'b'], ['ws://x', '--id']]) {
    let error: unknown;
    try {
      parseCliArgs(argv, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).exitCode).toBe(2);
  }
});

test('issue 3 flags: forges, shells, env file, forwarding', () => {
  const config = run(
    ['ws://x', '--github-user', 'a', '--github-user', 'b', '--gitlab-user', 'c', '--shells', 'zsh,bash', '--env-file', '.env', '--no-forwarding'],
    { CONVERGE_GITHUB_URL: 'http://127.0.0.1:1', CONVERGE_GITLAB_URL: 'http://127.0.0.1:2' },
  );
  expect(config).toMatchObject({
    githubUsers: ['a', 'b'], gitlabUsers: ['c'], githubUrl: 'http://127.0.0.1:1', gitlabUrl: 'http://127.0.0.1:2',
    shells: ['zsh,bash'], envFile: '.env', forwarding: false,
  });
  expect(run(['ws://x', '--github-url', 'http://h'], { CONVERGE_GITHUB_URL: 'http://env' }).githubUrl).toBe('http://h');
  expect(run(['ws://x']).forwarding).toBe(true);
  for (const flag of ['--github-user', '--gitlab-user', '--github-url', '--gitlab-url', '--shells', '--env-file', '--no-forwarding', 'CONVERGE_GITHUB_URL', 'CONVERGE_GITLAB_URL']) {
    expect(HELP).toContain(flag);
  }
});

test('the help and the option table agree', () => {
  expect(helpMentionsEveryOption(HELP, { ...AGENT_OPTIONS, when: { type: 'string' } }, ['allow-shell', 'allow-forwarding'])).toEqual([]);
});

test('a mistyped flag or command gets a suggestion, exit code 2', () => {
  const message = (argv: string[]): string => {
    try {
      parseCliArgs(argv, {});
    } catch (error) {
      expect((error as AgentError).exitCode).toBe(2);
      return (error as Error).message;
    }
    throw new Error('no error');
  };
  expect(message(['wss://x', '--gihub-user', 'me'])).toBe('unknown option --gihub-user (did you mean --github-user?) (see --help)');
  expect(message(['wss://x', '--idle-timout', '5m'])).toBe('unknown option --idle-timout (did you mean --idle-timeout?) (see --help)');
  expect(message(['rnu', 'wss://x'])).toBe('unknown command rnu (did you mean run?) (see --help)');
});

test('completion: a script, and the flags', () => {
  const script = parseCliArgs(['completion'], { SHELL: '/bin/bash' });
  expect(script.kind === 'completion' && script.text).toContain('converge-agent --get-yargs-completions');
  const flags = parseCliArgs(['--get-yargs-completions', 'converge-agent', '--idle'], {});
  expect(flags.kind === 'completion' && flags.text.split('\n')).toEqual(expect.arrayContaining(['--idle-timeout', '--github-user', '--no-forwarding']));
});

test('CONVERGE_TOKEN and CONVERGE_LOG_LEVEL are defaults; the session variables CONVERGE_ID and agentdir are not', () => {
  expect(run(['ws://x'], { CONVERGE_TOKEN: 't', CONVERGE_ID: 'other-agent' })).toMatchObject({ token: 't', id: undefined });
  expect(run(['ws://x', '--token', 'flag'], { CONVERGE_TOKEN: 't' }).token).toBe('flag');
});

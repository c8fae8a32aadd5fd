import { AgentError, AgentErrorCode, ExitCode } from './errors';
import { parseEnvPairs, parseListen, resolveAgentConfig } from './config';
import { backoffDelay, isTransientCode } from './control-policy';

const base = { relayUrl: 'wss://relay.example.com', authorizedKeysText: 'ssh-ed25519 AAAA x', environment: {} };

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AgentError);
    return { code: (error as AgentError).code, exitCode: (error as AgentError).exitCode, message: (error as AgentError).message };
  }
  throw new Error('did not throw');
};

test('defaults', () => {
  const config = resolveAgentConfig(base);
  expect(config).toMatchObject({ sftp: 'auto', logLevel: 'info', quiet: false, watchKeys: true, env: {} });
  expect(config.relay).toMatchObject({ wsBase: 'wss://relay.example.com', secure: true });
});

test('http(s) relay URLs are accepted as ws(s)', () => {
  expect(resolveAgentConfig({ ...base, relayUrl: 'http://127.0.0.1:8000/base/' }).relay?.wsBase).toBe('ws://127.0.0.1:8000/base');
});

test('invalid values are config errors (exit 2) with the reason', () => {
  expect(codeOf(() => resolveAgentConfig({ ...base, relayUrl: 'ftp://x' }))).toMatchObject({ exitCode: ExitCode.config, message: expect.stringContaining('scheme') });
  expect(codeOf(() => resolveAgentConfig({ ...base, id: 'Bad_Id' }))).toMatchObject({ code: AgentErrorCode.BAD_ARGUMENT, message: expect.stringContaining('invalid id') });
  expect(codeOf(() => resolveAgentConfig({ ...base, sftp: 'ftp' as never }))).toMatchObject({ exitCode: 2 });
  expect(codeOf(() => resolveAgentConfig({ ...base, logLevel: 'loud' as never }))).toMatchObject({ exitCode: 2 });
  expect(codeOf(() => resolveAgentConfig({ ...base, authorizedKeysText: '  ' }))).toMatchObject({ code: AgentErrorCode.NO_AUTHORIZED_KEYS, exitCode: 2 });
  expect(codeOf(() => resolveAgentConfig({ ...base, relayUrl: undefined }))).toMatchObject({ exitCode: 2 });
  expect(codeOf(() => resolveAgentConfig({ ...base, env: ['1X=2'] }))).toMatchObject({ exitCode: 2 });
});

test('listen and env parsing', () => {
  expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
  expect(parseListen('[::1]:2222')).toEqual({ host: '::1', port: 2222 });
  expect(() => parseListen('127.0.0.1')).toThrow(AgentError);
  expect(() => parseListen('h:70000')).toThrow(/HOST:PORT/);
  expect(parseEnvPairs(['A=1', 'B_2=x=y', 'C='])).toEqual({ A: '1', B_2: 'x=y', C: '' });
});

test('backoff doubles from 0.5 s to 30 s with jitter; transient relay codes', () => {
  expect([0, 1, 2, 3].map((n) => backoffDelay(n, () => 1))).toEqual([500, 1000, 2000, 4000]);
  expect(backoffDelay(50, () => 1)).toBe(30_000);
  expect(backoffDelay(0, () => 0)).toBe(250);
  expect(isTransientCode('SHUTTING_DOWN')).toBe(true);
  expect(isTransientCode('UNAUTHORIZED')).toBe(false);
});

test('forge users, shells and forwarding', () => {
  const onlyForge = { relayUrl: 'ws://r', environment: {}, githubUsers: ['octocat'] };
  expect(resolveAgentConfig(onlyForge)).toMatchObject({ githubUsers: ['octocat'], githubUrl: 'https://github.com', gitlabUrl: 'https://gitlab.com', forwarding: true });
  expect(resolveAgentConfig({ ...base, shells: ['zsh, bash', 'sh'] }).shells).toEqual(['zsh', 'bash', 'sh']);
  expect(codeOf(() => resolveAgentConfig({ ...base, shells: ['zsh,,sh'] }))).toMatchObject({ exitCode: 2 });
  expect(codeOf(() => resolveAgentConfig({ ...onlyForge, githubUsers: ['../etc'] }))).toMatchObject({ exitCode: 2, message: expect.stringContaining('--github-user') });
  expect(codeOf(() => resolveAgentConfig({ ...onlyForge, gitlabUrl: 'ftp://x' }))).toMatchObject({ exitCode: 2, message: expect.stringContaining('--gitlab-url') });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helpMentionsEveryOption } from '@converge/cli-kit';
import { resolveRelayConfig } from '../config';
import { RelayConfigError } from '../errors';
import { parseRelayArgs, RELAY_OPTIONS, TOKEN_OPTIONS } from './args';
import { HELP, TOKEN_HELP } from './help';

describe('relay arguments and config', () => {
  it('reads flags, then the environment, then defaults', () => {
    const parsed = parseRelayArgs(['--port', '9000', '--heartbeat', '5s', '--base-path', '/c/'], { CONVERGE_RELAY_HOST: '127.0.0.1', PORT: '1' });
    expect(parsed).toMatchObject({ port: 9000, host: '127.0.0.1', heartbeatMs: 5000, basePath: '/c/' });
    expect(resolveRelayConfig(parsed as object)).toMatchObject({ port: 9000, basePath: '/c', openTimeoutMs: 10_000 });
    expect(parseRelayArgs([], { PORT: '7000' })).toMatchObject({ port: 7000 });
    expect(parseRelayArgs(['-h'], {})).toBe('help');
    expect(parseRelayArgs(['--version'], {})).toBe('version');
  });

  it.each([
    [['--port', 'x'], /--port: not a port number: x/],
    [['--heartbeat', 'soon'], /--heartbeat: not a duration: soon/],
    [['extra'], /unexpected argument: extra/],
    [['--nope'], /^unknown option --nope$/],
    [['--max-agent', '3'], /^unknown option --max-agent \(did you mean --max-agents\?\)$/],
    [['tokne'], /^unknown command tokne \(did you mean token\?\)$/],
    [['--port'], /^option --port needs a value$/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseRelayArgs(argv, {})).toThrow(message);
  });

  it.each([
    [{ port: 70000 }, /port: must be 0-65535/],
    [{ basePath: '/a b' }, /base path/],
    [{ heartbeatMs: 10 }, /heartbeat: must be at least 100ms/],
    [{ logLevel: 'loud' as never }, /log level/],
  ])('config refuses %j', (input, message) => {
    expect(() => resolveRelayConfig(input)).toThrow(RelayConfigError);
    expect(() => resolveRelayConfig(input)).toThrow(message);
  });

  it('names where a bad value came from: a flag, a variable or the config file', () => {
    expect(() => parseRelayArgs([], { CONVERGE_RELAY_PORT: 'http' })).toThrow(/^CONVERGE_RELAY_PORT: not a port number: http$/);
    const dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
    const file = join(dir, 'relay.json');
    writeFileSync(file, JSON.stringify({ heartbeat: 'often' }));
    expect(() => parseRelayArgs(['--config', file], {})).toThrow(`--heartbeat (in ${file}): not a duration: often`);
  });

  it('reads --config FILE below flags and the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
    const file = join(dir, 'relay.json');
    writeFileSync(file, JSON.stringify({ port: 8443, host: '127.0.0.1', 'max-agents': 5, 'allow-shell': 'no', 'log-format': 'json' }));
    expect(parseRelayArgs(['--config', file], {})).toMatchObject({ port: 8443, host: '127.0.0.1', maxAgents: 5, allowShell: false, logFormat: 'json' });
    expect(parseRelayArgs(['--config', file, '--port', '1'], { CONVERGE_RELAY_HOST: '::1' })).toMatchObject({ port: 1, host: '::1' });
    expect(parseRelayArgs([], { CONVERGE_RELAY_CONFIG: file })).toMatchObject({ port: 8443 });
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => parseRelayArgs(['--config', file], {})).toThrow(`--config ${file}: unknown setting "prot" (did you mean "port"?)`);
  });

  it('prints a completion script', () => {
    const parsed = parseRelayArgs(['completion'], { SHELL: '/bin/bash' });
    expect(typeof parsed === 'object' && 'completion' in parsed && parsed.completion).toContain('converge-relay --get-yargs-completions');
  });

  it('the help texts and the option tables agree', () => {
    expect(helpMentionsEveryOption(HELP, { ...RELAY_OPTIONS, ...TOKEN_OPTIONS })).toEqual([]);
    expect(helpMentionsEveryOption(TOKEN_HELP, TOKEN_OPTIONS, ['agent-token-secret', 'token'])).toEqual([]);
  });
});

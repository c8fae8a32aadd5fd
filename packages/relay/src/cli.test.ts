import { parseRelayArgs } from './cli';
import { resolveRelayConfig } from './config';
import { RelayConfigError } from './errors';

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
    [['--nope'], /Unknown option '--nope'/],
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
});

import { helpMentionsEveryOption } from '@converge/cli-kit';
import { ProxyError } from '../errors';
import { parseProxyArgs, PROXY_OPTIONS } from './args';
import { HELP } from './help';

const KEY = `SHA256:${'A'.repeat(43)}`;
const failure = (argv: string[]): ProxyError => {
  try {
    parseProxyArgs(argv, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ProxyError);
    return error as ProxyError;
  }
  throw new Error('no error');
};

describe('converge-wsproxy arguments', () => {
  it('reads the URL and options', () => {
    expect(parseProxyArgs(['--host-key', KEY, '--connect-timeout', '2s', '--verbose', 'wss://r/client/abc'], {})).toMatchObject({
      kind: 'proxy', url: 'wss://r/client/abc', hostKey: KEY, connectTimeoutMs: 2000, verbose: true,
    });
    expect(parseProxyArgs(['-h'], {})).toEqual({ kind: 'help' });
    expect(parseProxyArgs(['-V'], {})).toEqual({ kind: 'version' });
  });

  it('refuses with exit code 2 and a suggestion', () => {
    const typo = failure(['--host-kye', KEY, 'wss://r/client/abc']);
    expect(typo.exitCode).toBe(2);
    expect(typo.message).toBe("unknown option --host-kye (did you mean --host-key?)\nTry 'converge-wsproxy --help'.");
    expect(failure(['a', 'b']).message).toMatch(/^expected one URL, got 2/);
    expect(failure(['--host-key', 'MD5:x', 'ws://r/client/abc']).message).toMatch(/^--host-key: expected SHA256:/);
  });

  it('prints a completion script', () => {
    const command = parseProxyArgs(['completion'], { SHELL: '/bin/bash' });
    expect(command.kind === 'completion' && command.text).toContain('converge-wsproxy --get-yargs-completions');
  });

  it('the help and the option table agree', () => {
    expect(helpMentionsEveryOption(HELP, PROXY_OPTIONS)).toEqual([]);
  });
});

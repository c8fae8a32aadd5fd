import { describeConnectError } from './connect-errors';
import { EXIT_CODE_MEANINGS, ExitCode, exitCodeHelp } from './exit-codes';

test('one number per meaning, and each has words', () => {
  const codes = Object.values(ExitCode);
  expect(new Set(codes).size).toBe(codes.length);
  for (const code of codes) expect(EXIT_CODE_MEANINGS[code]).toMatch(/\w/);
});

test('a CLI lists its codes with the shared words and its own notes', () => {
  const help = exitCodeHelp([0, 2, 9], { 0: 'stopped by SIGINT or SIGTERM' });
  expect(help.split('\n')).toEqual([
    'Exit codes (the same numbers in every Converge CLI):',
    '  0  normal end; stopped by SIGINT or SIGTERM',
    '  2  bad arguments or configuration',
    '  9  cannot listen on the address or port',
  ]);
});

describe('describeConnectError', () => {
  test('wss:// to a plain relay says so instead of OpenSSL\'s words', () => {
    const failure = describeConnectError({ code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: 'C0C7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number' }, 'wss://r/agent');
    expect(failure).toEqual({ kind: 'tls', message: 'TLS failed for wss://r/agent: the relay does not speak TLS there (a plain relay is ws://, not wss://)' });
  });

  test('certificate, refused, unknown host, other', () => {
    expect(describeConnectError({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, 'wss://r').kind).toBe('tls');
    expect(describeConnectError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'ws://r').message).toBe('cannot reach the relay at ws://r: connection refused');
    expect(describeConnectError({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND r' }, 'ws://r').message).toBe('cannot reach the relay at ws://r: no such host');
    expect(describeConnectError({ message: 'odd\nsecond line' }, 'ws://r')).toEqual({ kind: 'other', message: 'cannot connect to ws://r: odd' });
  });
});

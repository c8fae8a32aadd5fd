// Integration: the real OpenSSH client against the agent's SSH server on a TCP port.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Agent } from './agent';
import { Duplex } from 'node:stream';
import { answerNonSshPeer, connectionEnv } from './ssh-server';
import { runSsh, sshArgs, startTestAgent, tempKeys, type TempKeys } from '@converge/testkit';
import { startAgent } from './agent';

jest.setTimeout(20_000);

let keys: TempKeys;
let agent: Agent;
const ssh = (key: string, ...rest: string[]) => runSsh([...sshArgs(agent, keys.key(key), keys.dir), ...rest]);

beforeAll(async () => {
  keys = tempKeys(['me', 'stranger', 'nopty', 'forced']);
  const file = join(keys.dir, 'authorized_keys');
  writeFileSync(
    file,
    [
      '# test keys',
      keys.publicLine('me'),
      `no-pty ${keys.publicLine('nopty')}`,
      `command="echo \\"forced:$SSH_ORIGINAL_COMMAND\\"",restrict ${keys.publicLine('forced')}`,
      '',
    ].join('\n'),
  );
  agent = await startTestAgent(startAgent, { authorizedKeysFiles: [file], env: ['FROM_AGENT=yes'] });
});

afterAll(async () => {
  await agent?.close();
  keys?.cleanup();
});

test('exec passes exit codes and keeps stdout and stderr apart', async () => {
  const ok = await ssh('me', 'u@127.0.0.1', 'echo out; echo err >&2; echo "$CONVERGE_ID $FROM_AGENT"');
  expect(ok).toMatchObject({ code: 0, stdout: `out\n${agent.id} yes\n` });
  expect(ok.stderr).toBe('err\n');
  const seven = await ssh('me', 'u@127.0.0.1', 'exit 7');
  expect(seven.code).toBe(7);
});

test('stdin reaches the command and EOF ends it', async () => {
  const result = await runSsh([...sshArgs(agent, keys.key('me'), keys.dir), 'u@127.0.0.1', 'wc -c'], { input: 'hello\n' });
  expect(result.stdout.trim()).toBe('6');
});

test('ssh -tt gets a terminal', async () => {
  const result = await ssh('me', '-tt', 'u@127.0.0.1', 'tty; echo "TERM=$TERM"');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/\/dev\/pts\/\d+/);
});

test('a wrong key and a password are refused', async () => {
  const wrong = await ssh('stranger', 'u@127.0.0.1', 'true');
  expect(wrong.code).toBe(255);
  expect(wrong.stderr).toMatch(/Permission denied \(publickey\)/);
  const password = await ssh('me', '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', 'u@127.0.0.1', 'true');
  expect(password.code).toBe(255);
  expect(password.stderr).toMatch(/Permission denied/);
});

test('no-pty refuses the terminal; the key still runs commands without one', async () => {
  // OpenSSH 9.2 with -tt gives up (exit 255) when the pty is refused, before running anything.
  const forced = await ssh('nopty', '-tt', 'u@127.0.0.1', 'tty');
  expect(forced.stderr).toMatch(/PTY allocation request failed/);
  expect(forced.stdout).not.toMatch(/\/dev\/pts/);
  const plain = await ssh('nopty', 'u@127.0.0.1', 'tty');
  expect(plain.stdout).toMatch(/not a tty/);
});

test('a forced command replaces the command and sees SSH_ORIGINAL_COMMAND', async () => {
  const result = await ssh('forced', 'u@127.0.0.1', 'rm -rf /tmp/nothing');
  expect(result).toMatchObject({ code: 0, stdout: 'forced:rm -rf /tmp/nothing\n' });
});

test('two connections at once', async () => {
  const started = Date.now();
  const [a, b] = await Promise.all([
    ssh('me', 'u@127.0.0.1', 'sleep 0.5; echo a'),
    ssh('me', 'u@127.0.0.1', 'sleep 0.5; echo b'),
  ]);
  expect([a.stdout, b.stdout]).toEqual(['a\n', 'b\n']);
  expect(Date.now() - started).toBeLessThan(4000);
});

describe('connectionEnv', () => {
  test('a TCP client: addresses and ports as sshd writes them', () => {
    const env = connectionEnv({ remotePort: 50123, localAddress: '::ffff:127.0.0.1', localPort: 2222 }, '127.0.0.1');
    expect(env).toEqual({ SSH_CLIENT: '127.0.0.1 50123 2222', SSH_CONNECTION: '127.0.0.1 50123 127.0.0.1 2222' });
  });

  test('through the relay: the reported address; what is unknown as sshd writes it', () => {
    expect(connectionEnv({ remotePort: -3 }, '203.0.113.9')).toEqual({ SSH_CLIENT: '203.0.113.9 65535 65535', SSH_CONNECTION: '203.0.113.9 65535 UNKNOWN 65535' });
    expect(connectionEnv(undefined, undefined).SSH_CONNECTION).toBe('UNKNOWN 65535 UNKNOWN 65535');
  });
});

describe('answerNonSshPeer', () => {
  const transport = () => {
    const written: string[] = [];
    const duplex = new Duplex({ read() {}, write(chunk: Buffer, _enc, done) { written.push(chunk.toString()); done(); } });
    answerNonSshPeer(duplex);
    return { duplex, written };
  };

  test('a first line that is not an SSH identification string gets sshd\'s answer', async () => {
    const { duplex, written } = transport();
    duplex.push(Buffer.from('GET / HTTP/1.1\r\n'));
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual(['Invalid SSH identification string.\r\n']);
  });

  test('an SSH client, even one whose identification arrives in pieces, gets nothing extra', async () => {
    const { duplex, written } = transport();
    duplex.push(Buffer.from('SS'));
    duplex.push(Buffer.from('H-2.0-OpenSSH_9.2\r\n'));
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual([]);
  });
});

import { execFileSync } from 'node:child_process';
import { SERVER_KEX, serverCiphers } from './ssh-algorithms';
import { runSsh, sshArgs, startTestAgent, tempKeys } from '@converge/testkit';
import { startAgent } from './agent';

test('chacha20-poly1305 is offered only with ssh2\'s native binding; AES-GCM and CTR always', () => {
  expect(serverCiphers(false)).toEqual(['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr']);
  expect(serverCiphers(true)).toContain('chacha20-poly1305@openssh.com');
  expect(SERVER_KEX.some((k) => k.startsWith('diffie-hellman-group-exchange'))).toBe(false);
});

test('OpenSSH negotiates AES without chacha20, and a client that insists on DH group exchange gets a clear refusal', async () => {
  const keys = tempKeys(['me']);
  const agent = await startTestAgent(startAgent, { authorizedKeysText: keys.publicLine('me') });
  try {
    const base = sshArgs(agent, keys.key('me'), keys.dir);
    const verbose = await runSsh([...base, '-v', 'u@127.0.0.1', 'true']);
    expect(verbose.code).toBe(0);
    const chosen = /kex: server->client cipher: (\S+)/.exec(verbose.stderr)?.[1];
    expect(chosen === 'chacha20-poly1305@openssh.com' ? serverCiphers().includes(chosen) : chosen?.startsWith('aes')).toBe(true);
    const gex = await runSsh([...base, '-o', 'KexAlgorithms=diffie-hellman-group-exchange-sha256', 'u@127.0.0.1', 'true']);
    expect(gex.code).toBe(255);
    expect(gex.stderr).toMatch(/no matching key exchange method found/);
    const preferred = await runSsh([...base, '-o', 'KexAlgorithms=diffie-hellman-group-exchange-sha256,curve25519-sha256', 'u@127.0.0.1', 'echo ok']);
    expect(preferred.stdout).toBe('ok\n');
  } finally {
    await agent.close();
    keys.cleanup();
  }
  expect(execFileSync('ssh', ['-Q', 'kex'], { encoding: 'utf8' })).toContain('diffie-hellman-group-exchange-sha256');
});

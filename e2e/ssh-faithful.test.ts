// Issue 14 proof, the agent as OpenSSH clients expect an SSH server to be, through the relay: the
// signature algorithms it announces are well formed (a client limited to one RSA signature algorithm
// logs in), and every kind of key people hold logs in.
import { cleanup, type Key, knownHostsFor, makeKey, type RelayProc, type AgentProc, ssh, startAgent, startRelay, tempDir } from './harness';
import { appendFileSync, readFileSync } from 'node:fs';

describe('an SSH server as OpenSSH clients expect', () => {
  let relay: RelayProc;
  let agent: AgentProc;
  let known: string;
  let keys: Record<'ed25519' | 'rsa' | 'ecdsa', Key>;

  beforeAll(async () => {
    const dir = tempDir();
    keys = { ed25519: makeKey(dir, 'ed', 'ed25519'), rsa: makeKey(dir, 'rsa', 'rsa'), ecdsa: makeKey(dir, 'ec', 'ecdsa') };
    const authorized = `${dir}/authorized_keys`;
    for (const key of Object.values(keys)) appendFileSync(authorized, readFileSync(key.publicKey));
    relay = await startRelay();
    agent = await startAgent(relay.wsUrl, ['--authorized-keys', authorized]);
    known = knownHostsFor(agent.info, dir);
  });
  afterAll(cleanup);

  it.each([
    ['rsa', 'rsa-sha2-512'],
    ['rsa', 'rsa-sha2-256'],
    ['ecdsa', 'ecdsa-sha2-nistp256'],
    ['ed25519', 'ssh-ed25519'],
  ] as const)('a %s key limited to PubkeyAcceptedAlgorithms=%s logs in', async (type, algorithm) => {
    // ssh 9.2 offers a key only with an algorithm the server listed in server-sig-algs: a list with a
    // missing comma ("...nistp521rsa-sha2-512,...") made rsa-sha2-512 unusable.
    const result = await ssh(agent.info, keys[type], known, ['echo in'], { extra: ['-o', `PubkeyAcceptedAlgorithms=${algorithm}`] });
    expect(result).toMatchObject({ code: 0, stdout: 'in\n' });
  });
});

// Issue 14 proof, the agent as OpenSSH clients expect an SSH server to be, through the relay: the
// signature algorithms it announces are well formed (a client limited to one RSA signature algorithm
// logs in), every kind of key people hold logs in, Unix-socket forwarding both ways (with half-close and
// the same switches as TCP forwarding), and agent forwarding (ssh -A) unless the key forbids it.
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AgentProc, cleanup, type Key, knownHostsFor, makeKey, type RelayProc, run, ssh, sshOptions, startAgent, startProcess, startRelay, stop, tempDir, waitFor,
} from './harness';
import { freePort, halfCloseClientScript, startReplyAfterEofServer, waitForPort } from './net-helpers';

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

describe('Unix-socket and agent forwarding through the relay', () => {
  let agent: AgentProc;
  let known: string;
  let dir: string;
  let person: Key;
  let restricted: Key;

  beforeAll(async () => {
    dir = tempDir();
    person = makeKey(dir, 'person');
    restricted = makeKey(dir, 'restricted');
    const authorized = `${dir}/authorized_keys`;
    writeFileSync(authorized, `${readFileSync(person.publicKey, 'utf8')}no-port-forwarding,no-agent-forwarding ${readFileSync(restricted.publicKey, 'utf8')}`);
    const relay = await startRelay();
    agent = await startAgent(relay.wsUrl, ['--authorized-keys', authorized]);
    known = knownHostsFor(agent.info, dir);
  });
  afterAll(cleanup);

  const background = (key: Key, extra: string[]) =>
    startProcess('ssh', [...sshOptions(agent.info, key, known), '-N', '-o', 'ExitOnForwardFailure=yes', ...extra, `${agent.info.user}@${agent.info.id}`]);

  it('ssh -L port:/path.sock reaches a Unix socket on the agent side, half-close included', async () => {
    const socketPath = join(dir, 'service.sock');
    const service = await startReplyAfterEofServer(socketPath);
    try {
      const port = await freePort();
      const tunnel = background(person, ['-L', `127.0.0.1:${port}:${socketPath}`]);
      await waitForPort(port);
      const reply = await run(process.execPath, ['-e', halfCloseClientScript(port, 'over -L')]);
      expect(reply).toMatchObject({ code: 0, stdout: 'got 7 bytes: over -L' });
      await stop(tunnel);
    } finally {
      await service.close();
    }
  });

  it('ssh -R /path.sock:host:port listens on a 0600 socket on the agent side, removed when the connection ends', async () => {
    const service = await startReplyAfterEofServer();
    try {
      const socketPath = join(dir, 'reverse.sock');
      const tunnel = background(person, ['-R', `${socketPath}:127.0.0.1:${service.port}`]);
      await waitFor('the forwarded socket', () => existsSync(socketPath), 20_000, tunnel);
      expect(statSync(socketPath).mode & 0o777).toBe(0o600);
      const reply = await run(process.execPath, ['-e', halfCloseClientScript(socketPath, 'over -R')]);
      expect(reply).toMatchObject({ code: 0, stdout: 'got 7 bytes: over -R' });
      await stop(tunnel);
      await waitFor('the socket file to go', () => !existsSync(socketPath), 10_000);
    } finally {
      await service.close();
    }
  });

  it('no-port-forwarding refuses Unix-socket forwards as it refuses TCP ones', async () => {
    const port = await freePort();
    const tunnel = background(restricted, ['-L', `127.0.0.1:${port}:${join(dir, 'any.sock')}`]);
    await waitForPort(port);
    await run(process.execPath, ['-e', halfCloseClientScript(port, 'x')]);
    await waitFor('the refusal', () => agent.stderr().includes('refused: no-port-forwarding is set for this key'), 10_000, agent);
    await stop(tunnel);
    const reverse = await run('ssh', [...sshOptions(agent.info, restricted, known), '-N', '-o', 'ExitOnForwardFailure=yes', '-R', `${join(dir, 'r2.sock')}:127.0.0.1:1`, `${agent.info.user}@${agent.info.id}`]);
    expect(reverse.code).not.toBe(0);
    expect(reverse.stderr).toMatch(/remote port forwarding failed/);
  });

  it('ssh -A: the job reaches the person\'s ssh-agent; refused under no-agent-forwarding', async () => {
    const agentSocket = join(dir, 'person-agent.sock');
    const sshAgent = startProcess('ssh-agent', ['-D', '-a', agentSocket]);
    try {
      await waitFor('ssh-agent', () => existsSync(agentSocket), 10_000, sshAgent);
      expect((await run('ssh-add', [person.privateKey], { env: { SSH_AUTH_SOCK: agentSocket } })).code).toBe(0);
      const fingerprint = (await run('ssh-keygen', ['-lf', person.publicKey])).stdout.split(' ')[1];
      const env = { SSH_AUTH_SOCK: agentSocket };
      // sshOptions says IdentityAgent=none, which also unsets SSH_AUTH_SOCK in ssh: name the agent instead.
      const withAgent = (key: Key) => [...sshOptions(agent.info, key, known).map((o) => (o === 'IdentityAgent=none' ? `IdentityAgent=${agentSocket}` : o)), '-A'];
      const listed = await run('ssh', [...withAgent(person), `${agent.info.user}@${agent.info.id}`, 'ssh-add -l; echo "sock=$SSH_AUTH_SOCK"'], { env });
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(fingerprint);
      expect(listed.stdout).toMatch(/sock=\/.*converge-ssh-.*\/agent\.\d+\n/);
      // An interactive shell says so before the prompt.
      const shell = await run('ssh', [...withAgent(person), '-tt', `${agent.info.user}@${agent.info.id}`], { env, input: 'exit\n' });
      expect(shell.stdout).toMatch(/\[converge\] Your ssh-agent is forwarded \(SSH_AUTH_SOCK=\/\S+\): programs in this job can use your keys while you are connected\./);
      const refused = await run('ssh', [...withAgent(restricted), `${agent.info.user}@${agent.info.id}`, 'echo "sock=${SSH_AUTH_SOCK-unset}"'], { env });
      expect(refused).toMatchObject({ code: 0, stdout: 'sock=unset\n' });
      expect(agent.stderr()).toContain('agent forwarding refused: no-agent-forwarding is set for this key');
    } finally {
      await stop(sshAgent);
    }
  });
});

// Issue 3 proof, port forwarding through the relay with the real OpenSSH client: -L, -D (SOCKS), -R with
// an allocated port, cleanup when the connection ends, and the refusals (--no-forwarding on the agent,
// --allow-forwarding no and --allow-shell no on the relay) as the client sees them.
import { existsSync } from 'node:fs';
import {
  type AgentProc,
  cleanup,
  type Key,
  knownHostsFor,
  type Proc,
  type RelayProc,
  run,
  ssh,
  sshOptions,
  startAgent,
  startProcess,
  startRelay,
  startStack,
  stop,
  tempDir,
  waitFor,
} from './harness';
import { accepts, freePort, halfCloseClientScript, startHttpServer, startReplyAfterEofServer, type TestHttpServer, waitForPort } from './net-helpers';

/** ssh in the background (a forward held open with -N); LogLevel INFO so "Allocated port" shows. */
function sshBackground(agent: AgentProc, key: Key, knownHosts: string, extra: string[]): Proc {
  const options = sshOptions(agent.info, key, knownHosts).map((o) => (o === 'LogLevel=ERROR' ? 'LogLevel=INFO' : o));
  return startProcess('ssh', [...options, ...extra, `${agent.info.user}@${agent.info.id}`]);
}

const curl = (args: string[]) => run('curl', ['-sS', '--max-time', '20', ...args], { timeoutMs: 25_000 });

describe('forwarding through the relay', () => {
  let relay: RelayProc;
  let agent: AgentProc;
  let key: Key;
  let dir: string;
  let knownHosts: string;
  let server: TestHttpServer;

  beforeAll(async () => {
    server = await startHttpServer('test-server');
    ({ dir, key, relay, agent, knownHosts } = await startStack());
  });
  afterAll(async () => {
    await cleanup();
    await server.close();
  });

  it('ssh -L: a local port reaches a server on the agent side, 16 MiB intact', async () => {
    const port = await freePort();
    const tunnel = sshBackground(agent, key, knownHosts, ['-N', '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${port}:127.0.0.1:${server.port}`]);
    await waitForPort(port);
    expect((await curl([`http://127.0.0.1:${port}/via-L`])).stdout).toBe('hello from test-server /via-L\n');
    const big = await run('sh', ['-c', `curl -sS --max-time 60 http://127.0.0.1:${port}/big | sha256sum`], { timeoutMs: 65_000 });
    expect(big.stdout.split(' ')[0]).toBe(server.bigSha256);
    await stop(tunnel);
  });

  it('ssh -D: a SOCKS5 request with a host name goes out from the agent', async () => {
    const port = await freePort();
    const socks = sshBackground(agent, key, knownHosts, ['-N', '-o', 'ExitOnForwardFailure=yes', '-D', `127.0.0.1:${port}`]);
    await waitForPort(port);
    const result = await curl(['--socks5-hostname', `127.0.0.1:${port}`, `http://localhost:${server.port}/via-D`]);
    expect(result.stdout).toBe('hello from test-server /via-D\n');
    await stop(socks);
  });

  it('ssh -R 0: the agent picks a port, the client prints it, the agent side reaches the client side', async () => {
    const clientSide = await startHttpServer('client-side', 4 * 1024 * 1024);
    try {
      const reverse = sshBackground(agent, key, knownHosts, ['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `0:127.0.0.1:${clientSide.port}`]);
      const allocated = Number(await waitFor('Allocated port', () => /Allocated port (\d+)/.exec(reverse.stderr())?.[1], 20_000, reverse));
      expect(allocated).toBeGreaterThan(0);
      // From the agent's machine (the same machine here), through an exec on the agent.
      const fetched = await ssh(agent.info, key, knownHosts, [`curl -sS --max-time 20 http://127.0.0.1:${allocated}/via-R`]);
      expect(fetched).toMatchObject({ code: 0, stdout: 'hello from client-side /via-R\n' });
      const big = await ssh(agent.info, key, knownHosts, [`curl -sS --max-time 60 http://127.0.0.1:${allocated}/big | sha256sum`], { timeoutMs: 65_000 });
      expect(big.stdout.split(' ')[0]).toBe(clientSide.bigSha256);
      // Default bind is loopback only.
      expect(agent.stderr()).toContain(`remote forward listening on 127.0.0.1:${allocated}`);
      // The connection ends: the listener on the agent goes with it.
      await stop(reverse);
      let open = true;
      for (let i = 0; i < 100 && open; i++) {
        open = await accepts(allocated);
        if (open) await new Promise((r) => setTimeout(r, 100));
      }
      expect(open).toBe(false);
    } finally {
      await clientSide.close();
    }
  });

  it('half-close carried both ways: a peer that shuts down writing still gets the reply (-R and -L)', async () => {
    const replier = await startReplyAfterEofServer();
    try {
      // -R: the connecting side is on the agent's machine, the answering one on the client's.
      const reverse = sshBackground(agent, key, knownHosts, ['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `0:127.0.0.1:${replier.port}`]);
      const allocated = Number(await waitFor('Allocated port', () => /Allocated port (\d+)/.exec(reverse.stderr())?.[1], 20_000, reverse));
      const viaR = await ssh(agent.info, key, knownHosts, [`node -e "${halfCloseClientScript(allocated, 'ping-R').replace(/"/g, '\\"')}"`]);
      expect(viaR).toMatchObject({ code: 0, stdout: 'got 6 bytes: ping-R' });
      await stop(reverse);
      // -L: the answering side is on the agent's machine.
      const port = await freePort();
      const tunnel = sshBackground(agent, key, knownHosts, ['-N', '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${port}:127.0.0.1:${replier.port}`]);
      await waitForPort(port);
      const viaL = await run(process.execPath, ['-e', halfCloseClientScript(port, 'ping-L')]);
      expect(viaL).toMatchObject({ code: 0, stdout: 'got 6 bytes: ping-L' });
      await stop(tunnel);
    } finally {
      await replier.close();
    }
  });

  it('ssh -R with a fixed port, then cancel it with ssh -O cancel on a master connection', async () => {
    const clientSide = await startHttpServer('cancel-side', 1024);
    try {
      const socket = `${tempDir()}/cm`;
      const master = sshBackground(agent, key, knownHosts, ['-M', '-S', socket, '-N']);
      await waitFor('control socket', () => existsSync(socket), 20_000, master);
      const port = await freePort();
      const spec = `127.0.0.1:${port}:127.0.0.1:${clientSide.port}`;
      expect((await run('ssh', ['-S', socket, '-O', 'forward', '-R', spec, 'x'])).code).toBe(0);
      await waitForPort(port);
      expect((await curl([`http://127.0.0.1:${port}/fixed`])).stdout).toBe('hello from cancel-side /fixed\n');
      expect((await run('ssh', ['-S', socket, '-O', 'cancel', '-R', spec, 'x'])).code).toBe(0);
      await waitFor('cancelled', () => agent.stderr().includes(`remote forward on port ${port} cancelled`), 10_000, agent);
      expect(await accepts(port)).toBe(false);
      await run('ssh', ['-S', socket, '-O', 'exit', 'x']);
      await stop(master);
    } finally {
      await clientSide.close();
    }
  });

  it('--no-forwarding: -L and -R are refused, the client says so, the agent logs one line each', async () => {
    const closed = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey, '--no-forwarding']);
    const known = knownHostsFor(closed.info, dir);
    const viaW = await run('ssh', [...sshOptions(closed.info, key, known), '-W', `127.0.0.1:${server.port}`, `${closed.info.user}@${closed.info.id}`]);
    expect(viaW.code).toBe(255);
    expect(viaW.stderr).toMatch(/stdio forwarding failed|administratively prohibited/);
    const port = await freePort();
    const tunnel = sshBackground(closed, key, known, ['-N', '-L', `127.0.0.1:${port}:127.0.0.1:${server.port}`]);
    await waitForPort(port);
    expect((await curl([`http://127.0.0.1:${port}/`])).code).not.toBe(0);
    // ssh2 1.17's reject() cannot carry a reason code: OpenSSH prints "open failed: connect failed".
    await waitFor('client message', () => /channel \d+: open failed/.test(tunnel.stderr()), 10_000, tunnel);
    await stop(tunnel);
    const reverse = await run('ssh', [...sshOptions(closed.info, key, known), '-N', '-o', 'ExitOnForwardFailure=yes', '-R', `0:127.0.0.1:${server.port}`, `${closed.info.user}@${closed.info.id}`]);
    expect(reverse.code).toBe(255);
    expect(reverse.stderr).toMatch(/remote port forwarding failed for listen port 0/);
    const lines = closed.stderr().split('\n').filter((l) => l.includes('refused: port forwarding is disabled on this agent (--no-forwarding)'));
    // One line per refused request: -W (1), -L (the port probe and curl: 2), -R (1).
    expect(lines.filter((l) => l.includes(': forward to '))).toHaveLength(3);
    expect(lines.filter((l) => l.includes(': remote forward localhost:0 refused'))).toHaveLength(1);
    // Shells still work.
    expect((await ssh(closed.info, key, known, ['echo still-here'])).stdout).toBe('still-here\n');
  });

  it('relay --allow-forwarding no and --allow-shell no: refusals the client sees; sftp still works', async () => {
    const strict = await startRelay(['--allow-forwarding', 'no', '--allow-shell', 'no']);
    const locked = await startAgent(strict.wsUrl, ['--authorized-keys', key.publicKey]);
    const known = knownHostsFor(locked.info, dir);
    const viaW = await run('ssh', [...sshOptions(locked.info, key, known), '-W', `127.0.0.1:${server.port}`, `${locked.info.user}@${locked.info.id}`]);
    expect(viaW.code).toBe(255);
    expect(viaW.stderr).toMatch(/stdio forwarding failed|administratively prohibited/);
    const reverse = await run('ssh', [...sshOptions(locked.info, key, known), '-N', '-o', 'ExitOnForwardFailure=yes', '-R', `0:127.0.0.1:${server.port}`, `${locked.info.user}@${locked.info.id}`]);
    expect(reverse.stderr).toMatch(/remote port forwarding failed/);
    const exec = await ssh(locked.info, key, known, ['echo should-not-run']);
    expect(exec).toMatchObject({ code: 1, stdout: '' });
    expect(exec.stderr).toContain('converge: shells and commands are disabled by the relay (--allow-shell no)');
    const sftp = await run('sftp', [...sshOptions(locked.info, key, known), '-b', '-', `${locked.info.user}@${locked.info.id}`], { input: 'pwd\n' });
    expect(sftp.code).toBe(0);
    expect(sftp.stdout).toMatch(/Remote working directory: \//);
    expect(locked.stderr()).toMatch(/port forwarding is disabled by the relay/);
    await stop(locked);
    await stop(strict);
  });
});

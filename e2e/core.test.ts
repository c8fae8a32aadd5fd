// Issue 2 proof: the real OpenSSH client through wsproxy and a real relay to a real agent.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IPty } from '@lydell/node-pty';
import {
  type AgentProc,
  cleanup,
  CLI,
  type Key,
  knownHostsFor,
  makeKey,
  type RelayProc,
  run,
  ssh,
  sshOptions,
  startAgent,
  startStack,
  tempDir,
  waitFor,
} from './harness';

describe('core: ssh through the relay', () => {
  let relay: RelayProc;
  let agent: AgentProc;
  let key: Key;
  let other: Key;
  let dir: string;
  let knownHosts: string;

  beforeAll(async () => {
    ({ dir, key, relay, agent, knownHosts } = await startStack());
    other = makeKey(dir, 'stranger');
  });
  afterAll(cleanup);

  it('prints the id, an ssh command, the fingerprint and a known_hosts line', () => {
    const out = agent.stdout();
    expect(out).toContain(agent.info.id);
    expect(out).toContain(agent.info.sshCommand);
    expect(out).toContain(agent.info.fingerprint);
    expect(out).toContain(agent.info.knownHostsLine);
    expect(agent.info.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(agent.info.clientUrl).toBe(`${relay.wsUrl}/client/${agent.info.id}`);
  });

  it('runs commands and returns their exit status (0 and 7)', async () => {
    const ok = await ssh(agent.info, key, knownHosts, ['echo hello from $CONVERGE_ID']);
    expect(ok).toMatchObject({ code: 0, stdout: `hello from ${agent.info.id}\n` });
    const seven = await ssh(agent.info, key, knownHosts, ['exit 7']);
    expect(seven.code).toBe(7);
  });

  it('keeps stdout and stderr apart', async () => {
    const result = await ssh(agent.info, key, knownHosts, ['echo to-out; echo to-err >&2; echo more-out']);
    expect(result.stdout).toBe('to-out\nmore-out\n');
    expect(result.stderr).toBe('to-err\n');
  });

  it('passes stdin to a command and large output back intact', async () => {
    const input = 'x'.repeat(3 * 1024 * 1024);
    const result = await ssh(agent.info, key, knownHosts, ['wc -c'], { input });
    expect(result.stdout.trim()).toBe(String(input.length));
    const big = await ssh(agent.info, key, knownHosts, ['head -c 5000000 /dev/zero | tr "\\0" a']);
    expect(big.stdout.length).toBe(5_000_000);
  });

  it('gives an interactive pty shell that follows a resize (ssh -tt)', async () => {
    const pty = require('@lydell/node-pty') as typeof import('@lydell/node-pty');
    const args = [...sshOptions(agent.info, key, knownHosts, ['-tt']), `${agent.info.user}@${agent.info.id}`];
    const term: IPty = pty.spawn('ssh', args, { cols: 80, rows: 24, env: process.env as Record<string, string> });
    let screen = '';
    term.onData((data) => (screen += data));
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    term.write('tty; stty size; echo "MARK""ONE"\r');
    await waitFor('first marker', () => screen.includes('MARKONE'));
    expect(screen).toMatch(/\/dev\/pts\/\d+/);
    expect(screen).toMatch(/24 80\r?\n/);
    term.resize(132, 40);
    await new Promise((r) => setTimeout(r, 300));
    term.write('stty size; echo "MARK""TWO"\r');
    await waitFor('second marker', () => screen.includes('MARKTWO'));
    expect(screen).toMatch(/40 132\r?\n/);
    term.write('exit 0\r');
    expect(await exited).toBe(0);
  });

  it('serves two sessions to one agent at once', async () => {
    const flag = join(tempDir(), 'flag');
    const waiting = ssh(agent.info, key, knownHosts, [`while [ ! -f ${flag} ]; do sleep 0.05; done; echo first-done`]);
    const second = await ssh(agent.info, key, knownHosts, [`touch ${flag}; echo second-done`]);
    expect(second.stdout).toBe('second-done\n');
    expect((await waiting).stdout).toBe('first-done\n');
  });

  it('serves several channels on one connection at once (ssh ControlMaster)', async () => {
    const socket = join(tempDir(), 'cm');
    const master = ssh(agent.info, key, knownHosts, [], { extra: ['-M', '-S', socket, '-N'], timeoutMs: 30_000 });
    await waitFor('control socket', () => existsSync(socket));
    const flag = join(tempDir(), 'flag');
    const via = (command: string) => ssh(agent.info, key, knownHosts, [command], { extra: ['-S', socket] });
    const waiting = via(`while [ ! -f ${flag} ]; do sleep 0.05; done; echo a`);
    expect((await via(`touch ${flag}; echo b`)).stdout).toBe('b\n');
    expect((await waiting).stdout).toBe('a\n');
    expect((await run('ssh', ['-S', socket, '-O', 'exit', 'x'])).stderr).toMatch(/Exit request sent/);
    await master;
  });

  it('refuses a key that is not authorized', async () => {
    const result = await ssh(agent.info, other, knownHosts, ['true']);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('refuses password and keyboard-interactive logins', async () => {
    for (const method of ['password', 'keyboard-interactive']) {
      const result = await ssh(agent.info, key, knownHosts, ['true'], {
        extra: ['-o', `PreferredAuthentications=${method}`, '-o', 'PubkeyAuthentication=no'],
      });
      expect(result.code).toBe(255);
      expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
    }
  });

  it('rejects a host key other than the printed one (StrictHostKeyChecking)', async () => {
    const forged = join(dir, 'forged_known_hosts');
    const impostor = makeKey(dir, 'impostor-host');
    writeFileSync(forged, `${agent.info.id} ${impostor.publicLine.split(' ').slice(0, 2).join(' ')}\n`);
    const result = await ssh(agent.info, key, forged, ['true']);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('an unknown id gives one readable wsproxy line and exit code 5', async () => {
    const direct = await run(process.execPath, [CLI.wsproxy, `${relay.wsUrl}/client/nobody-here`]);
    expect(direct.code).toBe(5);
    expect(direct.stderr).toBe('converge-wsproxy: no agent is connected with id nobody-here (is the agent still running?)\n');
    const viaSsh = await ssh({ ...agent.info, id: 'nobody-here', clientUrl: `${relay.wsUrl}/client/nobody-here` }, key, knownHosts, ['true']);
    expect(viaSsh.code).toBe(255);
    expect(viaSsh.stderr).toContain('converge-wsproxy: no agent is connected with id nobody-here');
  });

  it('a second agent asking for a taken id gets another id and never the first one\'s clients', async () => {
    const first = await startAgent(relay.wsUrl, ['--id', 'taken-id', '--authorized-keys', key.publicKey]);
    const second = await startAgent(relay.wsUrl, ['--id', 'taken-id', '--authorized-keys', key.publicKey]);
    expect(first.info.id).toBe('taken-id');
    expect(second.info.id).not.toBe('taken-id');
    expect(second.stdout() + second.stderr()).toMatch(/taken-id.*in use/);
    const firstKnown = knownHostsFor(first.info, dir);
    const secondKnown = knownHostsFor(second.info, dir);
    expect((await ssh(first.info, key, firstKnown, ['echo $CONVERGE_ID'])).stdout).toBe('taken-id\n');
    expect((await ssh(second.info, key, secondKnown, ['echo $CONVERGE_ID'])).stdout).toBe(`${second.info.id}\n`);
    // The id reaches the first agent's host key only: the second agent's key under that name is refused.
    const crossed = join(tempDir(), 'crossed_known_hosts');
    writeFileSync(crossed, `${second.info.knownHostsLine.split(second.info.id).join('taken-id')}\n`);
    expect((await ssh(first.info, key, crossed, ['true'])).code).toBe(255);
  });
});

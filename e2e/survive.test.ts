// A debug session survives what ordinary life does to it, through the real OpenSSH client, wsproxy and
// relay: the person's wsproxy dies, the relay is SIGKILLed and restarted, the job is cancelled. The shell
// keeps running detached and the next `ssh -t` lands in the same shell process with what it printed
// meanwhile; exec and sftp do not end the agent, the person's `exit` does.
import type { IPty } from '@lydell/node-pty';
import {
  type AgentInfo,
  type AgentProc,
  cleanup,
  CLI,
  type Key,
  knownHostsFor,
  makeKey,
  type RelayProc,
  run,
  signalGroup,
  sshOptions,
  startAgent,
  startProcess,
  startRelay,
  stop,
  tempDir,
  waitFor,
} from './harness';
import { childPids } from './probes';

interface Terminal {
  pid: number;
  screen: () => string;
  write: (text: string) => void;
  exited: Promise<number>;
}

function terminal(info: AgentInfo, key: Key, knownHosts: string, extra: string[] = []): Terminal {
  const pty = require('@lydell/node-pty') as typeof import('@lydell/node-pty');
  const term: IPty = pty.spawn('ssh', [...sshOptions(info, key, knownHosts, ['-tt', ...extra]), `${info.user}@${info.id}`], {
    cols: 160, rows: 40, env: process.env as Record<string, string>,
  });
  let screen = '';
  term.onData((data) => (screen += data));
  return { pid: term.pid, screen: () => screen, write: (text) => term.write(text), exited: new Promise((resolve) => term.onExit(({ exitCode }) => resolve(exitCode))) };
}

/** The shell's PID, as the shell itself says it (a marker that cannot be the echoed command line). */
async function shellPid(term: Terminal): Promise<number> {
  const before = term.screen().length;
  term.write('echo "PID=$((1000000 + $$))"\r');
  const match = await waitFor('the shell pid', () => /PID=1(\d{6})/.exec(term.screen().slice(before)) ?? undefined, 10_000);
  return Number(match[1]);
}

/** The wsproxy process under an ssh process (ssh runs its ProxyCommand as a child). */
function wsproxyUnder(sshPid: number): number {
  const pid = childPids(sshPid).find((child) => {
    try {
      return require('node:fs').readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(CLI.wsproxy);
    } catch {
      return false;
    }
  });
  if (pid === undefined) throw new Error('no wsproxy under ssh');
  return pid;
}

const running = (proc: AgentProc) => proc.child.exitCode === null && proc.child.signalCode === null;

describe('a debug session survives', () => {
  let key: Key;
  let dir: string;
  let relay: RelayProc;

  beforeAll(async () => {
    dir = tempDir();
    key = makeKey(dir, 'person');
    relay = await startRelay();
  });
  afterAll(cleanup);

  const agent = async (on: RelayProc, args: string[] = []) => {
    const proc = await startAgent(on.wsUrl, ['--authorized-keys', key.publicKey, ...args], {}, undefined, false);
    return { proc, known: knownHostsFor(proc.info, dir) };
  };

  it('the wsproxy killed: the shell keeps running detached, the next ssh -t lands in it with its output', async () => {
    const { proc, known } = await agent(relay);
    const first = terminal(proc.info, key, known);
    const pid = await shellPid(first);
    first.write('(sleep 1; echo printed-while-detached) &\r');
    await waitFor('the background job to start', () => /\[1\] \d+/.test(first.screen()), 10_000);
    process.kill(wsproxyUnder(first.pid), 'SIGKILL');
    await first.exited;
    await waitFor('the shell to be detached', () => /shell \d+ detached/.test(proc.stderr()), 10_000, proc);
    await new Promise((r) => setTimeout(r, 1500));
    expect(running(proc)).toBe(true);

    const second = terminal(proc.info, key, known);
    await waitFor('the re-attach notice', () => second.screen().includes(`Re-attached to shell ${pid}`), 10_000);
    await waitFor('the replayed output', () => second.screen().includes('printed-while-detached'), 5000);
    expect(await shellPid(second)).toBe(pid);
    second.write('exit\r');
    expect(await second.exited).toBe(0);
    expect(await proc.exited).toBe(0);
    expect(proc.stderr()).toContain('the last shell was ended by its person (exit, logout or EOF); exiting');
  });

  it('the relay SIGKILLed and restarted: the agent stays with its id, and the next ssh -t is in the same shell', async () => {
    const own = await startRelay();
    const { proc, known } = await agent(own, ['--id', 'survives-restart']);
    const first = terminal(proc.info, key, known);
    const pid = await shellPid(first);
    // Printed after the agent has seen the connection go (a transport's end can take a few seconds to
    // be noticed; bytes written to it before that are lost with it, as with any dropped connection).
    first.write('(sleep 6; echo printed-during-the-restart) &\r');
    await waitFor('the background job to start', () => /\[1\] \d+/.test(first.screen()), 10_000);
    signalGroup(own.child, 'SIGKILL');
    await own.exited;
    await first.exited;
    const again = await startRelay(['--port', String(own.port)]);
    await waitFor('the agent back on the relay', () => /relay connection restored \(id survives-restart\)/.test(proc.stderr()), 40_000, proc);
    expect(running(proc)).toBe(true);
    const second = terminal({ ...proc.info, clientUrl: `${again.wsUrl}/client/survives-restart` }, key, known);
    await waitFor('the re-attach notice', () => second.screen().includes(`Re-attached to shell ${pid}`), 10_000);
    await waitFor('the output printed during the restart', () => second.screen().includes('printed-during-the-restart'), 15_000);
    expect(await shellPid(second)).toBe(pid);
    second.write('exit\r');
    expect(await proc.exited).toBe(0);
  });

  it('CONVERGE_SHELL=new opens a fresh shell and lists the detached one; both end with the agent', async () => {
    const { proc, known } = await agent(relay, ['--hold']);
    const first = terminal(proc.info, key, known);
    const pid = await shellPid(first);
    process.kill(wsproxyUnder(first.pid), 'SIGKILL');
    await first.exited;
    await waitFor('the shell to be detached', () => /shell \d+ detached/.test(proc.stderr()), 10_000, proc);
    const fresh = terminal(proc.info, key, known, ['-o', 'SetEnv=CONVERGE_SHELL=new']);
    await waitFor('the list of detached shells', () => fresh.screen().includes(`Detached shells: ${pid}`), 10_000);
    expect(await shellPid(fresh)).not.toBe(pid);
    expect(await stop(proc)).toBe(0);
    // Detached shells end with the agent: the old shell's process is gone.
    await waitFor('the detached shell to end', () => { try { process.kill(pid, 0); return false; } catch { return true; } }, 10_000);
  });

  it('a cancelled job (SIGTERM to the agent) says so in the person\'s terminal, then exits 0', async () => {
    const { proc, known } = await agent(relay);
    const term = terminal(proc.info, key, known);
    await shellPid(term);
    proc.child.kill('SIGTERM');
    await waitFor('the cancel notice', () => term.screen().includes('[converge] the CI job was cancelled (SIGTERM): the agent exits now.'), 10_000);
    expect(await proc.exited).toBe(0);
    expect(proc.stderr()).toContain('the CI job was cancelled (SIGTERM): the agent exits now');
  });

  it('nobody logged in: the ssh line comes back in the job log every --remind-every', async () => {
    const { proc } = await agent(relay, ['--remind-every', '1s']);
    await waitFor('two reminders', () => (proc.stdout().match(/Still waiting for a login/g) ?? []).length >= 2, 10_000, proc);
    expect(proc.stdout()).toContain(`Still waiting for a login (until `);
    expect(proc.stdout().split('Still waiting for a login')[1]).toContain(proc.info.sshCommand);
    await stop(proc);
  });

  it('run mode with an empty CONVERGE_AUTHORIZED_KEYS runs the job and returns its code, with one warning', async () => {
    const work = tempDir();
    const job = startProcess(process.execPath, [CLI.agent, 'run', relay.wsUrl, '--', 'sh', '-c', 'echo job-output; exit 7'], { env: { CONVERGE_AUTHORIZED_KEYS: '' }, cwd: work });
    expect(await job.exited).toBe(7);
    expect(job.stdout()).toBe('job-output\n');
    expect(job.stderr()).toMatch(/no debug session will open: no authorized keys.*running the job alone/);
    expect(job.stderr().trim().split('\n').filter((l) => /warn|error/.test(l))).toHaveLength(1);
    // The same with the relay down: the job's result stands.
    const down = await run(process.execPath, [CLI.agent, 'run', 'ws://127.0.0.1:9', '--authorized-keys', key.publicKey, '--', 'sh', '-c', 'exit 3']);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/no debug session opened: cannot reach the relay/);
  });

  it('the end message says the true cause when the relay was down during the wait', async () => {
    const own = await startRelay();
    const { proc } = await agent(own, ['--connect-timeout', '3s']);
    signalGroup(own.child, 'SIGKILL');
    expect(await proc.exited).toBe(0);
    expect(proc.stderr()).toMatch(/nobody logged in within 3s \(the relay was unreachable for [23]s of it\); exiting/);
  });
});

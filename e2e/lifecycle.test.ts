// Issue 4 proof: timeouts, warnings, .hold, max duration, relay restarts and run-a-job mode, with the
// built CLIs, a real relay and the real OpenSSH client (ssh -tt under a client-side pty for terminals).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { IPty } from '@lydell/node-pty';
import type { SessionsSnapshot } from '@converge/protocol';
import {
  type AgentInfo,
  type AgentProc,
  cleanup,
  CLI,
  type Key,
  knownHostsFor,
  makeKey,
  type Proc,
  type RelayProc,
  run,
  ssh,
  sshOptions,
  startAgent,
  startProcess,
  startRelay,
  tempDir,
  waitFor,
} from './harness';

interface Terminal {
  screen: () => string;
  write: (text: string) => void;
  exited: Promise<number>;
}

function terminal(info: AgentInfo, key: Key, knownHosts: string): Terminal {
  const pty = require('@lydell/node-pty') as typeof import('@lydell/node-pty');
  const term: IPty = pty.spawn('ssh', [...sshOptions(info, key, knownHosts, ['-tt']), `${info.user}@${info.id}`], {
    cols: 200, rows: 30, env: process.env as Record<string, string>,
  });
  let screen = '';
  term.onData((data) => (screen += data));
  return { screen: () => screen, write: (text) => term.write(text), exited: new Promise((resolve) => term.onExit(({ exitCode }) => resolve(exitCode))) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const running = (proc: Proc) => proc.child.exitCode === null && proc.child.signalCode === null;

async function sessions(relay: RelayProc): Promise<SessionsSnapshot> {
  return (await (await fetch(`${relay.url}/api/sessions?token=${relay.adminToken}`)).json()) as SessionsSnapshot;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('lifecycle: timeouts, hold and warnings', () => {
  let relay: RelayProc;
  let key: Key;
  let dir: string;
  const agent = async (args: string[]): Promise<{ proc: AgentProc; known: string }> => {
    const proc = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey, ...args], {}, undefined, false);
    return { proc, known: knownHostsFor(proc.info, dir) };
  };

  beforeAll(async () => {
    dir = tempDir();
    key = makeKey(dir, 'person');
    relay = await startRelay();
  });
  afterAll(cleanup);

  it('nobody logs in within --connect-timeout: one line, exit 0', async () => {
    const { proc } = await agent(['--connect-timeout', '1s']);
    expect(await proc.exited).toBe(0);
    expect(proc.stderr()).toMatch(/nobody logged in within 1s; exiting\n$/);
  });

  it('exec and sftp do not end the agent; the person ending their shell does, with 0', async () => {
    const { proc, known } = await agent([]);
    expect((await ssh(proc.info, key, known, ['echo in'])).stdout).toBe('in\n');
    const batch = join(dir, 'batch');
    writeFileSync(batch, 'pwd\n');
    expect((await run('sftp', ['-q', '-b', batch, ...sshOptions(proc.info, key, known), `${proc.info.user}@${proc.info.id}`])).code).toBe(0);
    await sleep(500);
    expect(running(proc)).toBe(true);
    const shell = await ssh(proc.info, key, known, [], { extra: ['-tt'], input: 'echo in-shell; exit\n' });
    expect(shell.stdout).toContain('in-shell');
    await waitFor('the agent to end', () => !running(proc), 10_000, proc);
    expect(await proc.exited).toBe(0);
    expect(proc.stderr()).toContain('the last shell was ended by its person (exit, logout or EOF); exiting');
  });

  it('warns the terminal before the idle end, a key press extends, then it ends', async () => {
    const { proc, known } = await agent(['--idle-timeout', '3s', '--warn-at', '2s']);
    const term = terminal(proc.info, key, known);
    // The warning comes 1 s after the login; the wait also covers the login itself, which a loaded CI box
    // has stretched past 4 s. It is polled every 25 ms, so a late login cannot make it look late.
    await waitFor('idle warning', () => term.screen().includes('The agent exits in 2s (idle). Press a key'), 15_000);
    expect(term.screen()).toContain("touch -d '+1 hour' $agentdir/.hold");
    const pressed = Date.now();
    term.write('x');
    expect(await proc.exited).toBe(0);
    // Without the key press it would have ended at most 2 s after the warning; with it, 3 s after the key.
    expect(Date.now() - pressed).toBeGreaterThan(2500);
    expect(proc.stderr()).toContain('no client input for 3s; exiting');
    await waitFor('end notice in the terminal', () => term.screen().includes('no client input for 3s: the agent exits now.'), 3000);
    await term.exited;
  });

  it('.hold keeps it waiting after the last logout; removing it ends at once', async () => {
    const { proc, known } = await agent([]);
    expect((await ssh(proc.info, key, known, ['touch "$agentdir/.hold"'])).code).toBe(0);
    await waitFor('the agent to see .hold', () => proc.stderr().includes('.hold set'), 5000, proc);
    expect((await ssh(proc.info, key, known, [], { extra: ['-tt'], input: 'exit\n' })).code).toBe(0);
    await sleep(500); // the agent sees the logout a little after ssh returns
    expect(running(proc)).toBe(true);
    expect((await ssh(proc.info, key, known, [], { extra: ['-tt'], input: 'echo back; exit\n' })).stdout).toContain('back');
    await sleep(500);
    expect(running(proc)).toBe(true);
    rmSync(join(proc.info.agentDir, '.hold'));
    expect(await proc.exited).toBe(0);
    expect(proc.stderr()).toContain('.hold removed after the last logout; exiting');
  });

  it('a .hold with a future mtime holds past the idle timeout until that time', async () => {
    // 2 s, not less: on a loaded box the login and the touch alone can take a second.
    const { proc, known } = await agent(['--idle-timeout', '2s']);
    expect((await ssh(proc.info, key, known, [`touch -d '+5 seconds' "$agentdir/.hold"`])).code).toBe(0);
    await sleep(3000);
    expect(running(proc)).toBe(true);
    const agentView = (await sessions(relay)).agents.find((a) => a.id === proc.info.id);
    expect(agentView?.hold).toBe(true);
    expect(Date.parse(agentView?.expiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(await proc.exited).toBe(0);
    expect(proc.stderr()).toContain('the .hold time has passed; exiting');
  });

  it('--max-duration ends it whatever the hold or input, after a warning', async () => {
    // The warning goes to the terminals open when it is due: leave a loaded box 4 s to log in first.
    const { proc, known } = await agent(['--max-duration', '8s', '--warn-at', '4s', '--hold']);
    const term = terminal(proc.info, key, known);
    await waitFor('max warning', () => term.screen().includes('(--max-duration); this cannot be extended.'), 10_000);
    term.write('x');
    expect(await proc.exited).toBe(0);
    expect(proc.stderr()).toContain('--max-duration 8s reached; exiting');
    await term.exited;
  });
});

describe('lifecycle: relay restart', () => {
  afterAll(cleanup);

  it('the relay is SIGKILLed and restarted: the agent is back with its id and a new ssh works', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'person');
    const relay = await startRelay();
    const agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey, '--id', 'comes-back'], {}, undefined, true);
    const known = knownHostsFor(agent.info, dir);
    expect((await ssh(agent.info, key, known, ['echo before'])).stdout).toBe('before\n');
    relay.child.kill('SIGKILL');
    await relay.exited;
    await waitFor('lost line', () => agent.stderr().includes('relay connection lost'), 5000, agent);
    const again = await startRelay(['--port', String(relay.port)]);
    await waitFor('restored line', () => agent.stderr().includes('relay connection restored (id comes-back)'), 15_000, agent);
    expect((await ssh(agent.info, key, known, ['echo after $CONVERGE_ID'])).stdout).toBe('after comes-back\n');
    expect(agent.stderr().match(/relay connection lost/g)).toHaveLength(1);
    // The status is sent again after the new welcome: the restarted relay knows about the hold.
    let view = (await sessions(again)).agents.find((a) => a.id === 'comes-back');
    for (let i = 0; i < 40 && !view?.hold; i++) {
      await sleep(50);
      view = (await sessions(again)).agents.find((a) => a.id === 'comes-back');
    }
    expect(view?.hold).toBe(true);
  });
});

describe('lifecycle: run a job', () => {
  let relay: RelayProc;
  let key: Key;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir();
    key = makeKey(dir, 'person');
    relay = await startRelay();
  });
  afterAll(cleanup);

  const runAgent = (relayUrl: string, args: string[], command: string[]): { proc: Proc; infoFile: string } => {
    const infoFile = join(tempDir(), 'info.json');
    const proc = startProcess(process.execPath, [CLI.agent, 'run', relayUrl, '--info-file', infoFile, '--authorized-keys', key.publicKey, ...args, '--', ...command], { cwd: dir });
    return { proc, infoFile };
  };
  const infoOf = (proc: Proc, infoFile: string) =>
    waitFor('agent info', () => existsSync(infoFile) && (JSON.parse(readFileSync(infoFile, 'utf8')) as AgentInfo), 15_000, proc);

  it('--when failure: a failed job opens the rendez-vous, shows the job, exits with its code, then the epilogue', async () => {
    const { proc, infoFile } = runAgent(relay.wsUrl, ['--epilogue', 'echo epilogue-ran $CONVERGE_EXIT_CODE'], ['sh', '-c', 'echo job-out; echo job-err >&2; exit 3']);
    const info = await infoOf(proc, infoFile);
    expect(proc.stdout()).toMatch(/^job-out\n/);
    expect(proc.stderr()).toMatch(/^job-err\n/);
    const view = (await sessions(relay)).agents.find((a) => a.id === info.id);
    expect(view?.job).toEqual({ state: 'failed', command: "sh -c 'echo job-out; echo job-err >&2; exit 3'", exitCode: 3 });
    const known = knownHostsFor(info, dir);
    const result = await ssh(info, key, known, [], { extra: ['-tt'], input: 'echo in-session; exit\n' });
    expect(result.stdout).toContain("[converge] The job failed: sh -c 'echo job-out; echo job-err >&2; exit 3' exited with 3.");
    expect(result.stdout).toContain("Its output is in the CI job's log");
    expect(result.stdout).toContain('in-session');
    expect(await proc.exited).toBe(3);
    expect(proc.stdout()).toMatch(/epilogue-ran 3\n$/);
  });

  it('--when failure: a job that succeeds exits at once without connecting; a signal death is 128+N', async () => {
    const nobody = `ws://127.0.0.1:${await freePort()}`;
    const ok = runAgent(nobody, [], ['sh', '-c', 'echo fine']);
    expect(await ok.proc.exited).toBe(0);
    expect(ok.proc.stdout()).toBe('fine\n');
    expect(ok.proc.stderr()).not.toMatch(/relay|rendez-vous/);
    const killed = runAgent(nobody, [], ['sh', '-c', 'kill -TERM $$']);
    expect(await killed.proc.exited).toBe(143);
    expect(killed.proc.stderr()).toMatch(/no debug session opened: cannot reach the relay/);
  });

  it('--when during: the relay shows the job running and the session kinds, and the job code wins', async () => {
    const { proc, infoFile } = runAgent(relay.wsUrl, ['--when', 'during'], ['sh', '-c', 'while [ ! -f "$agentdir/stop" ]; do sleep 0.1; done; exit 5']);
    const info = await infoOf(proc, infoFile);
    const view = () => sessions(relay).then((s) => s.agents.find((a) => a.id === info.id));
    expect((await view())?.job).toMatchObject({ state: 'running', command: expect.stringContaining('while') });
    const known = knownHostsFor(info, dir);
    const term = terminal(info, key, known);
    await waitFor('job greeting', () => term.screen().includes('[converge] The job is running:'), 5000);
    let kinds = '';
    for (let i = 0; i < 40 && !kinds.includes('shell'); i++) {
      kinds = ((await view())?.clients ?? []).map((c) => c.kind).join(',');
      await sleep(50);
    }
    expect(kinds).toBe('shell');
    term.write('touch "$agentdir/stop"\r');
    let job = (await view())?.job;
    for (let i = 0; i < 60 && job?.state === 'running'; i++) {
      await sleep(50);
      job = (await view())?.job;
    }
    expect(job).toMatchObject({ state: 'failed', exitCode: 5 });
    expect(running(proc)).toBe(true); // someone is logged in: it keeps waiting
    term.write('exit\r');
    await term.exited;
    expect(await proc.exited).toBe(5);
  });
});

// Faults: the relay killed and restarted under running agents; a connection dropped mid-transfer on each
// hop (the person's ssh, its wsproxy, the relay, the agent). The survivors notice and clean up: no client
// left in the relay's metrics, fd counts back to their baseline, no child process left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AgentProc, cleanup, type Key, knownHostsFor, makeKey, type RelayProc, ssh, sshOptions, startAgent, startRelay, stop, tempDir } from './harness';
import { freePort } from './net-helpers';
import { childPids, fdCount, metric, sessions, waitUntil } from './probes';


async function restartRelay(port: number): Promise<RelayProc> {
  return startRelay(['--port', String(port)]);
}

/** An ssh that pulls an endless stream from the agent into /dev/null (nothing accumulates here). */
function endlessDownload(agent: AgentProc, key: Key, knownHosts: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn('ssh', [...sshOptions(agent.info, key, knownHosts), `${agent.info.user}@${agent.info.id}`, 'cat /dev/zero'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited };
}

describe('faults', () => {
  let dir: string;
  let key: Key;
  let port: number;
  let relay: RelayProc;

  beforeAll(async () => {
    dir = tempDir();
    key = makeKey(dir, 'person');
    port = await freePort();
    relay = await restartRelay(port);
  });
  afterAll(cleanup);

  it('every agent re-registers with its id after 3 relay SIGKILLs and restarts, and a new ssh works', async () => {
    const agents = await Promise.all([0, 1, 2].map(() => startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey])));
    const ids = agents.map((a) => a.info.id).sort();
    try {
      for (let round = 0; round < 3; round++) {
        await stop(relay, 'SIGKILL');
        relay = await restartRelay(port);
        await waitUntil(`3 agents back after restart ${round + 1}`, async () => {
          const got = (await sessions(relay)).agents.map((a) => a.id).sort();
          return JSON.stringify(got) === JSON.stringify(ids);
        }, 40_000);
        const agent = agents[round]!;
        const result = await ssh(agent.info, key, knownHostsFor(agent.info, dir), ['echo $CONVERGE_ID']);
        expect({ ...result, stderr: result.stderr.slice(0, 300) }).toMatchObject({ code: 0, stdout: `${agent.info.id}\n`, stderr: '' });
      }
    } finally {
      // Stopped even on failure: the tests below count agents and sockets.
      await Promise.all(agents.map((a) => stop(a)));
    }
  }, 60_000);

  describe('a connection dropped mid-transfer', () => {
    let agent: AgentProc;
    let knownHosts: string;
    let relayFds: number;
    let agentFds: number;

    const agentPid = () => agent.child.pid!;
    const clientsConnected = () => metric(relay.url, 'converge_clients_connected');

    beforeAll(async () => {
      agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey]);
      knownHosts = knownHostsFor(agent.info, dir);
      // One full session first, so lazily opened files are open in the baselines too.
      expect((await ssh(agent.info, key, knownHosts, ['true'])).code).toBe(0);
      await waitUntil('first session to end', async () => (await clientsConnected()) === 0);
      relayFds = fdCount(relay.child.pid!);
      agentFds = fdCount(agentPid());
    });

    /** Starts an endless download and waits until the relay pipes it and the agent runs its command. */
    async function transferring() {
      const download = endlessDownload(agent, key, knownHosts);
      await waitUntil('the transfer to run', async () => (await clientsConnected()) === 1 && childPids(agentPid()).length > 0, 20_000);
      await new Promise((r) => setTimeout(r, 300));
      return { download, commandPids: childPids(agentPid()) };
    }

    async function everythingCleanedUp(commandPids: number[]) {
      await waitUntil('relay to drop the client', async () => (await clientsConnected()) === 0, 15_000);
      await waitUntil(`relay fds back to ${relayFds}`, () => fdCount(relay.child.pid!) <= relayFds, 15_000);
      await waitUntil('agent children to end', () => childPids(agentPid()).length === 0, 15_000);
      await waitUntil('the remote command to end', () => commandPids.every((pid) => !existsSync(`/proc/${pid}`)), 15_000);
      await waitUntil(`agent fds back to ${agentFds}`, () => fdCount(agentPid()) <= agentFds, 15_000);
    }

    it('the person\'s ssh killed: relay and agent clean up', async () => {
      const { download, commandPids } = await transferring();
      download.child.kill('SIGKILL');
      await download.exited;
      await everythingCleanedUp(commandPids);
    });

    it('the wsproxy under ssh killed: ssh fails, relay and agent clean up', async () => {
      const { download, commandPids } = await transferring();
      const proxies = childPids(download.child.pid!);
      expect(proxies.length).toBe(1);
      process.kill(proxies[0]!, 'SIGKILL');
      expect(await download.exited).toBe(255);
      await everythingCleanedUp(commandPids);
    });

    it('the relay killed -9: ssh fails, the agent ends the command and comes back with its id', async () => {
      const { download, commandPids } = await transferring();
      await stop(relay, 'SIGKILL');
      expect(await download.exited).toBe(255);
      await waitUntil('agent children to end', () => childPids(agentPid()).length === 0, 15_000);
      await waitUntil('the remote command to end', () => commandPids.every((pid) => !existsSync(`/proc/${pid}`)), 15_000);
      relay = await restartRelay(port);
      await waitUntil('agent back', async () => (await sessions(relay)).agents.some((a) => a.id === agent.info.id), 40_000);
      relayFds = fdCount(relay.child.pid!);
      await waitUntil(`agent fds back to ${agentFds}`, () => fdCount(agentPid()) <= agentFds, 15_000);
      expect(await ssh(agent.info, key, knownHosts, ['echo ok'])).toMatchObject({ code: 0, stdout: 'ok\n', stderr: '' });
      await waitUntil('that session to end', async () => (await clientsConnected()) === 0);
    }, 60_000);

    it('the agent killed -9: ssh fails, the relay cleans up, the orphaned command ends', async () => {
      const { download, commandPids } = await transferring();
      await stop(agent, 'SIGKILL');
      expect(await download.exited).toBe(255);
      await waitUntil('relay to drop the client', async () => (await clientsConnected()) === 0, 15_000);
      await waitUntil('relay to drop the agent', async () => (await metric(relay.url, 'converge_agents_connected')) === 0, 15_000);
      await waitUntil(`relay fds back below ${relayFds}`, () => fdCount(relay.child.pid!) < relayFds, 15_000);
      await waitUntil('the orphaned command to end', () => commandPids.every((pid) => !existsSync(`/proc/${pid}`)), 15_000);
    });
  });
});

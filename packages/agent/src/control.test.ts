// Integration: the agent against a fake relay (welcome, open + data socket, reconnect with its host key,
// silence detection, refusals) with the real ssh client going through the relay.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostKeyAlias, MessageType } from '@converge/protocol';
import type { Agent } from './agent';
import { AgentError, ExitCode } from './errors';
import type { Logger } from './log';
import { FakeRelay, captureLog, runSsh, sshArgs, startTestAgent, tempKeys, type TempKeys } from '@converge/testkit';
import { startAgent } from './agent';

jest.setTimeout(20_000);

let keys: TempKeys;
let relay: FakeRelay | undefined;
let agent: Agent | undefined;

beforeAll(() => {
  keys = tempKeys(['me']);
});
afterAll(() => keys.cleanup());
afterEach(async () => {
  await agent?.close();
  await relay?.close();
  agent = undefined;
  relay = undefined;
});

const start = (extra: Record<string, unknown> = {}, output?: (text: string) => void, log?: Logger) =>
  startTestAgent(startAgent, { relayUrl: relay!.url, listen: undefined, authorizedKeysText: keys.publicLine('me'), ...extra }, { output, ...(log ? { log } : {}) });

/** ssh through the fake relay's TCP port (it stands in for wsproxy). */
function sshViaRelay(a: Agent, command: string) {
  const args = sshArgs({ ...a, info: { ...a.info, listen: { host: '127.0.0.1', port: relay!.sshPort } } } as Agent, keys.key('me'), keys.dir);
  return runSsh([...args, 'u@127.0.0.1', command]);
}

const until = async (check: () => boolean, ms = 5000): Promise<void> => {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('welcome, banner, info file, and ssh through a data socket', async () => {
  relay = await new FakeRelay().start();
  let printed = '';
  const infoFile = join(keys.dir, 'info.json');
  agent = await start({ id: 'my-agent', infoFile }, (text) => (printed += text));
  expect(agent.id).toBe('my-agent');
  expect(relay.hellos[0]).toMatchObject({ requestedId: 'my-agent', agent: { version: expect.any(String) } });
  expect(printed).toContain(`Converge agent my-agent is ready (relay ${relay.url}).`);
  const fp = agent.info.fingerprint;
  expect(printed).toContain(
    `ssh -o ProxyCommand='npx -y @converge/wsproxy --host-key ${fp} ${relay.url}/client/my-agent' -o HostKeyAlias='${hostKeyAlias('my-agent', fp)}' -o StrictHostKeyChecking=accept-new`,
  );
  const info = JSON.parse(readFileSync(infoFile, 'utf8'));
  expect(info).toMatchObject({ id: 'my-agent', clientUrl: `${relay.url}/client/my-agent`, fingerprint: agent.info.fingerprint });
  expect(info.knownHostsLine).toMatch(/^my-agent~\S{16},my-agent,my-agent\.converge ssh-ed25519 AAAA/);
  const result = await sshViaRelay(agent, 'echo via relay');
  expect(result).toMatchObject({ code: 0, stdout: 'via relay\n' });
});

test('a taken id gives a generated one', async () => {
  relay = await new FakeRelay({ takenIds: ['busy-id'] }).start();
  const { log, lines } = captureLog();
  agent = await start({ id: 'busy-id' }, undefined, log);
  expect(agent.id).not.toBe('busy-id');
  expect(lines).toContain(`warn id busy-id is in use; this agent got ${agent.id} instead`);
});

test('reconnects with a hello signed by its host key after a drop; established ssh keeps working', async () => {
  relay = await new FakeRelay().start();
  let printed = '';
  const { log, lines } = captureLog();
  agent = await start({}, (text) => (printed += text), log);
  const id = agent.id;
  const running = sshViaRelay(agent, 'sleep 1; echo survived');
  await until(() => relay!.received.length >= 1 && agent!.info !== undefined);
  await new Promise((r) => setTimeout(r, 300));
  relay.dropAgents();
  await until(() => relay!.hellos.length === 2);
  expect(relay.hellos[1]).toMatchObject({ requestedId: id, hostKey: relay.hellos[0]!.hostKey });
  expect(relay.hellos[0]!.hostKey).toMatch(/^ssh-ed25519 /);
  expect(relay.badSignatures).toBe(0);
  expect(await running).toMatchObject({ code: 0, stdout: 'survived\n' });
  expect(agent.id).toBe(id);
  expect(printed.match(/is ready/g)).toHaveLength(1);
  await until(() => lines.some((l) => l.includes('restored')));
  expect(lines.filter((l) => /relay connection (lost|restored)/.test(l))).toEqual([
    expect.stringMatching(/^warn relay connection lost/),
    `info relay connection restored (id ${id})`,
  ]);
});

test('a silent relay is treated as dead and reconnected', async () => {
  relay = await new FakeRelay({
    heartbeatMs: 100,
    onHello: (hello, ws) => {
      relay!.send(ws, relay!.welcome(hello));
      return true; // and then say nothing at all: no replies, no pings
    },
  }).start();
  // The fake answers heartbeats unless told not to: make it mute after the welcome.
  agent = await start();
  for (const ws of relay.agents) ws.removeAllListeners('message');
  await until(() => relay!.hellos.length >= 2, 3000);
});

test('an error message before welcome is a refusal (exit 4)', async () => {
  relay = await new FakeRelay({
    onHello: (_hello, ws) => {
      relay!.send(ws, { type: MessageType.error, code: 'UNAUTHORIZED', message: 'bad token' });
      return true;
    },
  }).start();
  await expect(start()).rejects.toMatchObject({ exitCode: ExitCode.rejected, message: expect.stringContaining('bad token') });
});

test('an error message after welcome ends the agent with exit 4', async () => {
  relay = await new FakeRelay().start();
  agent = await start();
  relay.send(relay.agents[0]!, { type: MessageType.error, code: 'FORBIDDEN', message: 'kicked' });
  await expect(agent.done).resolves.toBe(ExitCode.rejected);
});

test('HTTP 401 on the upgrade is exit 6 (refused), HTTP 500 and a closed port are exit 3 (unreachable)', async () => {
  relay = await new FakeRelay({ upgradeStatus: 401 }).start();
  await expect(start()).rejects.toMatchObject({ exitCode: ExitCode.rejected, message: expect.stringContaining('401') });
  await relay.close();
  relay = await new FakeRelay({ upgradeStatus: 500 }).start();
  await expect(start()).rejects.toMatchObject({ exitCode: ExitCode.unreachable });
  const port = relay.port;
  await relay.close();
  relay = undefined;
  const error = await startTestAgent(startAgent, { relayUrl: `ws://127.0.0.1:${port}`, listen: undefined, authorizedKeysText: keys.publicLine('me') }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AgentError);
  expect(error).toMatchObject({ exitCode: ExitCode.unreachable, message: expect.stringContaining('connection refused') });
  expect(ExitCode.rejected).toBe(6);
});

test('a data socket that cannot open is answered with open-failed', async () => {
  relay = await new FakeRelay().start();
  agent = await start();
  const connectionId = relay.openUnknown(relay.agents[0]!);
  await until(() => relay!.received.some((m) => m.type === MessageType.openFailed));
  expect(relay.received.find((m) => m.type === MessageType.openFailed)).toMatchObject({ connectionId, reason: expect.stringContaining('404') });
});

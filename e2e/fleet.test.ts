// Several relays sharing one rendez-vous through a real Redis, behind a real HAProxy (round robin, no
// sticky sessions), with the real agent, wsproxy and OpenSSH: a person and an agent on different relays,
// duplicate ids, a relay SIGKILLed under its agent, a rolling restart, and Redis stopped and restarted.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateConnectionId } from '@converge/protocol';
import WebSocket from 'ws';
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
  ssh,
  sshOptions,
  startAgent,
  startRelay,
  stop,
  tempDir,
  waitFor,
} from './harness';
import { type Balancer, type RedisProc, startBalancer, startRedis } from './fleet-parts';
import { httpGet, waitUntil } from './probes';

/** The agent's info with its client URL pointed at one relay (people may arrive anywhere). */
const via = (info: AgentInfo, relay: RelayProc): AgentInfo => ({ ...info, clientUrl: `${relay.wsUrl}/client/${info.id}` });

/** The HTTP status that refused a websocket upgrade to `url` (101 if it was accepted). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** Which relay holds the agent's control socket, as the fleet-wide sessions list says. */
async function holder(relays: RelayProc[], id: string): Promise<RelayProc> {
  for (const relay of relays) {
    const snapshot = JSON.parse((await httpGet(`${relay.url}/api/sessions?token=${relay.adminToken}`)).body) as { agents: { id: string; relay?: string }[] };
    // A relay lists its own agents at once (the others learn them within seconds).
    if (snapshot.agents.some((a) => a.id === id && a.relay === relay.url)) return relay;
  }
  throw new Error(`no relay holds ${id}`);
}

/** A relay other than the one holding the agent: people arriving there are routed across the fleet. */
async function farFrom(relays: RelayProc[], id: string): Promise<RelayProc> {
  const near = await holder(relays, id);
  return relays.find((r) => r !== near)!;
}

describe('a fleet of relays', () => {
  let redis: RedisProc;
  let relays: RelayProc[];
  let balancer: Balancer;
  let key: Key;
  let dir: string;
  let agent: AgentProc;
  let known: string;

  beforeAll(async () => {
    dir = tempDir();
    key = makeKey(dir, 'person');
    redis = await startRedis();
    relays = [await startRelay(['--redis', redis.url]), await startRelay(['--redis', redis.url])];
    balancer = await startBalancer(relays.map((r) => r.port));
    agent = await startAgent(balancer.wsUrl, ['--authorized-keys', key.publicKey, '--id', 'fleet-job']);
    known = knownHostsFor(agent.info, dir);
  });
  afterAll(cleanup);

  it('a person reaches the agent through every relay: ssh and a 64 MiB sftp round trip', async () => {
    for (const relay of relays) {
      expect((await ssh(via(agent.info, relay), key, known, ['echo $CONVERGE_ID'])).stdout).toBe('fleet-job\n');
    }
    const far = await farFrom(relays, 'fleet-job');
    const data = randomBytes(64 * 1024 * 1024);
    const local = join(dir, 'big.bin');
    writeFileSync(local, data);
    const batch = join(dir, 'batch');
    writeFileSync(batch, `put ${local} ${join(dir, 'up.bin')}\nget ${join(dir, 'up.bin')} ${join(dir, 'down.bin')}\n`);
    const sftp = await run('sftp', ['-q', '-b', batch, ...sshOptions(via(agent.info, far), key, known), `${agent.info.user}@${agent.info.id}`], { timeoutMs: 120_000 });
    expect(sftp.code).toBe(0);
    const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(sha(join(dir, 'down.bin'))).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('every relay lists the whole fleet; /healthz says Redis is up; metrics name their relay', async () => {
    await waitUntil('both relays to list the agent', async () => {
      const lists = await Promise.all(relays.map(async (r) => (await httpGet(`${r.url}/api/sessions?token=${r.adminToken}`)).body));
      return lists.every((body) => body.includes('"id":"fleet-job"'));
    });
    // The live event stream of the relay that does not hold the agent shows it too.
    const far = await farFrom(relays, 'fleet-job');
    const controller = new AbortController();
    const events = await fetch(`${far.url}/api/sessions/events?token=${far.adminToken}`, { signal: controller.signal });
    const first = new TextDecoder().decode((await events.body!.getReader().read()).value);
    controller.abort();
    expect(first).toMatch(/^retry: 2000\ndata: .*"id":"fleet-job"/);
    for (const relay of relays) {
      expect(JSON.parse((await httpGet(`${relay.url}/healthz`)).body)).toEqual({ status: 'ok', redis: 'up' });
      expect((await httpGet(`${relay.url}/metrics`)).body).toContain(`relay="${relay.url}"`);
    }
  });

  it('an anonymous peer gets nothing from the fleet: made-up data and fleet links are refused, the fleet list needs the token', async () => {
    for (const relay of relays) {
      for (const route of ['data', 'fleet/data']) {
        // A well-formed connection id that no client waits for, on this relay or any other.
        expect(await upgradeStatus(`${relay.wsUrl}/${route}/${generateConnectionId(randomBytes)}`)).toBe(404);
      }
      expect((await httpGet(`${relay.url}/api/sessions`)).status).toBe(401);
      expect((await httpGet(`${relay.url}/api/sessions?token=${relays.find((r) => r !== relay)!.adminToken}`)).status).toBe(401);
    }
    for (const relay of relays) expect((await ssh(via(agent.info, relay), key, known, ['echo still'])).stdout).toBe('still\n');
  });

  it('a dead relay\'s claims expire when it stops refreshing them; until then another key cannot take the id', async () => {
    const short = await startRelay(['--redis', redis.url, '--fleet-claim-ttl', '2s']);
    const holderAgent = await startAgent(short.wsUrl, ['--authorized-keys', key.publicKey, '--id', 'expiring-job']);
    // The relay and its agent die together: nobody refreshes the claim and nobody reclaims it.
    signalGroup(short.child, 'SIGKILL');
    signalGroup(holderAgent.child, 'SIGKILL');
    await Promise.all([short.exited, holderAgent.exited]);
    const early = await startAgent(relays[0]!.wsUrl, ['--authorized-keys', key.publicKey, '--id', 'expiring-job']);
    expect(early.info.id).not.toBe('expiring-job');
    await stop(early);
    await new Promise((r) => setTimeout(r, 2500));
    const later = await startAgent(relays[0]!.wsUrl, ['--authorized-keys', key.publicKey, '--id', 'expiring-job']);
    expect(later.info.id).toBe('expiring-job');
    await stop(later);
  });

  it('a duplicate id on another relay gets a new id and never receives the first agent\'s clients', async () => {
    const other = await startAgent(relays[1]!.wsUrl, ['--authorized-keys', key.publicKey, '--id', 'fleet-job']);
    expect(other.info.id).not.toBe('fleet-job');
    expect(other.stderr()).toMatch(/id fleet-job is in use/);
    for (const relay of relays) {
      expect(await ssh(via(agent.info, relay), key, known, ['echo $agentdir'])).toMatchObject({ stdout: `${agent.info.agentDir}\n` });
    }
    await stop(other);
  });

  it('the relay holding the agent is SIGKILLed: the agent comes back through the balancer with its id', async () => {
    const dead = await holder(relays, 'fleet-job');
    const survivor = relays.find((r) => r !== dead)!;
    signalGroup(dead.child, 'SIGKILL');
    await dead.exited;
    await waitFor('the agent to reconnect', () => /relay connection restored \(id fleet-job\)/.test(agent.stderr()), 40_000, agent);
    expect((await ssh(via(agent.info, survivor), key, known, ['echo after-failover'])).stdout).toBe('after-failover\n');
    // Bring the dead one back on its port for the next tests.
    relays[relays.indexOf(dead)] = await startRelay(['--redis', redis.url, '--port', String(dead.port)]);
  });

  it('a rolling restart of every relay, one at a time, loses no agent', async () => {
    for (let i = 0; i < relays.length; i++) {
      const old = relays[i]!;
      expect(await stop(old)).toBe(0);
      relays[i] = await startRelay(['--redis', redis.url, '--port', String(old.port)]);
      let last = '';
      await waitUntil(
        'the agent to be reachable',
        async () => {
          const result = await ssh(via(agent.info, relays[i]!), key, known, ['echo up']);
          last = result.stderr;
          return result.stdout === 'up\n';
        },
        40_000,
        () => `last ssh: ${last.trim()}\nagent: ${agent.stderr().slice(-2000)}\nrelay: ${relays[i]!.stderr().slice(-1000)}`,
      );
    }
    expect(agent.child.exitCode).toBeNull();
    expect(agent.info.id).toBe('fleet-job');
  });

  it('Redis stopped: sessions in progress go on, new routes are refused with a clear code; it recovers by itself', async () => {
    const far = await farFrom(relays, 'fleet-job');
    const running = ssh(via(agent.info, far), key, known, ['sleep 3; echo survived']);
    await new Promise((r) => setTimeout(r, 1000));
    const port = redis.port;
    signalGroup(redis.child, 'SIGKILL');
    await redis.exited;
    expect((await running).stdout).toBe('survived\n');
    await waitUntil('a relay to report Redis down', async () => JSON.parse((await httpGet(`${far.url}/healthz`)).body).redis === 'down', 15_000, () => `relay: ${far.stderr().slice(-1500)}`);
    const refused = await run(process.execPath, [CLI.wsproxy, `${far.wsUrl}/client/nobody-here`], { input: '' });
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/REGISTRY_UNAVAILABLE/);
    redis = await startRedis(port);
    await waitUntil('ssh to work again through every relay', async () => {
      for (const relay of relays) if ((await ssh(via(agent.info, relay), key, known, ['echo back'])).stdout !== 'back\n') return false;
      return true;
    }, 40_000);
    for (const relay of relays) expect(relay.stderr()).toMatch(/redis unreachable/);
  });
});

// The fleet's periodic work with thousands of agents, against a real redis-server: claims refreshed and
// sessions published in batches, not one round trip each (one at a time, a relay with 10,000 idle agents
// spent 0.4 s of CPU per second on it). Redis's own counters tell how the commands came: socket reads
// it processed, calls per command.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AgentSummary } from '@converge/protocol';
import { captureLog, freePort, waitFor, waitForPort } from '@converge/testkit';
import { createClient } from '@redis/client';
import type { Heartbeat } from '../heartbeat';
import type { AgentHandle } from '../registry';
import { Fleet } from './index';
import { connectRedis } from './redis';
import { KEY, RedisRegistry } from './redis-registry';

const AGENTS = 2500;
const SELF = 'http://relay-a.test:8000';

let server: ChildProcess;
let url: string;
let observer: ReturnType<typeof createClient>;

beforeAll(async () => {
  const port = await freePort();
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitForPort(port);
  url = `redis://127.0.0.1:${port}`;
  observer = createClient({ url });
  await observer.connect();
});

afterAll(async () => {
  observer.destroy();
  server.kill('SIGKILL');
  await once(server, 'exit');
});

beforeEach(async () => {
  await observer.flushAll();
  await observer.configResetStat();
});

/** A counter from INFO: `field` of section `section` (e.g. stats / total_reads_processed, commandstats / cmdstat_hset's calls). */
async function info(section: string, field: string, key = field): Promise<number> {
  const text = await observer.info(section);
  const line = text.split('\r\n').find((l) => l.startsWith(`${field}:`));
  if (!line) return 0;
  const value = line.slice(field.length + 1);
  const match = new RegExp(`(?:^|,)${key}=(\\d+)`).exec(value);
  return Number(match ? match[1] : value);
}

const agent = (): AgentHandle => ({ requestOpen: () => undefined, replace: () => undefined });

function summary(id: string): AgentSummary {
  return { id, hostname: 'ci', os: 'linux', arch: 'x64', user: 'runner', cwd: '/build', version: '1', address: '127.0.0.1', connectedAt: new Date(0).toISOString(), job: { state: 'running' }, hold: false, clients: [] };
}

test('claims are refreshed in batches, and a claim another key took is still reported', async () => {
  const { log } = captureLog();
  const redis = connectRedis(url, log, () => undefined);
  try {
    await waitFor('Redis up', () => redis.up);
    const registry = new RedisRegistry({ redis: redis.commands, self: SELF, resumeGraceMs: 0, claimTtlMs: 30_000, replaceRemote: () => undefined });
    const ids = Array.from({ length: AGENTS }, (_, n) => `agent-${n}`);
    await Promise.all(ids.map((id) => registry.claim({ requestedId: id, hostKey: `ssh-ed25519 KEY${id}` }, agent())));
    await observer.set(KEY.agent('agent-7'), JSON.stringify({ relay: SELF, hostKey: 'ssh-ed25519 SOMEONE-ELSE' }));
    await observer.pExpire(KEY.agent('agent-8'), 50);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await observer.configResetStat();

    expect(await registry.refresh()).toEqual(['agent-7']);

    // One at a time takes a read per claim (2,500). Batched, Redis reads the ~0.9 MB of EVALs 16 KiB at a
    // time: ~60 reads here, more if it outruns the writer on a busy machine, far from one per claim.
    const reads = (await info('stats', 'total_reads_processed')) - 1; // minus the INFO itself
    expect(reads).toBeLessThan(AGENTS / 4);
    expect(await info('commandstats', 'cmdstat_eval', 'calls')).toBe(AGENTS);
    // The claim that had expired is restored, every other one pushed out again.
    expect(await observer.pTTL(KEY.agent('agent-8'))).toBeGreaterThan(29_000);
    expect(await observer.pTTL(KEY.agent(`agent-${AGENTS - 1}`))).toBeGreaterThan(29_000);
  } finally {
    await redis.close();
  }
}, 30_000);

test('this relay\'s sessions are published in one command per batch, and read back by another relay', async () => {
  const { log } = captureLog();
  const local = Array.from({ length: AGENTS }, (_, n) => summary(`a-${n}`));
  const stub = { log, accept: (() => undefined) as never, heartbeat: {} as Heartbeat, openLocal: () => false, failLocal: () => undefined };
  const a = new Fleet({ redisUrl: url, self: SELF, resumeGraceMs: 0, openTimeoutMs: 5000, maxPayload: 65_536 }, { ...stub, localSummaries: () => local });
  let b: Fleet | undefined;
  try {
    await waitFor('relay A\'s sessions in Redis', async () => (await observer.hLen(KEY.summaries)) === AGENTS, { timeoutMs: 10_000, intervalMs: 5 });
    // The first refresh, at connection: one HSET per batch (3 for 2,500 agents; 6 if the next refresh,
    // 2 s later, came in between), not one per agent.
    expect(await info('commandstats', 'cmdstat_hset', 'calls')).toBeLessThan(AGENTS / 100);
    b = new Fleet({ redisUrl: url, self: 'http://relay-b.test:8000', resumeGraceMs: 0, openTimeoutMs: 5000, maxPayload: 65_536 }, { ...stub, localSummaries: () => [] });
    await waitFor('relay B to list relay A\'s sessions', () => b!.fleetSummaries().length === AGENTS, { timeoutMs: 10_000 });
    expect(new Set(b.fleetSummaries().map((s) => s.id)).size).toBe(AGENTS);
  } finally {
    await a.close();
    await b?.close();
  }
  // Closing takes the relay's sessions out of the list, in batches too.
  expect(await observer.hLen(KEY.summaries)).toBe(0);
}, 30_000);

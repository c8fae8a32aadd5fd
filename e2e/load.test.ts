// Load through the relay: many sftp sessions at once lose and mix nothing; a client that stops reading
// neither grows the relay's memory without bound nor stops another session.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AgentProc,
  cleanup,
  type Key,
  proxyCommand,
  type RelayProc,
  run,
  ssh,
  startStack,
} from './harness';
import { metric, MiB, rssKiB, stalledClient } from './probes';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('load: parallel sftp and a stalled client', () => {
  let relay: RelayProc;
  let agent: AgentProc;
  let key: Key;
  let dir: string;
  let knownHosts: string;

  beforeAll(async () => {
    ({ dir, key, relay, agent, knownHosts } = await startStack(['--sftp', 'system']));
  });
  afterAll(cleanup);

  it('20 parallel sftp sessions each move a distinct 32 MiB file both ways intact', async () => {
    const sessions = 20;
    const local = join(dir, 'local');
    const remote = join(dir, 'remote');
    const back = join(dir, 'back');
    for (const d of [local, remote, back]) mkdirSync(d);
    const sums: string[] = [];
    for (let i = 0; i < sessions; i++) {
      writeFileSync(join(local, `f${i}`), randomBytes(32 * MiB));
      sums.push(sha256(join(local, `f${i}`)));
    }
    expect(new Set(sums).size).toBe(sessions);
    const results = await Promise.all(
      Array.from({ length: sessions }, (_, i) => {
        const batch = join(dir, `batch${i}`);
        writeFileSync(batch, `put ${join(local, `f${i}`)} ${join(remote, `f${i}`)}\nget ${join(remote, `f${i}`)} ${join(back, `f${i}`)}\n`);
        return run('sftp', [
          '-q', '-b', batch, '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', key.privateKey,
          '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', `ProxyCommand=${proxyCommand(agent.info.clientUrl)}`,
          `${agent.info.user}@${agent.info.id}`,
        ], { timeoutMs: 110_000 });
      }),
    );
    expect(results.map((r) => r.code)).toEqual(Array(sessions).fill(0));
    expect(Array.from({ length: sessions }, (_, i) => sha256(join(remote, `f${i}`)))).toEqual(sums);
    expect(Array.from({ length: sessions }, (_, i) => sha256(join(back, `f${i}`)))).toEqual(sums);
  }, 120_000);

  it('a stalled client does not grow relay memory past 64 MiB and does not stop another session', async () => {
    const before = rssKiB(relay.child.pid!);
    const relayedBefore = await metric(relay.url, 'converge_relayed_bytes_total{direction="agent_to_client"}');
    // The agent may push 256 MiB at it: the window is granted, only the relay's backpressure holds it.
    const stalled = await stalledClient(agent.info, key.privateKey, `head -c ${256 * MiB} /dev/zero`);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(relay.child.pid!))), 50);
    const relayed = async () => (await metric(relay.url, 'converge_relayed_bytes_total{direction="agent_to_client"}')) - relayedBefore;
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const stalledBytes = await relayed();
      // The stall is real: more than ssh's 2 MiB default window went out (the grant worked), then it stopped.
      expect(stalledBytes).toBeGreaterThan(2 * MiB);
      await new Promise((r) => setTimeout(r, 500));
      expect(await relayed()).toBe(stalledBytes);
      const busy = await ssh(agent.info, key, knownHosts, [`head -c ${64 * MiB} /dev/zero | wc -c`], { timeoutMs: 50_000 });
      expect(busy).toMatchObject({ code: 0, stdout: `${64 * MiB}\n` });
    } finally {
      clearInterval(sampler);
      stalled.close();
    }
    expect((peak - before) / 1024).toBeLessThan(64);
  }, 60_000);
});

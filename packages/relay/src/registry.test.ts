import { InMemoryRegistry, type AgentHandle } from './registry';

function handle(): AgentHandle & { replaced: number } {
  const h = { replaced: 0, requestOpen: () => undefined, replace: () => void h.replaced++ };
  return h;
}

const KEY_A = 'ssh-ed25519 key-a';
const KEY_B = 'ssh-ed25519 key-b';

describe('InMemoryRegistry', () => {
  let now = 0;
  let counter = 0;
  const registry = (maxReserved?: number) =>
    new InMemoryRegistry({ resumeGraceMs: 1000, maxReserved, now: () => now, newId: () => `gen-${++counter}` });

  beforeEach(() => {
    now = 0;
    counter = 0;
  });

  it('gives a requested id when free, else a generated one', async () => {
    const r = registry();
    const a = handle();
    const b = handle();
    expect(await r.claim({ requestedId: 'job', hostKey: KEY_A }, a)).toEqual({ id: 'job', idSource: 'requested' });
    expect(await r.claim({ requestedId: 'job', hostKey: KEY_B }, b)).toEqual({ id: 'gen-1', idSource: 'generated' });
    expect(r.local('job')).toBe(a);
    expect(r.local('gen-1')).toBe(b);
    expect(await r.claim({ hostKey: KEY_B }, handle())).toEqual({ id: 'gen-2', idSource: 'generated' });
  });

  it('never hands out a generated id that is taken', async () => {
    const ids = ['gen-1', 'gen-1', 'gen-2'];
    const r = new InMemoryRegistry({ resumeGraceMs: 0, newId: () => ids.shift()! });
    await r.claim({ hostKey: KEY_A }, handle());
    expect((await r.claim({ hostKey: KEY_B }, handle())).id).toBe('gen-2');
  });

  it('a connected holder is never displaced by another host key', async () => {
    const r = registry();
    const owner = handle();
    await r.claim({ requestedId: 'job', hostKey: KEY_A }, owner);
    for (let i = 0; i < 5; i++) expect((await r.claim({ requestedId: 'job', hostKey: KEY_B }, handle())).idSource).toBe('generated');
    expect(owner.replaced).toBe(0);
    expect(r.local('job')).toBe(owner);
  });

  it('keeps a dropped id reserved for its host key for the grace period, then frees it', async () => {
    const r = registry();
    const a = handle();
    await r.claim({ requestedId: 'job', hostKey: KEY_A }, a);
    await r.release('job', a, false);
    expect(r.local('job')).toBeUndefined();
    expect((await r.claim({ requestedId: 'job', hostKey: KEY_B }, handle())).idSource).toBe('generated');
    expect((await r.claim({ requestedId: 'job', hostKey: KEY_A }, handle())).idSource).toBe('resumed');
  });

  it('an expired reservation frees the id for anyone', async () => {
    const r = registry();
    const a = handle();
    await r.claim({ requestedId: 'job', hostKey: KEY_A }, a);
    await r.release('job', a, false);
    now = 1001;
    expect((await r.claim({ requestedId: 'job', hostKey: KEY_B }, handle())).idSource).toBe('requested');
  });

  it('a clean exit frees the id at once', async () => {
    const r = registry();
    const a = handle();
    await r.claim({ requestedId: 'job', hostKey: KEY_A }, a);
    await r.release('job', a, true);
    expect((await r.claim({ requestedId: 'job', hostKey: KEY_B }, handle())).idSource).toBe('requested');
  });

  it('the same host key reconnecting replaces its stale connection', async () => {
    const r = registry();
    const stale = handle();
    const fresh = handle();
    await r.claim({ requestedId: 'job', hostKey: KEY_A }, stale);
    expect(await r.claim({ requestedId: 'job', hostKey: KEY_A }, fresh)).toEqual({ id: 'job', idSource: 'resumed' });
    expect(stale.replaced).toBe(1);
    await r.release('job', stale, false);
    expect(r.local('job')).toBe(fresh);
  });

  it('reservations are bounded and expired ones are dropped', async () => {
    const r = registry(3);
    for (let i = 0; i < 10; i++) {
      const h = handle();
      await r.claim({ requestedId: `job-${i}`, hostKey: KEY_A }, h);
      await r.release(`job-${i}`, h, false);
    }
    expect(r.reservedCount).toBe(3);
    // The oldest went first: job-0 is free again, job-9 is still reserved.
    expect((await r.claim({ requestedId: 'job-0', hostKey: KEY_B }, handle())).idSource).toBe('requested');
    expect((await r.claim({ requestedId: 'job-9', hostKey: KEY_B }, handle())).idSource).toBe('generated');
    now = 5000;
    await r.claim({ hostKey: KEY_B }, handle());
    expect(r.reservedCount).toBe(0);
  });

  it('release by a handle that no longer holds the id does nothing', async () => {
    const r = registry();
    const a = handle();
    await r.claim({ requestedId: 'job', hostKey: KEY_A }, a);
    await r.release('job', handle(), true);
    expect(r.local('job')).toBe(a);
    expect(await r.agentCount()).toBe(1);
  });

});

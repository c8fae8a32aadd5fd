import { InMemoryRegistry, type AgentHandle } from './registry';
import { ResumeSecrets } from './resume';

function handle(): AgentHandle & { replaced: number } {
  const h = { replaced: 0, requestOpen: () => undefined, replace: () => void h.replaced++ };
  return h;
}

describe('InMemoryRegistry', () => {
  let now = 0;
  let counter = 0;
  const registry = () => new InMemoryRegistry<string>(1000, () => now, () => `gen-${++counter}`);

  beforeEach(() => {
    now = 0;
    counter = 0;
  });

  it('gives a requested id when free, else a generated one', async () => {
    const r = registry();
    const a = handle();
    const b = handle();
    expect(await r.claim({ requestedId: 'job', resumeVerified: false }, a)).toEqual({ id: 'job', idSource: 'requested' });
    expect(await r.claim({ requestedId: 'job', resumeVerified: false }, b)).toEqual({ id: 'gen-1', idSource: 'generated' });
    expect(await r.lookup('job')).toBe(a);
    expect(await r.lookup('gen-1')).toBe(b);
    expect(await r.claim({ resumeVerified: false }, handle())).toEqual({ id: 'gen-2', idSource: 'generated' });
  });

  it('never hands out a generated id that is taken', async () => {
    const ids = ['gen-1', 'gen-1', 'gen-2'];
    const r = new InMemoryRegistry<string>(0, () => 0, () => ids.shift()!);
    await r.claim({ resumeVerified: false }, handle());
    expect((await r.claim({ resumeVerified: false }, handle())).id).toBe('gen-2');
  });

  it('keeps a released id reserved for the grace period, then frees it', async () => {
    const r = registry();
    const a = handle();
    await r.claim({ requestedId: 'job', resumeVerified: false }, a);
    await r.release('job', a);
    expect(await r.lookup('job')).toBeUndefined();
    expect((await r.claim({ requestedId: 'job', resumeVerified: false }, handle())).idSource).toBe('generated');
    now = 1001;
    expect((await r.claim({ requestedId: 'job', resumeVerified: false }, handle())).idSource).toBe('requested');
  });

  it('a verified resume takes the id back, even from a stale holder, which is told to go', async () => {
    const r = registry();
    const stale = handle();
    const fresh = handle();
    await r.claim({ requestedId: 'job', resumeVerified: false }, stale);
    expect(await r.claim({ requestedId: 'job', resumeVerified: true }, fresh)).toEqual({ id: 'job', idSource: 'resumed' });
    expect(stale.replaced).toBe(1);
    await r.release('job', stale);
    expect(await r.lookup('job')).toBe(fresh);
  });

  it('release by a handle that no longer holds the id does nothing', async () => {
    const r = registry();
    const a = handle();
    await r.claim({ requestedId: 'job', resumeVerified: false }, a);
    await r.release('job', handle());
    expect(await r.lookup('job')).toBe(a);
    expect(await r.agentCount()).toBe(1);
  });

  it('pending clients are taken once', async () => {
    const r = registry();
    await r.addPending('c1', 'client');
    expect(await r.takePending('c1')).toBe('client');
    expect(await r.takePending('c1')).toBeUndefined();
  });
});

describe('ResumeSecrets', () => {
  it('verifies its own secrets only, and survives a restart with the same key', () => {
    const a = new ResumeSecrets('key');
    const secret = a.issue('job');
    expect(a.verify('job', secret)).toBe(true);
    expect(a.verify('other', secret)).toBe(false);
    expect(a.verify('job', `${secret}x`)).toBe(false);
    expect(new ResumeSecrets('key').verify('job', secret)).toBe(true);
    expect(new ResumeSecrets('another').verify('job', secret)).toBe(false);
    expect(new ResumeSecrets().verify('job', secret)).toBe(false);
  });
});

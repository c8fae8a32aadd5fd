import { type Decision, Lifecycle, type LifecycleConfig } from './lifecycle';

const S = 1000;
const M = 60 * S;

class FakeClock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
}

function make(config: Partial<LifecycleConfig> = {}) {
  const clock = new FakeClock();
  const life = new Lifecycle({ connectTimeoutMs: 10 * M, idleTimeoutMs: 10 * M, warnAtMs: [5 * M, M, 10 * S], ...config }, clock);
  /** Advances the clock wake-up by wake-up (as the timer driver would) up to `ms` later. */
  const advance = (ms: number): Decision[] => {
    const target = clock.t + ms;
    const out: Decision[] = [];
    for (;;) {
      const wake = life.nextWakeAt;
      if (wake === undefined || wake > target) break;
      clock.t = Math.max(clock.t, wake);
      out.push(...life.tick());
    }
    clock.t = target;
    out.push(...life.tick());
    return out;
  };
  return { clock, life, advance };
}

const end = (reason: string) => [{ type: 'end', reason }];

describe('Lifecycle', () => {
  it('ends with connect-timeout when nobody logs in', () => {
    const { life, advance, clock } = make({ connectTimeoutMs: 3 * S });
    const t0 = clock.t;
    expect(life.start('await-login')).toEqual([]);
    expect(life.expiresAt).toBe(t0 + 3 * S);
    expect(advance(2999)).toEqual([]);
    expect(advance(1)).toEqual(end('connect-timeout'));
    expect(life.isEnded).toBe(true);
    expect(life.expiresAt).toBeUndefined();
    expect(life.tick()).toEqual([]);
  });

  it('ends when the last client logs out after a login, and not before', () => {
    const { life, advance } = make();
    life.start('await-login');
    expect(life.login()).toEqual([]);
    expect(life.login()).toEqual([]);
    expect(advance(M)).toEqual([]);
    expect(life.logout()).toEqual([]);
    expect(life.logout()).toEqual(end('last-logout'));
  });

  it('warns at each point as the idle expiry nears, and input starts over', () => {
    const { life, advance } = make();
    life.start('await-login');
    life.login();
    expect(advance(5 * M)).toEqual([{ type: 'warn', remainingMs: 5 * M, cause: 'idle' }]);
    expect(advance(4 * M)).toEqual([{ type: 'warn', remainingMs: M, cause: 'idle' }]);
    expect(life.activity()).toEqual([]);
    expect(advance(5 * M - 1)).toEqual([]);
    expect(advance(1)).toEqual([{ type: 'warn', remainingMs: 5 * M, cause: 'idle' }]);
    expect(advance(4 * M + 50 * S)).toEqual([
      { type: 'warn', remainingMs: M, cause: 'idle' },
      { type: 'warn', remainingMs: 10 * S, cause: 'idle' },
    ]);
    expect(advance(10 * S)).toEqual(end('idle-timeout'));
  });

  it('a late timer gives one warning with the real time left', () => {
    const { life, clock } = make();
    life.start('await-login');
    life.login();
    clock.t += 9 * M + 30 * S;
    expect(life.tick()).toEqual([{ type: 'warn', remainingMs: 30 * S, cause: 'idle' }]);
  });

  it('never warns about points longer than the timeout itself', () => {
    const { life, advance } = make({ idleTimeoutMs: 3 * S, warnAtMs: [5 * M, M, 1 * S] });
    life.start('await-login');
    life.login();
    expect(advance(2 * S)).toEqual([{ type: 'warn', remainingMs: S, cause: 'idle' }]);
    life.activity();
    expect(advance(1500)).toEqual([]);
  });

  it('.hold keeps it waiting after the last logout until the idle expiry', () => {
    const { life, advance, clock } = make({ idleTimeoutMs: 2 * M });
    life.start('await-login');
    life.login();
    expect(life.setHold({ present: true, mtimeMs: clock.t })).toEqual([]);
    expect(life.holding).toBe(true);
    expect(life.logout()).toEqual([]);
    expect(advance(2 * M)).toEqual([
      { type: 'warn', remainingMs: M, cause: 'idle' },
      { type: 'warn', remainingMs: 10 * S, cause: 'idle' },
      { type: 'end', reason: 'idle-timeout' },
    ]);
  });

  it('a new login during a hold is welcome and its logout ends nothing while the hold stays', () => {
    const { life, clock } = make();
    life.start('await-login');
    life.login();
    life.setHold({ present: true, mtimeMs: clock.t });
    life.logout();
    clock.t += M;
    expect(life.login()).toEqual([]);
    expect(life.logout()).toEqual([]);
  });

  it('removing .hold with nobody connected ends at once; with someone connected it does not', () => {
    const a = make();
    a.life.start('await-login');
    a.life.login();
    a.life.setHold({ present: true, mtimeMs: a.clock.t });
    a.life.logout();
    expect(a.life.setHold({ present: false })).toEqual(end('hold-removed'));

    const b = make();
    b.life.start('await-login');
    b.life.login();
    b.life.setHold({ present: true, mtimeMs: b.clock.t });
    expect(b.life.setHold({ present: false })).toEqual([]);
    expect(b.life.logout()).toEqual(end('last-logout'));
  });

  it('a .hold with a future mtime extends expiry to that time, and counts as activity when touched', () => {
    const { life, advance, clock } = make();
    const t0 = clock.t;
    life.start('await-login');
    life.login();
    clock.t += 8 * M;
    life.setHold({ present: true, mtimeMs: t0 + 60 * M });
    expect(life.expiresAt).toBe(t0 + 60 * M);
    life.logout();
    expect(advance(52 * M - 10 * S)).toEqual([
      { type: 'warn', remainingMs: 5 * M, cause: 'hold' },
      { type: 'warn', remainingMs: M, cause: 'hold' },
      { type: 'warn', remainingMs: 10 * S, cause: 'hold' },
    ]);
    life.setHold({ present: true, mtimeMs: clock.t });
    expect(life.expiresAt).toBe(clock.t + 10 * M);
    expect(advance(10 * M)).toContainEqual({ type: 'end', reason: 'idle-timeout' });
  });

  it('a future .hold also extends the wait for a first login', () => {
    const { life, advance, clock } = make({ connectTimeoutMs: M });
    const t0 = clock.t;
    life.start('await-login');
    life.setHold({ present: true, mtimeMs: t0 + 5 * M });
    expect(advance(M)).toEqual([]);
    expect(advance(4 * M)).toContainEqual({ type: 'end', reason: 'hold-expired' });
  });

  it('max duration caps everything: idle input, holds and connected clients', () => {
    const { life, advance, clock } = make({ maxDurationMs: 3 * M, warnAtMs: [M] });
    const t0 = clock.t;
    life.start('await-login');
    life.login();
    life.setHold({ present: true, mtimeMs: t0 + 60 * M });
    expect(life.expiresAt).toBe(t0 + 3 * M);
    expect(advance(2 * M)).toEqual([{ type: 'warn', remainingMs: M, cause: 'max' }]);
    life.activity();
    expect(advance(M)).toEqual(end('max-duration'));
  });

  it('before start nothing is decided; logins before start count (run --when during)', () => {
    const { life, advance } = make({ connectTimeoutMs: S });
    expect(life.login()).toEqual([]);
    expect(life.logout()).toEqual([]);
    expect(advance(M)).toEqual([]);
    expect(life.expiresAt).toBeUndefined();
    expect(life.nextWakeAt).toBeUndefined();
  });

  it('after-job: nobody connected and no hold ends at once; a connected client keeps it', () => {
    const a = make();
    expect(a.life.start('after-job')).toEqual(end('nobody-waiting'));

    const b = make();
    b.life.login();
    expect(b.life.start('after-job')).toEqual([]);
    expect(b.life.expiresAt).toBe(b.clock.t + 10 * M);
    expect(b.life.logout()).toEqual(end('last-logout'));

    const c = make();
    c.life.setHold({ present: true, mtimeMs: c.clock.t });
    expect(c.life.start('after-job')).toEqual([]);
    expect(c.advance(10 * M)).toContainEqual({ type: 'end', reason: 'idle-timeout' });
  });

  it('--hold holds from the start: no end at the last logout nor when .hold goes', () => {
    const { life, advance, clock } = make({ hold: true, idleTimeoutMs: M, warnAtMs: [] });
    life.start('await-login');
    life.login();
    expect(life.holding).toBe(true);
    expect(life.logout()).toEqual([]);
    life.setHold({ present: true, mtimeMs: clock.t });
    expect(life.setHold({ present: false })).toEqual([]);
    expect(advance(M)).toEqual(end('idle-timeout'));
  });

  it('ends only once', () => {
    const { life } = make();
    life.start('await-login');
    life.login();
    expect(life.logout()).toEqual(end('last-logout'));
    expect(life.login()).toEqual([]);
    expect(life.logout()).toEqual([]);
  });
});

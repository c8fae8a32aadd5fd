import { type Decision, Lifecycle, type LifecycleConfig } from './decisions';

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

/** A person logs in and opens an interactive shell. */
const personIn = (life: Lifecycle): Decision[] => [...life.login(), ...life.shellStarted()];
/** ... and ends it (exit, logout, EOF), then their connection closes. */
const personOut = (life: Lifecycle): Decision[] => [...life.shellEnded(true), ...life.disconnected()];

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

  it('a dropped connection is not a logout: its shell lives on detached, and only the idle timeout ends it', () => {
    const { life, advance } = make({ idleTimeoutMs: 2 * M, warnAtMs: [] });
    life.start('await-login');
    personIn(life);
    expect(life.disconnected()).toEqual([]);
    expect(advance(2 * M - 1)).toEqual([]);
    // The person comes back: the detached shell is re-attached (no new shell), and exits.
    expect(life.login()).toEqual([]);
    expect(personOut(life)).toEqual(end('last-logout'));
  });

  it('exec, sftp and forwards never end the agent; a logout waits for sessions still running', () => {
    const { life } = make();
    life.start('await-login');
    expect(life.login()).toEqual([]);
    expect(life.sessionStarted()).toEqual([]);
    expect(life.sessionEnded()).toEqual([]);
    expect(life.disconnected()).toEqual([]);
    expect(life.isEnded).toBe(false);
    personIn(life);
    life.sessionStarted(); // an sftp transfer in another connection
    expect(life.shellEnded(true)).toEqual([]);
    expect(life.sessionEnded()).toEqual(end('last-logout'));
  });

  it('a detached shell that ends by itself is not a logout; the last shell a person ends is', () => {
    const { life } = make();
    life.start('await-login');
    personIn(life);
    personIn(life);
    expect(life.shellEnded(false)).toEqual([]);
    expect(personOut(life)).toEqual(end('last-logout'));
  });

  it('a new shell after a logout (with .hold) starts over: its own exit is the logout', () => {
    const { life, clock } = make();
    life.start('await-login');
    personIn(life);
    life.setHold({ present: true, mtimeMs: clock.t });
    expect(personOut(life)).toEqual([]);
    expect(life.afterLogout).toBe(true);
    personIn(life);
    expect(life.afterLogout).toBe(false);
    life.setHold({ present: false });
    expect(personOut(life)).toEqual(end('last-logout'));
  });

  it('ends when the last client logs out after a login, and not before', () => {
    const { life, advance } = make();
    life.start('await-login');
    expect(personIn(life)).toEqual([]);
    expect(personIn(life)).toEqual([]);
    expect(advance(M)).toEqual([]);
    expect(personOut(life)).toEqual([]);
    expect(personOut(life)).toEqual(end('last-logout'));
  });

  it('warns at each point as the idle expiry nears, and input starts over', () => {
    const { life, advance } = make();
    life.start('await-login');
    personIn(life);
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
    personIn(life);
    clock.t += 9 * M + 30 * S;
    expect(life.tick()).toEqual([{ type: 'warn', remainingMs: 30 * S, cause: 'idle' }]);
  });

  it('never warns about points longer than the timeout itself', () => {
    const { life, advance } = make({ idleTimeoutMs: 3 * S, warnAtMs: [5 * M, M, 1 * S] });
    life.start('await-login');
    personIn(life);
    expect(advance(2 * S)).toEqual([{ type: 'warn', remainingMs: S, cause: 'idle' }]);
    life.activity();
    expect(advance(1500)).toEqual([]);
  });

  it('.hold keeps it waiting after the last logout until the idle expiry', () => {
    const { life, advance, clock } = make({ idleTimeoutMs: 2 * M });
    life.start('await-login');
    personIn(life);
    expect(life.setHold({ present: true, mtimeMs: clock.t })).toEqual([]);
    expect(life.holding).toBe(true);
    expect(personOut(life)).toEqual([]);
    expect(advance(2 * M)).toEqual([
      { type: 'warn', remainingMs: M, cause: 'idle' },
      { type: 'warn', remainingMs: 10 * S, cause: 'idle' },
      { type: 'end', reason: 'idle-timeout' },
    ]);
  });

  it('a new login during a hold is welcome and its logout ends nothing while the hold stays', () => {
    const { life, clock } = make();
    life.start('await-login');
    personIn(life);
    life.setHold({ present: true, mtimeMs: clock.t });
    personOut(life);
    clock.t += M;
    expect(personIn(life)).toEqual([]);
    expect(personOut(life)).toEqual([]);
  });

  it('removing .hold with nobody connected ends at once; with someone connected it does not', () => {
    const a = make();
    a.life.start('await-login');
    personIn(a.life);
    a.life.setHold({ present: true, mtimeMs: a.clock.t });
    personOut(a.life);
    expect(a.life.setHold({ present: false })).toEqual(end('hold-removed'));

    const b = make();
    b.life.start('await-login');
    personIn(b.life);
    b.life.setHold({ present: true, mtimeMs: b.clock.t });
    expect(b.life.setHold({ present: false })).toEqual([]);
    expect(personOut(b.life)).toEqual(end('last-logout'));
  });

  it('a .hold with a future mtime extends expiry to that time, and counts as activity when touched', () => {
    const { life, advance, clock } = make();
    const t0 = clock.t;
    life.start('await-login');
    personIn(life);
    clock.t += 8 * M;
    life.setHold({ present: true, mtimeMs: t0 + 60 * M });
    expect(life.expiresAt).toBe(t0 + 60 * M);
    personOut(life);
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
    personIn(life);
    life.setHold({ present: true, mtimeMs: t0 + 60 * M });
    expect(life.expiresAt).toBe(t0 + 3 * M);
    expect(advance(2 * M)).toEqual([{ type: 'warn', remainingMs: M, cause: 'max' }]);
    life.activity();
    expect(advance(M)).toEqual(end('max-duration'));
  });

  it('before start nothing is decided; logins before start count (run --when during)', () => {
    const { life, advance } = make({ connectTimeoutMs: S });
    expect(personIn(life)).toEqual([]);
    expect(personOut(life)).toEqual([]);
    expect(advance(M)).toEqual([]);
    expect(life.expiresAt).toBeUndefined();
    expect(life.nextWakeAt).toBeUndefined();
  });

  it('after-job: nobody connected and no hold ends at once; a connected client keeps it', () => {
    const a = make();
    expect(a.life.start('after-job')).toEqual(end('nobody-waiting'));

    const b = make();
    personIn(b.life);
    expect(b.life.start('after-job')).toEqual([]);
    expect(b.life.expiresAt).toBe(b.clock.t + 10 * M);
    expect(personOut(b.life)).toEqual(end('last-logout'));

    const c = make();
    c.life.setHold({ present: true, mtimeMs: c.clock.t });
    expect(c.life.start('after-job')).toEqual([]);
    expect(c.advance(10 * M)).toContainEqual({ type: 'end', reason: 'idle-timeout' });
  });

  it('--hold holds from the start: no end at the last logout nor when .hold goes', () => {
    const { life, advance, clock } = make({ hold: true, idleTimeoutMs: M, warnAtMs: [] });
    life.start('await-login');
    personIn(life);
    expect(life.holding).toBe(true);
    expect(personOut(life)).toEqual([]);
    life.setHold({ present: true, mtimeMs: clock.t });
    expect(life.setHold({ present: false })).toEqual([]);
    expect(advance(M)).toEqual(end('idle-timeout'));
  });

  it('ends only once', () => {
    const { life } = make();
    life.start('await-login');
    personIn(life);
    expect(personOut(life)).toEqual(end('last-logout'));
    expect(personIn(life)).toEqual([]);
    expect(personOut(life)).toEqual([]);
  });
});

import { mintFromArgs } from './cli/args';
import { AddressLimiter, RefusalLog } from './limits';
import type { Logger } from './log';
import { checkAgentToken, mintAgentToken } from './tokens';

const NOW = 1_800_000_000_000;

describe('agent tokens', () => {
  it('admits a token signed with the secret', () => {
    expect(checkAgentToken('s3cret', mintAgentToken('s3cret', { now: NOW }), undefined, NOW)).toEqual({ ok: true });
  });

  it('admits the secret itself as a static token', () => {
    expect(checkAgentToken('s3cret', 's3cret', undefined, NOW)).toEqual({ ok: true });
    expect(checkAgentToken('s3cret', 's3cres', undefined, NOW)).toEqual({ ok: false, reason: 'the agent token is not valid' });
  });

  it.each([
    ['no token', undefined, /needs an agent token/],
    ['an unsigned token', `${mintAgentToken('s3cret', { now: NOW }).split('.').slice(0, 2).join('.')}.`, /wrong signature/],
    ['a token signed with another secret', mintAgentToken('other', { now: NOW }), /wrong signature/],
    ['an expired token', mintAgentToken('s3cret', { ttlMs: 60_000, now: NOW - 120_000 }), /has expired/],
    ['garbage', 'a.b.c', /wrong signature/],
  ])('refuses %s', (_what, token, reason) => {
    const result = checkAgentToken('s3cret', token, undefined, NOW);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('refuses an "alg: none" token even with a matching body', () => {
    const header = Buffer.from('{"alg":"none"}').toString('base64url');
    const body = Buffer.from('{"sub":"converge-agent"}').toString('base64url');
    expect(checkAgentToken('s3cret', `${header}.${body}.`, undefined, NOW).ok).toBe(false);
  });

  it('binds a token to an id', () => {
    const token = mintAgentToken('s3cret', { id: 'build-42', now: NOW });
    expect(checkAgentToken('s3cret', token, 'build-42', NOW)).toEqual({ ok: true, id: 'build-42' });
    expect(checkAgentToken('s3cret', token, 'other', NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/for id build-42/) });
  });

  it('converge-relay token mints what the relay admits', () => {
    const token = mintFromArgs(['--secret', 'x', '--id', 'job-1', '--ttl', '1h'], {}, NOW);
    expect(checkAgentToken('x', token, 'job-1', NOW + 3_500_000)).toMatchObject({ ok: true });
    expect(checkAgentToken('x', token, 'job-1', NOW + 3_700_000)).toMatchObject({ ok: false });
    expect(() => mintFromArgs([], {})).toThrow(/--secret/);
    expect(() => mintFromArgs(['--secret', 'x', '--id', 'Bad'], {})).toThrow(/not a valid id/);
  });
});

describe('limits', () => {
  it('counts connections per address', () => {
    const limiter = new AddressLimiter(2);
    expect([limiter.acquire('a'), limiter.acquire('a'), limiter.acquire('a'), limiter.acquire('b')]).toEqual([true, true, false, true]);
    limiter.release('a');
    expect(limiter.acquire('a')).toBe(true);
    expect(new AddressLimiter(0).acquire('a')).toBe(true);
  });

  it('logs a kind of refusal once a minute per address, then says how many it held back', () => {
    const lines: unknown[] = [];
    const log = { info: (...args: unknown[]) => lines.push(args) } as unknown as Logger;
    let now = 0;
    const refusals = new RefusalLog(log, 60_000, () => now);
    for (let i = 0; i < 1000; i++) refusals.refused('LIMIT_REACHED', '10.0.0.1', {});
    refusals.refused('LIMIT_REACHED', '10.0.0.2', {});
    expect(lines).toHaveLength(2);
    now = 60_001;
    refusals.refused('LIMIT_REACHED', '10.0.0.1', {});
    expect(lines[2]).toEqual(['refused', { reason: 'LIMIT_REACHED', address: '10.0.0.1', similarSinceLastLine: 999 }]);
  });
});

// Agent admission tokens: an HS256 JWT signed with the relay's agent token secret (optionally bound to
// one id, optionally expiring), or the secret itself as a static token. HS256 is a few lines of
// node:crypto, so no JWT library is bundled.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Admission = { readonly ok: true; readonly id?: string } | { readonly ok: false; readonly reason: string };

interface Claims {
  readonly sub?: unknown;
  readonly id?: unknown;
  readonly exp?: unknown;
  readonly nbf?: unknown;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Mints a token for `converge-relay token`. */
export function mintAgentToken(secret: string, options: { id?: string; ttlMs?: number; now?: number } = {}): string {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const claims = {
    sub: 'converge-agent',
    iat: now,
    ...(options.id !== undefined && { id: options.id }),
    ...(options.ttlMs !== undefined && { exp: now + Math.ceil(options.ttlMs / 1000) }),
  };
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${sign(secret, body)}`;
}

/** Checks an agent's token; `requestedId` is the id the agent asks for (a bound token needs it). */
export function checkAgentToken(secret: string, token: string | undefined, requestedId: string | undefined, now = Date.now()): Admission {
  if (token === undefined || token === '') return { ok: false, reason: 'this relay needs an agent token (--token or CONVERGE_TOKEN)' };
  const parts = token.split('.');
  if (parts.length !== 3) return sameText(token, secret) ? { ok: true } : { ok: false, reason: 'the agent token is not valid' };
  const [header, payload, signature] = parts as [string, string, string];
  if (!sameText(signature, sign(secret, `${header}.${payload}`))) return { ok: false, reason: 'the agent token is not valid (wrong signature)' };
  let claims: Claims;
  try {
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown }).alg;
    if (alg !== 'HS256') return { ok: false, reason: 'the agent token is not valid (algorithm)' };
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Claims;
  } catch {
    return { ok: false, reason: 'the agent token is not valid (malformed)' };
  }
  const seconds = now / 1000;
  if (typeof claims.exp === 'number' && seconds >= claims.exp) return { ok: false, reason: 'the agent token has expired' };
  if (typeof claims.nbf === 'number' && seconds < claims.nbf) return { ok: false, reason: 'the agent token is not valid yet' };
  if (claims.sub !== undefined && claims.sub !== 'converge-agent') return { ok: false, reason: 'the token is not an agent token' };
  if (typeof claims.id === 'string') {
    if (requestedId !== claims.id) return { ok: false, reason: `the agent token is for id ${claims.id}; start the agent with --id ${claims.id}` };
    return { ok: true, id: claims.id };
  }
  return { ok: true };
}

// Keys published by a forge: https://github.com/NAME.keys and https://gitlab.com/NAME.keys (base URLs
// configurable so tests serve them from 127.0.0.1). Fetched once at start with a timeout; later reloads
// (a watched file changed) reuse that answer instead of asking the forge again, and retry only a failure.
import { parseAuthorizedKeys, type ParsedAuthorizedKeys } from './authorized-keys';
import type { KeySource } from './key-source';

export const KEY_FETCH_TIMEOUT_MS = 10_000;
/** A user's public keys fit easily; anything bigger is not a .keys page. */
export const MAX_KEYS_BYTES = 1024 * 1024;

export const FORGES = {
  github: { label: 'GitHub', defaultUrl: 'https://github.com' },
  gitlab: { label: 'GitLab', defaultUrl: 'https://gitlab.com' },
} as const;
export type Forge = keyof typeof FORGES;

/** GitHub: letters, digits, inner '-'; GitLab adds '.' and '_'. One pattern that admits both. */
export const FORGE_USER_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,253}[A-Za-z0-9_])?$/;

export type FetchText = (url: string, timeoutMs: number) => Promise<string>;

/** GET with a deadline; anything but 200 is an error naming the status. */
export const fetchText: FetchText = async (url, timeoutMs) => {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (error) {
    const e = error as Error & { cause?: Error };
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.message ?? e.message);
    throw new Error(reason);
  }
  if (response.status !== 200) throw new Error(`HTTP ${response.status}${response.status === 404 ? ' (no such user?)' : ''}`);
  const text = await response.text();
  if (text.length > MAX_KEYS_BYTES) throw new Error(`answer larger than ${MAX_KEYS_BYTES} bytes`);
  return text;
};

/** `https://github.com` + `octocat` -> `https://github.com/octocat.keys`. */
export function forgeKeysUrl(baseUrl: string, user: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(user)}.keys`;
}

export function urlKeySource(forge: Forge, baseUrl: string, user: string, fetcher: FetchText = fetchText, timeoutMs = KEY_FETCH_TIMEOUT_MS): KeySource {
  const url = forgeKeysUrl(baseUrl, user);
  const name = `${FORGES[forge].label} user ${user} (${url})`;
  let cached: ParsedAuthorizedKeys | undefined;
  return {
    name,
    load: async () => {
      if (cached) return cached;
      const parsed = parseAuthorizedKeys(await fetcher(url, timeoutMs), name);
      cached = parsed;
      return parsed;
    },
  };
}

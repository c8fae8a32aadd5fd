// Rendez-vous ids (what a person types to reach an agent) and connection ids (what the relay hands an
// agent to claim one pending client). Generation takes the random source as an argument: no IO here.
import { ProtocolError, ProtocolErrorCode } from './errors';

/** Crockford's base32 in lower case: digits and letters without i, l, o, u (easy to read aloud). */
export const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const ID_MIN_LENGTH = 3;
export const ID_MAX_LENGTH = 63;
/** Generated ids: 16 symbols of 5 bits = 80 random bits, shown in groups of four. */
export const GENERATED_ID_SYMBOLS = 16;
/** Connection ids: 26 symbols = 130 random bits; they are bearer secrets for one pending client. */
export const CONNECTION_ID_SYMBOLS = 26;

/**
 * A valid id: lower-case letters a-z, digits and inner hyphens, 3 to 63 characters, starting and ending
 * with a letter or digit. This is a valid DNS label, so it is safe as an ssh host name and in a URL path.
 */
const ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const CONNECTION_ID_PATTERN = new RegExp(`^[${ID_ALPHABET}]{${CONNECTION_ID_SYMBOLS}}$`);

export type RandomBytes = (size: number) => Uint8Array;

export function isValidId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= ID_MIN_LENGTH &&
    value.length <= ID_MAX_LENGTH &&
    ID_PATTERN.test(value)
  );
}

/** Returns the id unchanged, or throws INVALID_ID saying what a valid one looks like. */
export function validateId(value: unknown): string {
  if (isValidId(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(typeof value);
  throw new ProtocolError(
    ProtocolErrorCode.INVALID_ID,
    `invalid id ${shown}: use ${ID_MIN_LENGTH}-${ID_MAX_LENGTH} characters a-z, 0-9 and inner '-'`,
  );
}

function encodeBase32(bytes: Uint8Array, symbols: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < symbols) {
      bits -= 5;
      out += ID_ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/** A fresh rendez-vous id such as `k3v9-x7qd-2mhp-tr8w` (80 random bits). */
export function generateId(randomBytes: RandomBytes): string {
  const symbols = encodeBase32(randomBytes(10), GENERATED_ID_SYMBOLS);
  return symbols.match(/.{4}/g)!.join('-');
}

/** A fresh connection id (130 random bits). */
export function generateConnectionId(randomBytes: RandomBytes): string {
  return encodeBase32(randomBytes(17), CONNECTION_ID_SYMBOLS);
}

export function isValidConnectionId(value: unknown): value is string {
  return typeof value === 'string' && CONNECTION_ID_PATTERN.test(value);
}

/** `SHA256:` and 43 base64 characters: an OpenSSH host key fingerprint as the agent prints it. */
export function isHostKeyFingerprint(value: unknown): value is string {
  return typeof value === 'string' && /^SHA256:[A-Za-z0-9+/]{43}$/.test(value);
}

/**
 * The name ssh files an agent's host key under (HostKeyAlias): the id plus the start of the key's
 * fingerprint. Every run has a new host key, so a re-run under the same id gets a new name and never
 * meets the old key in known_hosts ("REMOTE HOST IDENTIFICATION HAS CHANGED").
 */
export function hostKeyAlias(id: string, fingerprint: string): string {
  return `${id}~${fingerprint.slice('SHA256:'.length, 'SHA256:'.length + 16).replace(/\+/g, '-').replace(/\//g, '_')}`;
}

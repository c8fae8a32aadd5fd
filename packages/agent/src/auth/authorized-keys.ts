// Parser of OpenSSH authorized_keys text: one key per line, optional leading options, a comment after.
// Broken lines become warnings with their line number; parsing never throws.
import { type ParsedKey, utils } from 'ssh2';
import { fingerprintOf } from '../host-key';
import { foldOptions, type KeyOptions, NO_OPTIONS, splitOptions } from './options';

export interface AuthorizedKey {
  readonly type: string;
  /** The SSH wire blob of the public key (what a client sends). */
  readonly publicBlob: Buffer;
  readonly key: ParsedKey;
  readonly fingerprint: string;
  readonly comment: string;
  readonly options: KeyOptions;
  /** Where it came from (file name or `CONVERGE_AUTHORIZED_KEYS`) and its line number (1-based). */
  readonly source: string;
  readonly line: number;
}

export interface KeyWarning {
  readonly source: string;
  readonly line: number;
  readonly message: string;
}

export interface ParsedAuthorizedKeys {
  readonly keys: AuthorizedKey[];
  readonly warnings: KeyWarning[];
}

/** Key types ssh2 1.17 can verify. */
export const SUPPORTED_KEY_TYPES = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
  'ssh-dss',
] as const;

const KEY_TYPE_LIKE = /^(ssh-|ecdsa-|sk-|rsa-sha2-)/;

function parseLine(text: string, source: string, line: number): AuthorizedKey {
  let options = NO_OPTIONS;
  let rest = text;
  if (!KEY_TYPE_LIKE.test(text)) {
    const split = splitOptions(text);
    if (!split.rest) throw new Error('expected "[options] key-type base64 [comment]"');
    options = foldOptions(split.options);
    rest = split.rest;
  }
  const [type, base64, ...comment] = rest.split(/\s+/);
  if (!type || !base64) throw new Error('expected "[options] key-type base64 [comment]"');
  if (!(SUPPORTED_KEY_TYPES as readonly string[]).includes(type)) throw new Error(`key type ${JSON.stringify(type.slice(0, 60))} is not supported`);
  const parsed = utils.parseKey(`${type} ${base64}`);
  if (parsed instanceof Error) throw new Error(`unreadable ${type} key: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key.type !== type) throw new Error(`unreadable ${type} key`);
  const publicBlob = key.getPublicSSH();
  return { type, publicBlob, key, fingerprint: fingerprintOf(publicBlob), comment: comment.join(' '), options, source, line };
}

export function parseAuthorizedKeys(text: string, source: string): ParsedAuthorizedKeys {
  const keys: AuthorizedKey[] = [];
  const warnings: KeyWarning[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    try {
      keys.push(parseLine(trimmed, source, index + 1));
    } catch (error) {
      warnings.push({ source, line: index + 1, message: error instanceof Error ? error.message : String(error) });
    }
  });
  return { keys, warnings };
}

/** `ED25519 SHA256:... me@laptop`: how keys are shown in logs and the banner (never the key itself). */
export function describeKey(key: AuthorizedKey): string {
  const short = key.type.replace(/^ssh-|^ecdsa-sha2-/, '').toUpperCase();
  return [short === 'NISTP256' || short === 'NISTP384' || short === 'NISTP521' ? 'ECDSA' : short, key.fingerprint, key.comment]
    .filter(Boolean)
    .join(' ');
}

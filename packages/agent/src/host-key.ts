// The per-run host key: a fresh ed25519 key, its OpenSSH fingerprint and its known_hosts line.
import { createHash } from 'node:crypto';
import { hostKeyAlias } from '@converge/protocol';
import { utils } from 'ssh2';

export interface HostKey {
  /** OpenSSH private key text for ssh2's `hostKeys`. Never log it. */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA...` (no comment). */
  readonly publicKey: string;
  /** `SHA256:...` as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
  readonly type: string;
  /** Signs `data` with the private key: base64 of the raw ed25519 signature (relay id claims). */
  sign(data: Uint8Array): string;
}

/** `SHA256:<base64 without padding of sha256(blob)>`, the format of `ssh-keygen -l` and `ssh -v`. */
export function fingerprintOf(publicBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * ssh2's keygen strips leading zero bytes from the ed25519 public key, so about one key in 256 comes out
 * 31 bytes long and is refused by ssh2's own parser ("Malformed OpenSSH public key"). Such keys are
 * drawn again: the key space loses 1/256 of its keys, which costs no meaningful strength.
 */
export function generateHostKey(): HostKey {
  for (let attempt = 1; ; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    const parsed = utils.parseKey(pair.public);
    const parsedPrivate = utils.parseKey(pair.private);
    if (!(parsed instanceof Error) && !(parsedPrivate instanceof Error)) return hostKeyOf(pair.private, parsed);
    if (attempt >= 64) throw parsed instanceof Error ? parsed : (parsedPrivate as Error);
  }
}

function hostKeyOf(privateKey: string, parsed: ReturnType<typeof utils.parseKey>): HostKey {
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  const blob = key.getPublicSSH();
  const signer = utils.parseKey(privateKey);
  if (signer instanceof Error) throw signer;
  const secret = Array.isArray(signer) ? signer[0]! : signer;
  return {
    privateKey,
    publicKey: `${key.type} ${blob.toString('base64')}`,
    fingerprint: fingerprintOf(blob),
    type: key.type,
    sign: (data) => Buffer.from(secret.sign(Buffer.from(data))).toString('base64'),
  };
}

/** `<alias>,<id>,<id>.converge ssh-ed25519 AAAA...`: matches the printed command (its HostKeyAlias), a
 *  plain `ssh user@<id>` and a `Host <id>.converge` block, for people who keep strict known_hosts. */
export function knownHostsLine(id: string, hostKey: HostKey): string {
  return `${hostKeyAlias(id, hostKey.fingerprint)},${id},${id}.converge ${hostKey.publicKey}`;
}

// The per-run host key: a fresh ed25519 key, its OpenSSH fingerprint and its known_hosts line.
import { createHash } from 'node:crypto';
import { utils } from 'ssh2';

export interface HostKey {
  /** OpenSSH private key text for ssh2's `hostKeys`. Never log it. */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA...` (no comment). */
  readonly publicKey: string;
  /** `SHA256:...` as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
  readonly type: string;
}

/** `SHA256:<base64 without padding of sha256(blob)>`, the format of `ssh-keygen -l` and `ssh -v`. */
export function fingerprintOf(publicBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '')}`;
}

/** ssh2's generateKeyPairSync drops a leading zero byte of an ed25519 public key (about 1 key in 256),
 *  which then fails to parse: draw again rather than fail the agent's start. */
const KEY_ATTEMPTS = 16;

export function generateHostKey(): HostKey {
  for (let attempt = 1; ; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    const parsed = utils.parseKey(pair.public);
    if (parsed instanceof Error) {
      if (attempt < KEY_ATTEMPTS) continue;
      throw parsed;
    }
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    const blob = key.getPublicSSH();
    return {
      privateKey: pair.private,
      publicKey: `${key.type} ${blob.toString('base64')}`,
      fingerprint: fingerprintOf(blob),
      type: key.type,
    };
  }
}

/** `<id>,<id>.converge ssh-ed25519 AAAA...`: matches both `ssh user@<id>` and a `Host *.converge` block. */
export function knownHostsLine(id: string, hostKey: HostKey): string {
  return `${id},${id}.converge ${hostKey.publicKey}`;
}

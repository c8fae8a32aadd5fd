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
 *  leaving both halves unparseable: draw again until both parse. */
function generatePair(): { private: string; public: string; parsed: ReturnType<typeof utils.parseKey> } {
  for (let attempt = 0; ; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    const parsed = utils.parseKey(pair.public);
    const ok = !(parsed instanceof Error) && !(utils.parseKey(pair.private) instanceof Error);
    if (ok || attempt >= 16) return { ...pair, parsed };
  }
}

export function generateHostKey(): HostKey {
  const pair = generatePair();
  const parsed = pair.parsed;
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  const blob = key.getPublicSSH();
  return {
    privateKey: pair.private,
    publicKey: `${key.type} ${blob.toString('base64')}`,
    fingerprint: fingerprintOf(blob),
    type: key.type,
  };
}

/** `<id>,<id>.converge ssh-ed25519 AAAA...`: matches both `ssh user@<id>` and a `Host *.converge` block. */
export function knownHostsLine(id: string, hostKey: HostKey): string {
  return `${id},${id}.converge ${hostKey.publicKey}`;
}

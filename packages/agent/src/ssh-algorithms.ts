// Which algorithms the embedded SSH server offers. The server cannot reorder a client's preferences
// (the first of the client's list that the server has wins), so speed comes from what is left out.
// ssh2 1.17 internals: whether its optional native crypto binding loaded. It never does inside the
// bundled CLI (the addon is not shipped), and without it chacha20-poly1305's Poly1305 runs in JS: OpenSSH,
// which prefers chacha20, then picks it. Measured through the relay, 1 GiB exec download on 2 cores:
// chacha20 in JS 207 MB/s and 4.2 s agent CPU per GiB, aes128-ctr 225 MB/s and 3.8 s, aes128-gcm 251 MB/s
// and 3.4 s. Leaving chacha20 out makes OpenSSH pick aes128-ctr; the CTR ciphers stay for clients without
// AES-GCM (paramiko, older PuTTY), which is also why GCM alone is not offered.
import type { CipherAlgorithm, KexAlgorithm } from 'ssh2';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bindingAvailable } = require('ssh2/lib/protocol/crypto.js') as { bindingAvailable: boolean };

const AES: CipherAlgorithm[] = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'];

export function serverCiphers(native = bindingAvailable): CipherAlgorithm[] {
  return native ? [...AES, 'chacha20-poly1305@openssh.com'] : AES;
}

/**
 * Key exchanges the server offers: ssh2's defaults without diffie-hellman-group-exchange-sha256, which
 * ssh2 1.17 lists but cannot complete as a server (a client that prefers it was disconnected mid-way).
 * Offered: curve25519 (both names), ECDH over the NIST curves, and the fixed DH groups 14-18.
 */
export const SERVER_KEX: KexAlgorithm[] = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group15-sha512',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group17-sha512',
  'diffie-hellman-group18-sha512',
];

// The source patches applied to a dependency, at bundle time (docs/SSH2-PITFALLS.md, item 14). Each one
// fails the build if its text is not found, so an ssh2 upgrade is looked at again.
// - Protocol.js: ssh2 1.17's EXT_INFO lists the server's accepted signature algorithms with a comma
//   missing ("...ecdsa-sha2-nistp521rsa-sha2-512,..."), so a client limited to rsa-sha2-512
//   (PubkeyAcceptedAlgorithms=rsa-sha2-512) never offers its RSA key.
// - crypto.js: every outgoing packet's 4-19 bytes of padding came from their own randomFillSync call, a
//   round trip into OpenSSL's generator per packet (32,768 calls per GiB downloaded). The padding is now
//   copied from a 16 KiB pool filled by randomFillSync, each pool byte used once: the same generator,
//   called once per ~1,000 packets, as OpenSSH's arc4random_buf serves padding from a buffered keystream.
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

const BROKEN = /ecdsa-sha2-nistp521'(\s*\+\s*)'rsa-sha2-512,/;

export function patchedSsh2Protocol(source: string): string {
  if (!BROKEN.test(source)) throw new Error('ssh2 Protocol.js: the server-sig-algs text to patch was not found (ssh2 changed?)');
  return source.replace(BROKEN, "ecdsa-sha2-nistp521,'$1'rsa-sha2-512,");
}

const PADDING_CALL = 'randomFillSync(packet, 5 + payloadLen, padLen);';
const CRYPTO_IMPORT = /const \{\s*createCipheriv, createDecipheriv, createHmac, randomFillSync, timingSafeEqual\s*\} = require\('crypto'\);/;

/** The pool the padding is copied from; exported as text so a unit test can run it. */
export const PADDING_POOL_SOURCE = `
const PADDING_POOL = Buffer.allocUnsafe(16384);
let paddingPoolUsed = PADDING_POOL.length;
function fillPadding(packet, offset, length) {
  if (paddingPoolUsed + length > PADDING_POOL.length) {
    randomFillSync(PADDING_POOL);
    paddingPoolUsed = 0;
  }
  PADDING_POOL.copy(packet, offset, paddingPoolUsed, paddingPoolUsed + length);
  paddingPoolUsed += length;
}
`;

export function patchedSsh2Crypto(source: string): string {
  const calls = source.split(PADDING_CALL).length - 1;
  if (calls === 0 || !CRYPTO_IMPORT.test(source)) throw new Error('ssh2 crypto.js: the padding code to patch was not found (ssh2 changed?)');
  return source
    .replace(CRYPTO_IMPORT, (line) => `${line}\n${PADDING_POOL_SOURCE}`)
    .split(PADDING_CALL)
    .join('fillPadding(packet, 5 + payloadLen, padLen);');
}

const PATCHES: { file: RegExp; patch: (source: string) => string }[] = [
  { file: /[\\/]ssh2[\\/]lib[\\/]protocol[\\/]Protocol\.js$/, patch: patchedSsh2Protocol },
  { file: /[\\/]ssh2[\\/]lib[\\/]protocol[\\/]crypto\.js$/, patch: patchedSsh2Crypto },
];

export const ssh2Patch: Plugin = {
  name: 'ssh2-patches',
  setup(build) {
    for (const { file, patch } of PATCHES) {
      build.onLoad({ filter: file }, async (args) => ({ contents: patch(await readFile(args.path, 'utf8')), loader: 'js' }));
    }
  },
};

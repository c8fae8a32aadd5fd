// The source patches applied to a dependency, at bundle time (docs/SSH2-PITFALLS.md, item 14). Each one
// fails the build if its text is not found, so an ssh2 upgrade is looked at again.
// - Protocol.js: ssh2 1.17's EXT_INFO lists the server's accepted signature algorithms with a comma
//   missing ("...ecdsa-sha2-nistp521rsa-sha2-512,..."), so a client limited to rsa-sha2-512
//   (PubkeyAcceptedAlgorithms=rsa-sha2-512) never offers its RSA key.
// - crypto.js: every outgoing packet's 4-19 bytes of padding came from their own randomFillSync call, a
//   round trip into OpenSSL's generator per packet (32,768 calls per GiB downloaded). The padding is now
//   copied from a 16 KiB pool filled by randomFillSync, each pool byte used once: the same generator,
//   called once per ~1,000 packets, as OpenSSH's arc4random_buf serves padding from a buffered keystream.
// - crypto.js: the AES-CTR/HMAC and AES-GCM ciphers allocated every outgoing packet's plaintext (32 KiB
//   for a data packet) and dropped it after encrypting it. Such buffers are external memory, whose growth
//   makes V8 run full mark-compacts (about 130 per GiB downloaded with the other per-packet buffers,
//   by --trace-gc). The plaintext is now built in one scratch buffer per cipher, taken by allocPacket and
//   given back by encrypt (whose output is always a new buffer). ssh2 encrypts every packet from
//   allocPacket in the same tick (packets queued during a key exchange are plain payload buffers), and
//   nothing reads it after encrypt except the 4 length bytes, which are now copied before they are written.
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

function paddedFromPool(source: string): string {
  const calls = source.split(PADDING_CALL).length - 1;
  if (calls === 0 || !CRYPTO_IMPORT.test(source)) throw new Error('ssh2 crypto.js: the padding code to patch was not found (ssh2 changed?)');
  return source
    .replace(CRYPTO_IMPORT, (line) => `${line}\n${PADDING_POOL_SOURCE}`)
    .split(PADDING_CALL)
    .join('fillPadding(packet, 5 + payloadLen, padLen);');
}

/** The scratch plaintext buffer; exported as text so a unit test can run it. */
export const SCRATCH_PACKET_SOURCE = `
const SCRATCH_PACKET_BYTES = 64 * 1024;
function takeScratchPacket(cipher, length) {
  if (cipher._scratchBusy || length > SCRATCH_PACKET_BYTES) return Buffer.allocUnsafe(length);
  if (cipher._scratch === undefined) cipher._scratch = Buffer.allocUnsafe(SCRATCH_PACKET_BYTES);
  cipher._scratchBusy = true;
  return cipher._scratch.subarray(0, length);
}
function releaseScratchPacket(cipher, packet) {
  if (cipher._scratch !== undefined && packet.buffer === cipher._scratch.buffer) cipher._scratchBusy = false;
}
`;

const SEQNO_STEP = 'this.outSeqno = (this.outSeqno + 1) >>> 0;';
const SCRATCH_EDITS: Record<string, [from: string, to: string][]> = {
  GenericCipherNative: [
    ['const packet = Buffer.allocUnsafe(pktLen);', 'const packet = takeScratchPacket(this, pktLen);'],
    ['const lenBytes = new Uint8Array(packet.buffer, packet.byteOffset, 4);', 'const lenBytes = Buffer.from(packet.subarray(0, 4));'],
    [SEQNO_STEP, `releaseScratchPacket(this, packet);\n    ${SEQNO_STEP}`],
  ],
  AESGCMCipherNative: [
    ['const packet = Buffer.allocUnsafe(pktLen);', 'const packet = takeScratchPacket(this, pktLen);'],
    ['const lenData = packet.slice(0, 4);', 'const lenData = Buffer.from(packet.subarray(0, 4));'],
    [SEQNO_STEP, `releaseScratchPacket(this, packet);\n    ${SEQNO_STEP}`],
  ],
};

/** Edits one class body (from `class Name {` to the next top-level class); each text must occur once in it. */
function editClass(source: string, name: string, edits: [string, string][]): string {
  const start = source.indexOf(`\nclass ${name} {`);
  const end = source.indexOf('\nclass ', start + 1);
  if (start < 0 || end < 0) throw new Error(`ssh2 crypto.js: class ${name} not found (ssh2 changed?)`);
  let body = source.slice(start, end);
  for (const [from, to] of edits) {
    if (body.split(from).length !== 2) throw new Error(`ssh2 crypto.js: ${name} no longer has \`${from}\` once (ssh2 changed?)`);
    body = body.replace(from, () => to);
  }
  return source.slice(0, start) + body + source.slice(end);
}

export function patchedSsh2Crypto(source: string): string {
  let patched = paddedFromPool(source);
  for (const [name, edits] of Object.entries(SCRATCH_EDITS)) patched = editClass(patched, name, edits);
  return patched.replace(CRYPTO_IMPORT, (line) => `${line}\n${SCRATCH_PACKET_SOURCE}`);
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

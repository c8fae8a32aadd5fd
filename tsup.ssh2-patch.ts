// The one source patch applied to a dependency, at bundle time: ssh2 1.17's EXT_INFO lists the server's
// accepted signature algorithms with a comma missing ("...ecdsa-sha2-nistp521rsa-sha2-512,..."), so a
// client limited to rsa-sha2-512 (PubkeyAcceptedAlgorithms=rsa-sha2-512) never offers its RSA key. The
// build fails if the text is not found, so an ssh2 upgrade is looked at again (docs/SSH2-PITFALLS.md).
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

const BROKEN = /ecdsa-sha2-nistp521'(\s*\+\s*)'rsa-sha2-512,/;

export function patchedSsh2Protocol(source: string): string {
  if (!BROKEN.test(source)) throw new Error('ssh2 Protocol.js: the server-sig-algs text to patch was not found (ssh2 changed?)');
  return source.replace(BROKEN, "ecdsa-sha2-nistp521,'$1'rsa-sha2-512,");
}

export const ssh2Patch: Plugin = {
  name: 'ssh2-server-sig-algs',
  setup(build) {
    build.onLoad({ filter: /[\\/]ssh2[\\/]lib[\\/]protocol[\\/]Protocol\.js$/ }, async (args) => ({
      contents: patchedSsh2Protocol(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

// Shared tsup settings. The CLIs are bundled with every pure-JS dependency inlined, so `npx` installs
// one small tarball with no install scripts; native modules stay external and optional (the pty package, bufferutil, ssh2's addon: see docs/SSH2-PITFALLS.md, item 10).
import type { Options } from 'tsup';
import { ssh2Patch } from './tsup.ssh2-patch';

/** Bundle every pure-JS dependency; never the native ones (ssh2's optional addons were compiled for
 *  this machine's Node only and ssh2 falls back to pure JS without them; tsup would copy .node files). */
const BUNDLE_ALL_BUT_NATIVE = /^(?!.*\.node$)(?!cpu-features$|@lydell\/node-pty|bufferutil$|utf-8-validate$).*/;

export const NATIVE_EXTERNALS: (string | RegExp)[] = ['@lydell/node-pty', 'cpu-features', 'bufferutil', 'utf-8-validate', /\.node$/];

/** A library entry. CLI packages (bundleDeps) ship it as CommonJS only, without maps, to keep the
 *  tarball that `npx` downloads small; pure libraries ship CJS + ESM with maps. */
export function libraryConfig(bundleDeps: boolean): Options {
  return {
    entry: ['src/index.ts'],
    format: bundleDeps ? ['cjs'] : ['cjs', 'esm'],
    dts: true,
    sourcemap: !bundleDeps,
    clean: true,
    target: 'node18',
    platform: 'node',
    noExternal: bundleDeps ? [BUNDLE_ALL_BUT_NATIVE] : [],
    external: NATIVE_EXTERNALS,
    esbuildPlugins: bundleDeps ? [ssh2Patch] : [],
  };
}

export function cliConfig(): Options {
  return {
    entry: ['src/cli.ts'],
    format: ['cjs'],
    dts: false,
    sourcemap: false,
    clean: false,
    target: 'node18',
    platform: 'node',
    noExternal: [BUNDLE_ALL_BUT_NATIVE],
    external: NATIVE_EXTERNALS,
    esbuildPlugins: [ssh2Patch],
    banner: { js: '#!/usr/bin/env node' },
  };
}

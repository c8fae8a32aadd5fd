// Shared tsup settings. The CLIs are bundled with every pure-JS dependency inlined, so `npx` installs
// one small tarball with no install scripts; native modules stay external and optional (shared/STACK.md).
import type { Options } from 'tsup';

export const NATIVE_EXTERNALS = ['@lydell/node-pty', 'cpu-features', 'bufferutil', 'utf-8-validate'];

export function libraryConfig(bundleDeps: boolean): Options {
  return {
    entry: ['src/index.ts'],
    format: ['cjs', 'esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node18',
    platform: 'node',
    noExternal: bundleDeps ? [/.*/] : [],
    external: NATIVE_EXTERNALS,
  };
}

export function cliConfig(): Options {
  return {
    entry: ['src/cli.ts'],
    format: ['cjs'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'node18',
    platform: 'node',
    noExternal: [/.*/],
    external: NATIVE_EXTERNALS,
    banner: { js: '#!/usr/bin/env node' },
  };
}

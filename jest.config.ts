/** @jest-config-loader-options {"transpileOnly": true} */
// Two projects: unit tests live beside the code they test; e2e tests drive the built CLIs and the
// real OpenSSH client and live in e2e/. Workspace imports resolve to sources, so units need no build.
import type { Config } from 'jest';

const transform: Config['transform'] = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
};
const moduleNameMapper = { '^@converge/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts' };

const config: Config = {
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/packages/*/src/**/*.test.ts'],
      transform,
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/e2e/**/*.test.ts'],
      transform,
      moduleNameMapper,
      testEnvironment: 'node',
      setupFilesAfterEnv: ['<rootDir>/e2e/setup.ts'],
      slowTestThreshold: 30,
    },
  ],
};

export default config;

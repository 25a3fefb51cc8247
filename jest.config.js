/** Jest runs the TypeScript sources as native ES modules (the kubernetes-models packages are ESM-only). */
import { availableParallelism } from 'node:os';

export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', '^ferry$': '<rootDir>/index.ts', '^ferry/model$': '<rootDir>/model/index.ts' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  testTimeout: 120000,
  // Jest's default (cores - 1) is one worker on a 2-core machine, which leaves a core idle while a
  // suite waits for its git, kustomize and ferry processes: two workers there, the default elsewhere.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  // One temp folder per run (FERRY_TEST_RUN_DIR) for what tests may share, such as built platform repositories.
  globalSetup: '<rootDir>/test/jest-global-setup.js',
  globalTeardown: '<rootDir>/test/jest-global-teardown.js',
  // The slowest suites first, also on a fresh clone without jest's timing cache.
  testSequencer: '<rootDir>/test/jest-sequencer.js',
};

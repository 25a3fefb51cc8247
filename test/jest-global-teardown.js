// Jest's globalTeardown: removes the run's temp folder made by test/jest-global-setup.js.
import { rmSync } from 'node:fs';

export default function globalTeardown() {
  const runDir = process.env.FERRY_TEST_RUN_DIR;
  if (runDir) rmSync(runDir, { recursive: true, force: true });
}

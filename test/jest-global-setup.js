// Jest's globalSetup: one temp folder for the whole run, named in FERRY_TEST_RUN_DIR. Workers start
// after this and inherit the variable; test/helpers/repo-template-cache.ts keeps built platform
// repositories there. test/jest-global-teardown.js removes it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup() {
  process.env.FERRY_TEST_RUN_DIR = mkdtempSync(join(tmpdir(), 'ferry-test-run-'));
}

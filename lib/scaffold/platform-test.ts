/** test/platform.test.ts of a new platform repository: its own tests, run by `npm test` (node:test). */
import type { InitOptions } from './init-options.js';

/** The text of test/platform.test.ts. */
export function platformTestSource(options: InitOptions): string {
  return `/**
 * The platform's own tests (\`npm test\`): it loads, its promotion graph is the intended one, every
 * environment has its stack file, and the committed manifests/ equal a fresh render.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { main } from 'ferry/cli';
import { platform } from '../platform/platform.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

test('the platform loads with its services', () => {
  assert.equal(platform.name, '${options.name}');
  assert.ok(platform.services.some((s) => s.name === '${options.service}'));
});

// A change of the promotion graph is deliberate: update this list with it.
test('environments are promoted in the intended order', () => {
  assert.deepEqual(
    platform.environments.map((e) => e.name),
    ${JSON.stringify(options.environments).replaceAll('"', "'").replaceAll(',', ', ')},
  );
});

test('every environment has its stack file', () => {
  for (const env of platform.environments) assert.ok(existsSync(join(root, \`Pulumi.\${env.name}.yaml\`)), \`Pulumi.\${env.name}.yaml is missing\`);
});

test('manifests/ equals a fresh render (run \`npm run render\` and commit when this fails)', async () => {
  let output = '';
  const code = await main(['render', '--check'], {
    cwd: root,
    out: (text) => void (output += text),
    err: (text) => void (output += text),
    env: process.env,
    isTTY: false,
  });
  assert.equal(code, 0, output);
});
`;
}

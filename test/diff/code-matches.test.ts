/**
 * `codeMatches` (lib/diff/base-revision.ts): whether ferry diff may render the base's stack files with
 * the working tree's code. Code is CODE_PATHS, tracked or untracked but not ignored; nothing else counts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_PATHS, codeMatches } from '../../lib/diff/base-revision.js';
import { changedSince } from '../../lib/git/changed-paths.js';
import { useScratchRepo } from '../git/scratch-repo.js';

const repo = useScratchRepo('ferry-code-matches-');
let base: string;

function write(path: string, content: string): void {
  mkdirSync(join(repo.root, path, '..'), { recursive: true });
  writeFileSync(join(repo.root, path), content);
}

beforeEach(() => {
  mkdirSync(join(repo.root, 'platform'));
  mkdirSync(join(repo.root, 'manifests'));
  base = repo.commit({ 'platform/platform.ts': 'export const a = 1;\n', 'Pulumi.dev.yaml': 'config: {}\n', 'manifests/a.yaml': 'a\n', '.gitignore': 'constructs/*.log\n' }, 'base');
});

test.each([
  ['nothing changed', () => undefined, true],
  ['a stack file and a rendered file changed (not code)', () => (write('Pulumi.dev.yaml', 'config: { x: 1 }\n'), write('manifests/a.yaml', 'b\n')), true],
  ['platform.ts edited', () => write('platform/platform.ts', 'export const a = 2;\n'), false],
  ['platform.ts edited and staged', () => (write('platform/platform.ts', 'export const a = 2;\n'), repo.git.run(['add', '-A'])), false],
  ['platform.ts staged, then put back in the work tree', () => (write('platform/platform.ts', 'export const a = 2;\n'), repo.git.run(['add', '-A']), write('platform/platform.ts', 'export const a = 1;\n')), true],
  ['an untracked construct', () => write('constructs/extra.ts', 'export {};\n'), false],
  ['an ignored file among the constructs', () => write('constructs/build.log', 'x\n'), true],
  ['package.json added', () => write('package.json', '{}\n'), false],
])('%s', async (_, change, expected) => {
  change();
  expect(await codeMatches(repo.root, base)).toBe(expected);
  // The same from paths the caller asked git for already (code and rendered tree at once), with the commit still on its way.
  const commit = Promise.resolve(base);
  expect(await codeMatches(repo.root, commit, changedSince(repo.git, commit, [...CODE_PATHS, 'manifests']))).toBe(expected);
});

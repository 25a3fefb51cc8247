import { tagHistory } from '../../lib/diff/upstream-history.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { attributeMerges, firstParentLogArgs, readFirstParentHistory, readFirstParentHistoryAsync } from '../../lib/git/first-parent-history.js';
import { Git } from '../../lib/git/git.js';
import { useScratchRepo } from './scratch-repo.js';
import { StackHistory } from '../../lib/promote/stack-history.js';

const stack = (tag: string) => `config:\n  ferry:images:\n    api: ${tag}\n`;
const repo = useScratchRepo('ferry-history-');
const commit = repo.commit;

/**
 * main: stage runs sha-1111aaaa; a side branch sets sha-2222bbbb, then sha-3333cccc, and is
 * merged (--no-ff) after main moved on. Only sha-3333cccc reached main: sha-2222bbbb never ran.
 */
function sideBranchRepository(): { merge: string } {
  commit({ 'Pulumi.stage.yaml': stack('sha-1111aaaa'), 'README.md': 'x\n' }, 'initial');
  repo.git.run(['checkout', '-q', '-b', 'side']);
  commit({ 'Pulumi.stage.yaml': stack('sha-2222bbbb') }, 'try 2222');
  commit({ 'Pulumi.stage.yaml': stack('sha-3333cccc') }, 'try 3333');
  repo.git.run(['checkout', '-q', 'main']);
  commit({ 'README.md': 'y\n' }, 'main moves on');
  repo.git.run(['merge', '-q', '--no-ff', '-m', 'merge side', 'side']);
  return { merge: repo.git.run(['rev-parse', 'HEAD']).trim() };
}

test('history follows the first-parent line: a merge counts with what it brought, side-branch commits do not', async () => {
  const { merge } = sideBranchRepository();
  const history = readFirstParentHistory(repo.git, ['Pulumi.stage.yaml'], 'HEAD').get('Pulumi.stage.yaml')!;
  expect(history.map((r) => [r.subject, r.content])).toEqual([
    ['initial', stack('sha-1111aaaa')],
    ['merge side', stack('sha-3333cccc')],
  ]);
  expect(history[1]!.commit).toBe(merge);
  expect(await readFirstParentHistoryAsync(repo.git, ['Pulumi.stage.yaml'], 'HEAD')).toEqual(readFirstParentHistory(repo.git, ['Pulumi.stage.yaml'], 'HEAD'));
  expect(firstParentLogArgs(['f'], 'HEAD')).toContain('--first-parent');
});

test("diff's 'has run upstream' check and promote's order gate read the same history: a tag only on a side branch never ran", async () => {
  sideBranchRepository();
  const diffTags = await tagHistory(repo.root, 'HEAD', 'stage', 'ferry');
  expect([...diffTags.get('api')!].sort()).toEqual(['sha-1111aaaa', 'sha-3333cccc']);
  expect(diffTags.get('api')!.has('sha-2222bbbb')).toBe(false);
  const promoteTags = StackHistory.read(repo.git, 'stage', 'Pulumi.stage.yaml', 'ferry').tagsOf('api');
  expect([...promoteTags].sort()).toEqual([...diffTags.get('api')!].sort());
});

test('a deleted file reads as no content; a repository without the file has no history', () => {
  commit({ 'Pulumi.stage.yaml': stack('sha-1111aaaa') }, 'add');
  repo.git.run(['rm', '-q', 'Pulumi.stage.yaml']);
  repo.git.run(['commit', '-q', '-m', 'remove']);
  const history = readFirstParentHistory(repo.git, ['Pulumi.stage.yaml', 'Pulumi.prod.yaml'], 'HEAD');
  expect(history.get('Pulumi.stage.yaml')!.map((r) => r.content)).toEqual([stack('sha-1111aaaa'), undefined]);
  expect(history.get('Pulumi.prod.yaml')).toEqual([]);
});

test('from a subfolder of the repository (a platform in a monorepo): its files by their names there, merges attributed', () => {
  mkdirSync(join(repo.root, 'platforms/shop'), { recursive: true });
  commit({ 'platforms/shop/Pulumi.stage.yaml': stack('sha-1111aaaa'), 'Pulumi.stage.yaml': stack('sha-9999ffff') }, 'initial');
  repo.git.run(['checkout', '-q', '-b', 'side']);
  commit({ 'platforms/shop/Pulumi.stage.yaml': stack('sha-3333cccc') }, 'try 3333');
  repo.git.run(['checkout', '-q', 'main']);
  repo.git.run(['merge', '-q', '--no-ff', '-m', 'merge side', 'side']);
  const shop = new Git(join(repo.root, 'platforms/shop'));

  const history = attributeMerges(shop, readFirstParentHistory(shop, ['Pulumi.stage.yaml'], 'HEAD'), 'HEAD').get('Pulumi.stage.yaml')!;
  expect(history.map((r) => [r.subject, r.content])).toEqual([
    ['initial', stack('sha-1111aaaa')],
    ['try 3333', stack('sha-3333cccc')],
  ]);
});

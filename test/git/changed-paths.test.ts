import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { changedSince } from '../../lib/git/changed-paths.js';
import { Git } from '../../lib/git/git.js';
import { useScratchRepo } from './scratch-repo.js';

const repo = useScratchRepo('ferry-changed-');

/** What one `git diff --name-only --relative <commit>` lists: the answer changedSince must give. */
function oracle(git: Git, commit: string, pathspecs: readonly string[]): string[] {
  return git.run(['diff', '--name-only', '--relative', '--no-renames', '-z', commit, '--', ...pathspecs]).split('\0').filter(Boolean);
}

function write(path: string, content: string): void {
  mkdirSync(join(repo.root, path, '..'), { recursive: true });
  writeFileSync(join(repo.root, path), content);
}

test('lists what one git diff against the commit lists, in its order, for every way a path can differ', async () => {
  const files: Record<string, string> = {};
  for (const name of ['unchanged', 'edited', 'staged', 'staged-then-edited', 'staged-then-reverted', 'deleted', 'staged-deletion', 'with space', 'ünïcode']) {
    files[`manifests/${name}.yaml`] = `${name}\n`;
  }
  mkdirSync(join(repo.root, 'manifests'));
  const commit = repo.commit({ ...files, 'outside.txt': 'outside\n' }, 'base');

  write('manifests/edited.yaml', 'edited twice\n');
  write('manifests/staged.yaml', 'staged\nmore\n');
  write('manifests/staged-then-edited.yaml', 'staged\n');
  write('manifests/staged-then-reverted.yaml', 'staged away\n');
  write('manifests/added.yaml', 'added\n');
  write('manifests/with space.yaml', 'changed\n');
  write('manifests/ünïcode.yaml', 'changed\n');
  repo.git.run(['add', 'manifests/staged.yaml', 'manifests/staged-then-edited.yaml', 'manifests/staged-then-reverted.yaml', 'manifests/added.yaml']);
  repo.git.run(['rm', '-q', 'manifests/staged-deletion.yaml']);
  // Staged, then edited again in the work tree: back to the commit's content, or not.
  write('manifests/staged-then-edited.yaml', 'staged and edited\n');
  write('manifests/staged-then-reverted.yaml', 'staged-then-reverted\n');
  rmSync(join(repo.root, 'manifests/deleted.yaml'));
  write('manifests/untracked.yaml', 'never added\n');
  write('outside.txt', 'changed outside the pathspec\n');

  const expected = oracle(repo.git, commit, ['manifests']);
  expect(expected).toEqual([
    'manifests/added.yaml',
    'manifests/deleted.yaml',
    'manifests/edited.yaml',
    'manifests/staged-deletion.yaml',
    'manifests/staged-then-edited.yaml',
    'manifests/staged.yaml',
    'manifests/with space.yaml',
    'manifests/ünïcode.yaml',
  ]);
  expect(await changedSince(repo.git, commit, ['manifests'])).toEqual(expected);
  // The commit may still be on its way (a merge base being computed): the work-tree half starts without it.
  expect(await changedSince(repo.git, Promise.resolve(commit), ['manifests', 'outside.txt'])).toEqual(oracle(repo.git, commit, ['manifests', 'outside.txt']));
});

test('paths are relative to the folder git runs in, and only that folder is compared', async () => {
  mkdirSync(join(repo.root, 'platforms/shop/manifests'), { recursive: true });
  mkdirSync(join(repo.root, 'manifests'));
  const commit = repo.commit({ 'platforms/shop/manifests/a.yaml': 'a\n', 'manifests/a.yaml': 'a\n' }, 'base');
  write('platforms/shop/manifests/a.yaml', 'changed\n');
  write('manifests/a.yaml', 'changed\n');
  const shop = new Git(join(repo.root, 'platforms/shop'));

  expect(await changedSince(shop, commit, ['manifests'])).toEqual(['manifests/a.yaml']);
  expect(await changedSince(repo.git, commit, ['manifests'])).toEqual(['manifests/a.yaml']);
  expect(oracle(shop, commit, ['manifests'])).toEqual(['manifests/a.yaml']);
});

test('a commit that does not exist rejects with git’s error', async () => {
  repo.commit({ 'a.txt': 'a\n' }, 'base');
  await expect(changedSince(repo.git, '0123456789012345678901234567890123456789', ['a.txt'])).rejects.toThrow(/bad object|unknown revision|bad revision/);
});

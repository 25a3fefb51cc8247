import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createPlatformRepo, REPO_ROOT } from './platform-repo.js';
import { repoTemplateCache } from './repo-template-cache.js';

test('a platform repo copy renders, commits and runs the CLI in-process', async () => {
  const repo = await createPlatformRepo();
  try {
    expect(repo.git(['log', '--format=%s']).trim()).toBe('initial platform');
    const check = await repo.ferry(['render', '--check']);
    expect(check).toMatchObject({ code: 0, stderr: '' });
    expect(check.stdout).toMatch(/^manifests\/ is up to date \(\d+ files\)/);
  } finally {
    repo.cleanup();
  }
});

/** Every file under `root` (node_modules left out; .git's index and logs hold stat data and times) with its content. */
function treeOf(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const path = relative(root, join(entry.parentPath, entry.name));
    if (!entry.isFile() || /^(node_modules|\.git\/(index|logs))(\/|$)/.test(path)) continue;
    files[path] = readFileSync(join(root, path), 'utf8');
  }
  return files;
}

test('a second copy of the same inputs is restored from the run\'s template store and equals a fresh build', async () => {
  const edit = (root: string) => writeFileSync(join(root, 'template-check.txt'), 'platform-repo.test.ts\n');
  const built = await createPlatformRepo({ edit });
  const restored = await createPlatformRepo({ edit });
  try {
    expect(repoTemplateCache()).toBeDefined();
    expect([built.fromTemplate, restored.fromTemplate]).toEqual([false, true]);

    expect(treeOf(restored.root)).toEqual(treeOf(built.root));
    expect(Object.keys(treeOf(built.root))).toEqual(expect.arrayContaining(['template-check.txt', 'manifests/argocd/nonprod/application-set-shop-environments.yaml', '.git/HEAD']));
    expect(restored.git(['rev-parse', 'HEAD'])).toBe(built.git(['rev-parse', 'HEAD']));
    // diff-files trusts the index's stat data without refreshing it, as git reset --keep does.
    expect(spawnSync('git', ['diff-files', '--quiet'], { cwd: restored.root }).status).toBe(0);
    expect(restored.git(['status', '--porcelain', '--untracked-files=all'])).toBe('');
    expect(readlinkSync(join(restored.root, 'node_modules/ferry'))).toBe(REPO_ROOT);
    expect((await restored.ferry(['render', '--check'])).code).toBe(0);
  } finally {
    built.cleanup();
    restored.cleanup();
  }
});

test('other inputs (an edit, an engine checkout, another initial date) are other templates', async () => {
  const templates = repoTemplateCache()!;
  const repo = await createPlatformRepo({ git: false });
  try {
    const build = { engineCopy: false, git: false, initialDate: '2026-01-01T00:00:00Z' };
    const key = templates.key(repo.root, build);
    expect(templates.key(repo.root, { ...build, initialDate: '2026-02-01T00:00:00Z' })).not.toBe(key);
    expect(templates.key(repo.root, { ...build, engineCopy: true })).not.toBe(key);
    repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml') + '# edited\n');
    expect(templates.key(repo.root, build)).not.toBe(key);
  } finally {
    repo.cleanup();
  }
});

import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KustomizeBuildCache } from '../../lib/kustomize/build-cache.js';
import { verifyRenderedTree } from '../../lib/render/verify-tree.js';
import { createPlatformRepo, type PlatformRepo } from './platform-repo.js';
import { RUN_DIR_VARIABLE } from './repo-template-cache.js';
import { shareBuildCache } from './shared-build-cache.js';

let runDir: string;
let repos: PlatformRepo[];
beforeEach(() => {
  // A run folder of its own: what other suites of the run stored must not count here.
  runDir = mkdtempSync(join(tmpdir(), 'ferry-shared-cache-'));
  repos = [];
});
afterEach(() => {
  for (const repo of repos) repo.cleanup();
  rmSync(runDir, { recursive: true, force: true });
});

async function repo(): Promise<PlatformRepo> {
  const created = await createPlatformRepo();
  repos.push(created);
  return created;
}

test('what one repository built, another that shares the cache reads instead of building, with the same result', async () => {
  const [first, second] = [await repo(), await repo()];
  const shared = shareBuildCache(first.root, { [RUN_DIR_VARIABLE]: runDir })!;
  expect(shareBuildCache(second.root, { [RUN_DIR_VARIABLE]: runDir })).toBe(shared);

  const built = await verifyRenderedTree(first.root);
  expect(readdirSync(shared).filter((name) => name.endsWith('.build'))).toHaveLength(built.overlays);
  // The second repository's cache, found as ferry finds it, is the shared folder.
  const cache = KustomizeBuildCache.forRepository(second.root)!;
  expect(realpathSync(cache.dir)).toBe(realpathSync(shared));
  const read = await verifyRenderedTree(second.root, { kustomize: { cache } });
  expect(cache.stats).toEqual({ hits: built.overlays, misses: 0, uncacheable: 0, stored: 0 });
  expect(read).toEqual(built);
});

test('outside a run with a run folder nothing is shared, and a cache that exists already is not replaced', async () => {
  const plain = await repo();
  expect(shareBuildCache(plain.root, {})).toBeUndefined();
  expect(shareBuildCache(plain.root, { [RUN_DIR_VARIABLE]: join(runDir, 'gone') })).toBeUndefined();
  expect(readdirSync(join(plain.root, '.git')).includes('ferry')).toBe(false);

  const used = await repo();
  mkdirSync(join(used.root, '.git/ferry/kustomize-builds'), { recursive: true });
  expect(() => shareBuildCache(used.root, { [RUN_DIR_VARIABLE]: runDir })).toThrow(
    `shareBuildCache: ${join(used.root, '.git/ferry/kustomize-builds')} exists already; share the cache before the first build`,
  );
});

/**
 * One kustomize build cache (lib/kustomize/build-cache.ts) for every platform repository of a jest
 * run that asks for it, instead of one empty cache per repository: most diff tests build the same
 * base overlays of the same fixture, and a build of the same inputs is an entry read, not a
 * `kubectl kustomize` process (about half a second of CPU each). Entries are keyed by every input
 * of a build (kustomize version included) and written atomically, so repositories and workers can
 * share them. Not for tests about the cache or about what a command builds (its kustomizeRuns).
 *
 * The folder lives in the run's temp folder (FERRY_TEST_RUN_DIR, see repo-template-cache.ts), so a
 * run never sees entries of an earlier one; without it the repository keeps its own cache.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { BUILD_CACHE_FOLDER } from '../../lib/kustomize/build-cache.js';
import { RUN_DIR_VARIABLE } from './repo-template-cache.js';

/**
 * Points the build cache of the git repository at `root` to the run's shared folder; returns
 * that folder, or undefined outside a jest run that set one up (the repository's own cache then).
 * Call it before ferry first builds in the repository.
 */
export function shareBuildCache(root: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const runDir = env[RUN_DIR_VARIABLE];
  if (!runDir || !existsSync(runDir)) return undefined;
  const shared = join(runDir, 'kustomize-builds');
  mkdirSync(shared, { recursive: true });
  const gitDir = execFileSync('git', ['rev-parse', '--git-dir'], { cwd: root, encoding: 'utf8' }).trim();
  const link = join(isAbsolute(gitDir) ? gitDir : join(root, gitDir), ...BUILD_CACHE_FOLDER.split('/'));
  if (existsSync(link)) throw new Error(`shareBuildCache: ${link} exists already; share the cache before the first build`);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(shared, link, 'dir');
  return shared;
}

/**
 * Fixtures for `ferry diff`: throw-away engine checkouts (like ferry's own repository) whose
 * compiled code (dist/) is committed too, so a base and a head commit can differ in code as well
 * as in stack config.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';
import { shareBuildCache } from '../helpers/shared-build-cache.js';

/** Options of {@link createDiffRepo}. */
export interface DiffRepoOptions {
  /**
   * Build overlays through the run's shared kustomize build cache (../helpers/shared-build-cache.ts):
   * what an earlier test built from the same inputs is read, not built again. Off for a test that
   * counts the overlays a diff builds.
   * @default true
   */
  readonly shareBuildCache?: boolean;
}

/** A platform repository with `main` at the initial commit (code included) and a checked-out branch `feature`. */
export async function createDiffRepo(options: DiffRepoOptions = {}): Promise<PlatformRepo> {
  const repo = await createPlatformRepo({
    engineCopy: true,
    edit: (root) => writeFileSync(join(root, '.gitignore'), 'node_modules\n'),
  });
  if (options.shareBuildCache ?? true) shareBuildCache(repo.root);
  repo.git(['checkout', '-q', '-b', 'feature']);
  return repo;
}

/** Replaces `from` by `to` in a file of the repository; throws if `from` is not there (so fixtures never silently drift). */
export function edit(repo: PlatformRepo, path: string, from: string, to: string): void {
  const text = repo.read(path);
  if (!text.includes(from)) throw new Error(`${path}: fixture text not found: ${from}`);
  repo.write(path, text.replace(from, to));
}

/** The lines of a section of the terminal output, from its title to the next blank line. */
export function section(stdout: string, title: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end).map((l) => l.trim());
}

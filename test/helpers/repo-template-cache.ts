/**
 * Built platform repositories kept for the rest of a jest run. `createPlatformRepo` renders and
 * commits a copy of a fixture (a `ferry render` process and a few git processes, about a second of
 * CPU); most tests start from the same few inputs, so the finished tree, .git included, is stored
 * under a hash of every input file and later copies of the same inputs are a file copy. The render
 * is deterministic and the initial commit has a fixed identity and date, so a restored copy is
 * byte for byte what a fresh build gives (test/helpers/platform-repo.test.ts checks this).
 *
 * The store lives in the run's temp folder (FERRY_TEST_RUN_DIR, made by test/jest-global-setup.js
 * and removed at the end of the run), so a later run never sees an engine's older output; without
 * it (a test file run by hand with another config) nothing is stored.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Set by test/jest-global-setup.js: a temp folder that lives as long as the jest run. */
export const RUN_DIR_VARIABLE = 'FERRY_TEST_RUN_DIR';

/** The folder of `root` that is never stored: links to this engine, the same in every copy. */
const LINKED = 'node_modules';

export interface RepoTemplateCache {
  /** The key of the tree at `root` (node_modules left out) together with how it is built. */
  key(root: string, build: Readonly<Record<string, unknown>>): string;
  /** Replaces the tree at `root` (node_modules kept) with the stored one; false when none is stored. */
  restore(key: string, root: string): boolean;
  /** Stores the tree at `root` (node_modules left out) under `key`; a key stored meanwhile by another worker is kept. */
  save(key: string, root: string): void;
}

/** The run's template store, or undefined outside a jest run that set one up. */
export function repoTemplateCache(env: NodeJS.ProcessEnv = process.env): RepoTemplateCache | undefined {
  const runDir = env[RUN_DIR_VARIABLE];
  if (!runDir || !existsSync(runDir)) return undefined;
  const store = join(runDir, 'repo-templates');
  return {
    key(root, build) {
      const hash = createHash('sha256').update(JSON.stringify(build));
      hashTree(root, '', hash);
      return hash.digest('hex').slice(0, 32);
    },
    restore(key, root) {
      const template = join(store, key);
      if (!existsSync(template)) return false;
      for (const entry of readdirSync(root)) if (entry !== LINKED) rmSync(join(root, entry), { recursive: true, force: true });
      cpSync(template, root, { recursive: true, verbatimSymlinks: true });
      // The copied index holds the stat data of the template's files; commands that trust it without
      // refreshing (git reset --keep, diff-files) would see every file as modified.
      if (existsSync(join(root, '.git'))) execFileSync('git', ['update-index', '-q', '--refresh'], { cwd: root, stdio: 'ignore' });
      return true;
    },
    save(key, root) {
      mkdirSync(store, { recursive: true });
      const partial = join(store, `${key}.partial-${process.pid}-${Date.now()}`);
      cpSync(root, partial, { recursive: true, verbatimSymlinks: true, filter: (source) => source !== join(root, LINKED) });
      try {
        // A rename is atomic: another worker sees the whole template or none.
        renameSync(partial, join(store, key));
      } catch {
        rmSync(partial, { recursive: true, force: true });
      }
    },
  };
}

/** Feeds every path, kind, executable bit and content under `dir` (sorted; node_modules at the top left out) to `hash`. */
function hashTree(root: string, relative: string, hash: ReturnType<typeof createHash>): void {
  const entries = readdirSync(join(root, relative)).sort();
  for (const name of entries) {
    if (relative === '' && name === LINKED) continue;
    const path = relative === '' ? name : `${relative}/${name}`;
    const stat = lstatSync(join(root, path));
    if (stat.isSymbolicLink()) hash.update(`link ${path} -> ${readlinkSync(join(root, path))}\0`);
    else if (stat.isDirectory()) {
      hash.update(`dir ${path}\0`);
      hashTree(root, path, hash);
    } else {
      hash.update(`file ${path} ${stat.mode & 0o111 ? 'x' : '-'} ${stat.size}\0`);
      hash.update(readFileSync(join(root, path)));
    }
  }
}

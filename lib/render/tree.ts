import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { updateTreeAtomically, type AtomicTreeOptions, type FileWrite } from '../fs/atomic-tree.js';
import { MANIFESTS_DIR } from '../../model/repository-layout.js';
import { walkFiles } from '../fs/file-listing.js';

/** Differences between a rendered tree and the one on disk, as repository-relative paths. */
export interface TreeDrift {
  /** On disk with other content. */
  readonly changed: readonly string[];
  /** Rendered but not on disk. */
  readonly missing: readonly string[];
  /** On disk but no longer rendered (stale). */
  readonly stale: readonly string[];
}

export function hasDrift(drift: TreeDrift): boolean {
  return drift.changed.length + drift.missing.length + drift.stale.length > 0;
}

/** Every file under `dir` as repository-relative POSIX paths, sorted. */
export function listFiles(root: string, dir: string): string[] {
  const base = join(root, dir);
  if (!existsSync(base)) return [];
  return walkFiles(readdirSync, base, relative(root, base).split(sep).join('/'), sep);
}

/** Compares the rendered files with `manifests/` under `root`. */
export function compareTree(root: string, files: ReadonlyMap<string, string>): TreeDrift {
  const onDisk = new Set(listFiles(root, MANIFESTS_DIR));
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [path, content] of files) {
    if (!onDisk.has(path)) missing.push(path);
    else if (readFileSync(join(root, path), 'utf8') !== content) changed.push(path);
  }
  const stale = [...onDisk].filter((path) => !files.has(path));
  return { changed, missing, stale };
}

/** Options of {@link writeTreeAtomically}. */
export interface WriteTreeOptions extends AtomicTreeOptions {
  /** Files outside manifests/ written in the same transaction when they differ (e.g. .github/CODEOWNERS). */
  readonly alsoWrite?: ReadonlyMap<string, string>;
}

/**
 * Makes `manifests/` under `root` hold exactly `files`, touching only what differs, in one
 * crash-safe transaction (lib/fs/atomic-tree.ts): after a failure, or a kill at any point and the
 * next ferry run, the tree is wholly the old one or wholly the new one. Stale files and the
 * folders they leave empty are removed. Drift is computed under the tree lock, so two renders at
 * once run one after the other.
 * @returns what changed under manifests/
 */
export function writeTreeAtomically(root: string, files: ReadonlyMap<string, string>, options: WriteTreeOptions = {}): TreeDrift {
  for (const path of files.keys()) {
    if (!path.startsWith(`${MANIFESTS_DIR}/`) || path.split('/').includes('..')) throw new Error(`refusing to write ${path}: outside ${MANIFESTS_DIR}/`);
  }
  return updateTreeAtomically(
    root,
    () => {
      const drift = compareTree(root, files);
      const changes: FileWrite[] = [
        ...drift.stale.map((path) => ({ path, content: undefined })),
        ...[...drift.changed, ...drift.missing].map((path) => ({ path, content: files.get(path)! })),
        ...[...(options.alsoWrite ?? new Map<string, string>())].map(([path, content]) => ({ path, content })),
      ];
      return { changes, result: drift };
    },
    options,
  );
}

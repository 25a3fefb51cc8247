import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { MANIFESTS_DIR } from './render.js';

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
  const out: string[] = [];
  for (const entry of readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
  }
  return out.sort();
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

/**
 * Makes `manifests/` under `root` hold exactly `files`, touching only what differs.
 * New contents are written to a staging folder first; only then are the old files moved aside
 * and the new ones renamed into place. If any step fails, every moved file is put back, so the
 * previous tree is left as it was. Stale files and the folders they leave empty are removed.
 * @returns what changed
 */
export function writeTreeAtomically(root: string, files: ReadonlyMap<string, string>): TreeDrift {
  for (const path of files.keys()) {
    if (!path.startsWith(`${MANIFESTS_DIR}/`) || path.split('/').includes('..')) throw new Error(`refusing to write ${path}: outside ${MANIFESTS_DIR}/`);
  }
  const drift = compareTree(root, files);
  if (!hasDrift(drift)) return drift;

  const token = `${process.pid}-${Date.now().toString(36)}`;
  const staging = join(root, `.render-${token}`);
  const retired = join(root, `.render-old-${token}`);
  const incoming = [...drift.changed, ...drift.missing];
  const outgoing = [...drift.changed, ...drift.stale];
  const moved: string[] = [];
  const placed: string[] = [];
  const move = (from: string, to: string) => {
    mkdirSync(dirname(to), { recursive: true });
    renameSync(from, to);
  };
  try {
    for (const path of incoming) {
      mkdirSync(dirname(join(staging, path)), { recursive: true });
      writeFileSync(join(staging, path), files.get(path)!);
    }
    try {
      for (const path of outgoing) {
        move(join(root, path), join(retired, path));
        moved.push(path);
      }
      for (const path of incoming) {
        move(join(staging, path), join(root, path));
        placed.push(path);
      }
    } catch (e) {
      for (const path of placed) rmSync(join(root, path), { force: true });
      for (const path of moved) move(join(retired, path), join(root, path));
      throw e;
    }
    for (const path of drift.stale) removeEmptyParents(root, dirname(path));
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(retired, { recursive: true, force: true });
  }
  return drift;
}

function removeEmptyParents(root: string, dir: string): void {
  while (dir.startsWith(`${MANIFESTS_DIR}/`)) {
    const full = join(root, dir);
    if (!existsSync(full) || readdirSync(full).length > 0) return;
    rmdirSync(full);
    dir = dirname(dir);
  }
}

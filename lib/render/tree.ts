import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
 * Replaces `manifests/` under `root` with exactly `files`: everything is written to a staging
 * folder first, then swapped in by rename, so a failure leaves the previous tree untouched and
 * stale files disappear.
 */
export function writeTreeAtomically(root: string, files: ReadonlyMap<string, string>): void {
  for (const path of files.keys()) {
    if (!path.startsWith(`${MANIFESTS_DIR}/`) || path.includes('..')) throw new Error(`refusing to write ${path}: outside ${MANIFESTS_DIR}/`);
  }
  const token = `${process.pid}-${Date.now().toString(36)}`;
  const staging = join(root, `.render-${token}`);
  const retired = join(root, `.render-old-${token}`);
  const target = join(root, MANIFESTS_DIR);
  try {
    for (const [path, content] of files) {
      const file = join(staging, path.slice(MANIFESTS_DIR.length + 1));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    if (files.size === 0) mkdirSync(staging, { recursive: true });
    const hadTree = existsSync(target);
    if (hadTree) renameSync(target, retired);
    try {
      renameSync(staging, target);
    } catch (e) {
      if (hadTree) renameSync(retired, target);
      throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(retired, { recursive: true, force: true });
  }
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

/** File names kustomize accepts for a kustomization, in the order it looks for them. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Fields whose entries are paths or URLs of further kustomizations or files. */
export const REFERENCE_FIELDS = ['resources', 'components', 'bases'] as const;

/**
 * A tree of files kustomize reads, on disk or held in memory, addressed by POSIX paths relative
 * to its root (`.` is the root). The one view the walkers of kustomizations read through, so a
 * tree in memory (diff) and the same files on disk (validate) are read alike.
 */
export interface KustomizationTree {
  /** The content of the file at `path`, or undefined when there is none. */
  read(path: string): string | undefined;
  /** Whether `path` is a folder of the tree. */
  isFolder(path: string): boolean;
  /** The names of the files directly in folder `dir`, sorted; empty when there is no such folder. */
  filesIn(dir: string): readonly string[];
}

/** The tree on disk at `root` (an absolute path). */
export function diskTree(root: string): KustomizationTree {
  return {
    read(path) {
      try {
        return readFileSync(join(root, path), 'utf8');
      } catch {
        return undefined;
      }
    },
    isFolder(path) {
      try {
        return statSync(join(root, path)).isDirectory();
      } catch {
        return false;
      }
    },
    filesIn(dir) {
      try {
        return readdirSync(join(root, dir), { withFileTypes: true })
          // A link is read through, like kustomize does.
          .filter((e) => e.isFile() || e.isSymbolicLink())
          .map((e) => e.name)
          .sort();
      } catch {
        return [];
      }
    },
  };
}

/** The tree of `files` (repository-relative POSIX path → content). */
export function memoryTree(files: ReadonlyMap<string, string>): KustomizationTree {
  let index: Map<string, string[]> | undefined;
  const folders = (): Map<string, string[]> => {
    if (index) return index;
    index = new Map();
    for (const path of files.keys()) {
      const dir = posix.dirname(path);
      let names = index.get(dir);
      if (!names) index.set(dir, (names = []));
      names.push(posix.basename(path));
      for (let up = posix.dirname(dir); !index.has(up); up = posix.dirname(up)) {
        index.set(up, []);
        if (up === '.' || up === '/') break;
      }
    }
    for (const names of index.values()) names.sort();
    return index;
  };
  return {
    read: (path) => files.get(path),
    isFolder: (path) => folders().has(path),
    filesIn: (dir) => folders().get(dir) ?? [],
  };
}

/**
 * The host of `entry` when kustomize would fetch it over the network (a URL, a git address or a
 * `?ref=` pin); undefined for a local path.
 */
export function remoteHost(entry: string): string | undefined {
  const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:?#]+)/i.exec(entry);
  if (url) return url[1]!.toLowerCase();
  const scp = /^[^@/\s]+@([^:/\s]+):/.exec(entry); // git@github.com:org/repo
  if (scp) return scp[1]!.toLowerCase();
  if (entry.includes('://')) return entry.split('://')[1]!.split(/[/:?]/)[0]!.toLowerCase();
  if (/^(github\.com|gitlab\.com|bitbucket\.org)\//i.test(entry) || entry.includes('?ref=')) return entry.split(/[/?]/)[0]!.toLowerCase();
  return undefined;
}

/** The kustomization file of folder `dir`: its name and text, or undefined when the folder has none. */
export function kustomizationOf(tree: KustomizationTree, dir: string): { readonly file: string; readonly text: string } | undefined {
  for (const name of KUSTOMIZATION_FILES) {
    const file = dir === '.' ? name : `${dir}/${name}`;
    const text = tree.read(file);
    if (text !== undefined) return { file, text };
  }
  return undefined;
}

/** Where a walk goes from one kustomization: the folders to read next, or `stop` to end the walk. */
export type WalkStep = readonly string[] | 'stop';

/**
 * The one walk over kustomizations: visits folder `dirs` of `tree` and, depth first, every folder
 * a visit names, each once. `visit` reads the kustomization (undefined when the folder has none)
 * and returns the folders it reaches (resolved to tree paths) or `stop`. Returns false when a
 * visit stopped the walk. Its users decide what to follow: the diff plan (every local folder),
 * the remote-reference check (every folder on the way) and the build cache (only what it can key).
 */
export function walkKustomizations(
  tree: KustomizationTree,
  dirs: readonly string[],
  visit: (dir: string, kustomization: { readonly file: string; readonly text: string } | undefined) => WalkStep,
  seen = new Set<string>(),
): boolean {
  const go = (dir: string): boolean => {
    if (seen.has(dir)) return true;
    seen.add(dir);
    const next = visit(dir, kustomizationOf(tree, dir));
    if (next === 'stop') return false;
    return next.every(go);
  };
  return dirs.every((dir) => go(posix.normalize(dir)));
}

/** The tree path `entry` names from folder `dir`; starts with `..` when it leaves the tree. */
export function treePath(dir: string, entry: string): string {
  return posix.normalize(posix.join(dir, entry));
}

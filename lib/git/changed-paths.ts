import type { Git } from './git.js';

/**
 * The paths under `pathspecs` whose working-tree state differs from `commit`'s, relative to the
 * git's working folder (`git.root`): exactly what `git diff --name-only --relative --no-renames
 * <commit> -- <pathspecs>` lists, in its order.
 *
 * Split in two so the costly half starts before `commit` is known: comparing the working tree
 * with the index stats every tracked file (34,000 rendered files at 2,000 services), and it needs
 * no commit; comparing the index with the commit reads trees only. A path either step lists
 * differs from the commit, except one both list (staged, then edited again), which may be back to
 * the commit's content: those few are asked of git again, whole.
 */
export async function changedSince(git: Git, commit: string | Promise<string>, pathspecs: readonly string[]): Promise<string[]> {
  const unstaged = git.runAsync(['diff', '--name-only', '--relative', '--no-renames', '-z', '--', ...pathspecs]);
  unstaged.catch(() => undefined); // awaited below, once the commit is known
  const base = await commit;
  const [worktree, staged] = await Promise.all([unstaged, git.runAsync(['diff', '--cached', '--name-only', '--relative', '--no-renames', '-z', base, '--', ...pathspecs])]).then((outs) => outs.map(nulSeparated));
  const stagedSet = new Set(staged);
  const both = new Set(worktree!.filter((p) => stagedSet.has(p)));
  const changed = [...worktree!, ...staged!].filter((p) => !both.has(p));
  if (both.size > 0) changed.push(...nulSeparated(await git.runAsync(['diff', '--name-only', '--relative', '--no-renames', '-z', base, '--', ...[...both].map(literal)])));
  return [...new Set(changed)].sort(byteOrder);
}

function nulSeparated(out: string): string[] {
  return out.split('\0').filter((p) => p !== '');
}

/** A path as a pathspec that matches it alone (no wildcards). */
function literal(path: string): string {
  return `:(literal)${path}`;
}

/** Git's order of paths: by their bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseCatFileBatch } from './cat-file.js';
import { commitPath, type Git } from './git.js';

/** One file of a commit's tree. */
export interface TreeFile {
  /** `100644`, `100755` or `120000` (a symbolic link). */
  readonly mode: string;
  /** Repository-relative POSIX path. */
  readonly path: string;
  /** The blob's id. */
  readonly id: string;
}

/**
 * The files (blobs and links, no submodules) of `commit` under the folder git runs in, named from
 * there: every folder's, or with `{ recursive: false }` those directly in it.
 */
export async function listTree(git: Git, commit: string, options: { readonly recursive?: boolean } = {}): Promise<TreeFile[]> {
  // Without --full-tree git lists the folder it runs in (a platform in a subfolder of its repository), named from there.
  const out = await git.runAsync(['ls-tree', ...(options.recursive === false ? [] : ['-r']), '-z', commit]);
  const files: TreeFile[] = [];
  for (const entry of out.split('\0')) {
    const match = /^(\d+) blob ([0-9a-f]+)\t([\s\S]+)$/.exec(entry);
    if (match) files.push({ mode: match[1]!, id: match[2]!, path: match[3]! });
  }
  return files;
}

/**
 * Writes `files` of `commit` into `dir` as committed: executables executable, links as links, the
 * content as git stores it. One `git cat-file --batch` reads them all, where `git worktree add`
 * would also check out what the caller has no use for (a platform's 34,000 rendered files, to read
 * its platform.ts). What a checkout would do differently is for the caller to rule out: the
 * filters of a .gitattributes (line endings, smudge) are not applied (git 2.39's
 * `cat-file --batch --filters` cannot read `<commit>:<path>` names). Throws for a path git's batch
 * input cannot carry (a newline in it) and for one the commit lacks.
 */
export async function exportFiles(git: Git, commit: string, files: readonly Pick<TreeFile, 'mode' | 'path'>[], dir: string): Promise<void> {
  if (files.length === 0) return;
  const bad = files.find((f) => f.path.includes('\n'));
  if (bad) throw new Error(`${JSON.stringify(bad.path)}: a path with a newline cannot be read through git cat-file --batch`);
  const objects = parseCatFileBatch(await git.runBufferAsync(['cat-file', '--batch'], { input: files.map((f) => `${commitPath(commit, f.path)}\n`).join('') }));
  files.forEach((file, i) => {
    const content = objects.length === files.length ? objects[i]!.content : undefined;
    if (content === undefined) throw new Error(`git cat-file: ${commitPath(commit, file.path)} is missing`);
    const target = join(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    if (file.mode === '120000') {
      symlinkSync(content.toString('utf8'), target);
    } else {
      writeFileSync(target, content);
      if (file.mode === '100755') chmodSync(target, 0o755);
    }
  });
}

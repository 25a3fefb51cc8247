import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitBlobId } from '../git/blob-id.js';
import { changedSince } from '../git/changed-paths.js';
import { exportFiles, listTree } from '../git/export-tree.js';
import { commitPath, Git } from '../git/git.js';
import { loadPlatform } from '../loader/load-platform.js';
import type { Platform } from '../../model/platform.js';
import { renderRepository } from '../render/render.js';
import { MANIFESTS_DIR } from '../../model/repository-layout.js';
import { listFiles } from '../render/tree.js';

/**
 * Paths whose content decides what the renderer does with a stack config: the code (sources,
 * and dist/ where a repository commits its compiled code) and the dependency manifests.
 * When none of them differs between the base commit and the working tree, the base revision's
 * stack configs can be rendered with the working tree's (already loaded) code.
 */
export const CODE_PATHS: readonly string[] = ['constructs', 'charts', 'lib', 'platform', 'dist', 'package.json', 'package-lock.json', 'tsconfig.json'];

/** Branches tried, in order, for the default base (the merge base with the default branch). */
export const DEFAULT_BRANCHES: readonly string[] = ['origin/HEAD', 'origin/main', 'main', 'origin/master', 'master'];

/** The base commit: `ref` when given, else the merge base of HEAD with the first default branch that exists. */
export async function resolveBase(root: string, ref?: string): Promise<{ readonly ref: string; readonly commit: string }> {
  const git = new Git(root);
  if (ref !== undefined) {
    const commit = await git.resolveCommitAsync(ref);
    if (commit === undefined) {
      if (!(await git.okAsync(['rev-parse', '--git-dir']))) throw new Error(`${root}: not a git repository; ferry diff compares git revisions`);
      throw new Error(`--base '${ref}': no such commit, branch or tag (fetch it first, e.g. git fetch origin ${ref})`);
    }
    return { ref, commit };
  }
  // One process lists which of the default branches exist.
  const refs = DEFAULT_BRANCHES.map((b) => (b.startsWith('origin/') ? `refs/remotes/${b}` : `refs/heads/${b}`));
  const existing = new Set((await git.runAsync(['for-each-ref', '--format=%(refname)', ...refs]).catch(() => '')).split('\n'));
  const branch = DEFAULT_BRANCHES.find((_, i) => existing.has(refs[i]!));
  if (branch === undefined) {
    if (!(await git.okAsync(['rev-parse', '--git-dir']))) throw new Error(`${root}: not a git repository; ferry diff compares git revisions`);
    throw new Error(`no default branch found (tried ${DEFAULT_BRANCHES.join(', ')}); pass --base <git-ref>`);
  }
  return { ref: `merge-base(HEAD, ${branch})`, commit: (await git.runAsync(['merge-base', 'HEAD', branch])).trim() };
}

/**
 * Whether the code at `commit` equals the working tree's (tracked changes and untracked files
 * under CODE_PATHS). `changed`: the paths `changedSince` lists for CODE_PATHS (and perhaps more),
 * when the caller asked git already.
 */
export async function codeMatches(root: string, commit: string | Promise<string>, changed?: Promise<readonly string[]>): Promise<boolean> {
  const git = new Git(root);
  const untracked = git.runAsync(['ls-files', '--others', '--exclude-standard', '-z', '--', ...CODE_PATHS]);
  const [paths, others] = await Promise.all([changed ?? changedSince(git, commit, CODE_PATHS), untracked]);
  return others === '' && !paths.some((p) => CODE_PATHS.some((code) => p === code || p.startsWith(`${code}/`)));
}

/** `Pulumi.yaml` and `Pulumi.<stack>.yaml`: the files a render reads from the repository's root. */
const STACK_FILE = /^Pulumi(?:\.[^/]+)?\.ya?ml$/;

/** The working tree's `Pulumi.yaml` and `Pulumi.<stack>.yaml`: name → content. */
export function readWorkingStackFiles(root: string): Map<string, string> {
  return new Map(readdirSync(root).filter((n) => STACK_FILE.test(n)).map((n) => [n, readFileSync(join(root, n), 'utf8')]));
}

/**
 * `Pulumi.yaml` and every `Pulumi.<stack>.yaml` at the root of `commit`: name → content. A file
 * whose working-tree copy (`working`) has the committed blob's id is that copy; the others are read
 * by one `git cat-file --batch` (a promotion changes one of a few 400 KB files at 2,000 services).
 */
export async function readStackFiles(root: string, commit: string, working: ReadonlyMap<string, string> = readWorkingStackFiles(root)): Promise<Map<string, string>> {
  const git = new Git(root);
  const entries = (await listTree(git, commit, { recursive: false })).filter((f) => STACK_FILE.test(f.path)).map((f) => ({ id: f.id, name: f.path }));
  const files = new Map<string, string>();
  const fromGit: string[] = [];
  for (const { id, name } of entries) {
    const text = working.get(name);
    if (text !== undefined && gitBlobId(text, id.length) === id) files.set(name, text);
    else fromGit.push(name);
  }
  const blobs = await git.catFileAsync(fromGit.map((n) => commitPath(commit, n)));
  fromGit.forEach((name, i) => files.set(name, blobs[i] ?? ''));
  return new Map(entries.map(({ name }) => [name, files.get(name)!]));
}

/** The base side: its rendered files and its platform definition. */
export interface BaseRender {
  readonly files: ReadonlyMap<string, string>;
  readonly platform: Platform;
  /** How it was rendered, for the report. */
  readonly renderedWith: 'working-tree code' | 'base revision code';
}

/**
 * Renders the base revision.
 *
 * Fast path (code unchanged): only the stack files differ, so the base revision's `Pulumi.yaml`
 * and `Pulumi.<env>.yaml` are read from git into a scratch folder and rendered in-process with
 * the working tree's platform and renderer, which is exactly what the base's own code would do.
 *
 * Slow path (code changed): the base's files in a scratch folder, node_modules linked from the
 * working tree. A platform repository's base (every file but the rendered tree, exported by git)
 * is rendered in-process from its own platform/platform.ts by the installed engine; an engine
 * checkout (ferry's own repository; `git worktree add`) is compiled with tsc when it holds the
 * TypeScript sources and rendered by its own CLI.
 */
export async function renderBase(
  root: string,
  commit: string,
  headPlatform: Platform,
  stackFiles?: Promise<Map<string, string> | undefined>,
  headFiles?: ReadonlyMap<string, string>,
  working: ReadonlyMap<string, string> = readWorkingStackFiles(root),
): Promise<BaseRender> {
  const stacks = await (stackFiles ?? (async () => ((await codeMatches(root, commit)) ? readStackFiles(root, commit, working) : undefined))());
  if (stacks) {
    // Same code and byte-identical stack files: the base renders exactly like the head.
    if (headFiles && working.size === stacks.size && [...working].every(([n, text]) => stacks.get(n) === text)) {
      return { files: headFiles, platform: headPlatform, renderedWith: 'working-tree code' };
    }
    const scratch = mkdtempSync(join(tmpdir(), 'ferry-base-'));
    try {
      for (const [name, content] of stacks) writeFileSync(join(scratch, name), content);
      return { files: renderRepository(scratch, headPlatform).files, platform: headPlatform, renderedWith: 'working-tree code' };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return (await renderPlatformRepositoryBase(root, commit)) ?? renderInWorktree(root, commit);
}

/**
 * A platform repository's base (no engine of its own: no bin/ferry.js at the base): its files but
 * the rendered tree, written into a scratch folder by one git process, then its platform.ts
 * rendered in-process by the installed engine. The rendered tree is the bulk of a large
 * platform's repository and the render never reads it. Undefined for an engine checkout, a tree
 * with a .gitattributes (whose filters a checkout applies), or when git cannot export a path (a
 * newline in it): the worktree then serves.
 */
async function renderPlatformRepositoryBase(root: string, commit: string): Promise<BaseRender | undefined> {
  const git = new Git(root);
  const files = await listTree(git, commit);
  // A .gitattributes may ask a checkout to convert what it writes; only the worktree does that.
  if (files.some((f) => f.path === 'bin/ferry.js' || f.path === '.gitattributes' || f.path.endsWith('/.gitattributes'))) return undefined;
  const parent = mkdtempSync(join(tmpdir(), 'ferry-base-'));
  const tree = join(parent, 'tree');
  try {
    try {
      await exportFiles(git, commit, files.filter((f) => !f.path.startsWith(`${MANIFESTS_DIR}/`)), tree);
    } catch {
      return undefined;
    }
    linkModules(root, tree);
    const platform = await loadPlatform(tree);
    return { files: renderRepository(tree, platform).files, platform, renderedWith: 'base revision code' };
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

/** The working tree's node_modules, linked into a base's folder so its imports resolve as the head's do. */
function linkModules(root: string, tree: string): void {
  const modules = join(root, 'node_modules');
  mkdirSync(tree, { recursive: true });
  if (existsSync(modules) && !existsSync(join(tree, 'node_modules'))) symlinkSync(realpathSync(modules), join(tree, 'node_modules'), 'dir');
}

async function renderInWorktree(root: string, commit: string): Promise<BaseRender> {
  const parent = mkdtempSync(join(tmpdir(), 'ferry-base-'));
  const tree = join(parent, 'worktree');
  const git = new Git(root);
  git.run(['worktree', 'add', '--detach', '--quiet', tree, commit]);
  try {
    linkModules(root, tree);
    if (!existsSync(join(tree, 'bin/ferry.js'))) {
      // A platform repository: its own platform.ts (and constructs) rendered by the installed engine.
      const platform = await loadPlatform(tree);
      return { files: renderRepository(tree, platform).files, platform, renderedWith: 'base revision code' };
    }
    // An engine checkout (ferry's own repository): rendered by its own engine, compiled first when
    // it holds the TypeScript sources.
    if (existsSync(join(tree, 'tsconfig.json')) && existsSync(join(tree, 'cli/main.ts'))) {
      const tsc = join(tree, 'node_modules/typescript/bin/tsc');
      const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: tree, encoding: 'utf8' });
      // tsc emits even with type errors elsewhere (tests); only a missing engine is fatal.
      if (!existsSync(join(tree, 'dist/cli/main.js'))) {
        throw new Error(`base ${commit.slice(0, 12)}: tsc did not produce dist/cli/main.js: ${(built.stdout + built.stderr).trim().split('\n').slice(0, 5).join(' / ')}`);
      }
    }
    mkdirSync(join(tree, MANIFESTS_DIR), { recursive: true });
    const render = spawnSync(process.execPath, [join(tree, 'bin/ferry.js'), 'render', '--quiet'], { cwd: tree, encoding: 'utf8' });
    if (render.status !== 0) throw new Error(`base ${commit.slice(0, 12)}: its own render failed: ${(render.stderr || render.stdout).trim()}`);
    const files = new Map(listFiles(tree, MANIFESTS_DIR).map((path) => [path, readFileSync(join(tree, path), 'utf8')]));
    return { files, platform: await loadPlatform(tree), renderedWith: 'base revision code' };
  } finally {
    try {
      git.run(['worktree', 'remove', '--force', tree]);
    } catch {
      // Removed below; prune forgets it.
    }
    rmSync(parent, { recursive: true, force: true });
    git.ok(['worktree', 'prune']);
  }
}

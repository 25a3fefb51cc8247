/**
 * A throw-away platform repository in a temp directory, in the shape `ferry init` gives, for tests
 * that render, promote or diff in a real git repository: platform/platform.ts and the stack files
 * of a fixture (test/fixtures/shop by default), and node_modules/ferry linked to this engine. The
 * engine tests own their fixture, so editing the sample platform never changes what they assert.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/main.js';
import { repoTemplateCache } from './repo-template-cache.js';

/** Repository root: jest runs with it as working directory. */
export const REPO_ROOT = process.cwd();

/** The platform repository the engine tests use unless they name another fixture. */
export const SHOP_FIXTURE = fileURLToPath(new URL('../fixtures/shop', import.meta.url));

/** The engine's CLI entry point, which spawned tests run in the repository. */
export const FERRY_BIN = join(REPO_ROOT, 'bin/ferry.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface PlatformRepo {
  readonly root: string;
  /** The repository was copied from one built earlier in the run from the same inputs (see repo-template-cache.ts). */
  readonly fromTemplate: boolean;
  /** Runs `ferry <args>` in-process (fast) with the repo as working directory. */
  ferry(args: readonly string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  /** Runs `node bin/ferry.js <args>` as a real process. */
  ferrySpawn(args: readonly string[], env?: Record<string, string | undefined>): CliResult;
  /** Runs git in the repo and returns stdout; throws on a non-zero exit. */
  git(args: readonly string[], env?: Record<string, string>): string;
  read(path: string): string;
  write(path: string, content: string): void;
  /** Commits everything with the given message and author date (ISO), returns the commit id. */
  commitAll(message: string, date?: string): string;
  cleanup(): void;
}

export interface PlatformRepoOptions {
  /** Initialise git and commit the copy (with a fresh render). @default true */
  readonly git?: boolean;
  /** Called on the copy before the first render and commit. */
  readonly edit?: (root: string) => void;
  /** Folder holding platform/platform.ts, Pulumi.yaml and Pulumi.<env>.yaml. @default SHOP_FIXTURE */
  readonly fixture?: string;
  /**
   * Make the repository an engine checkout, like ferry's own (its package.json, bin/ and compiled
   * dist/ copied in, platform.ts resolving 'ferry' to them), so a commit can change engine code too.
   * @default false - node_modules/ferry links to this engine
   */
  readonly engineCopy?: boolean;
  /** Author/committer date of the initial commit. @default '2026-01-01T00:00:00Z' */
  readonly initialDate?: string;
  /**
   * Runs the first `ferry render --quiet` of the copy (in `root`, before git): for a test file that
   * keeps a ferry process up (test/helpers/resident-ferry.ts). Not with `engineCopy`, whose own bin renders.
   * @default a `node bin/ferry.js render --quiet` process
   */
  readonly initialRender?: (root: string) => Promise<CliResult>;
}

/** A platform repository of this repository's own sample platform: its platform.ts and stack files, rendered and committed. */
export async function createSampleRepo(options: Pick<PlatformRepoOptions, 'initialRender'> = {}): Promise<PlatformRepo> {
  const fixture = mkdtempSync(join(tmpdir(), 'ferry-sample-'));
  try {
    mkdirSync(join(fixture, 'platform'));
    cpSync(join(REPO_ROOT, 'platform/platform.ts'), join(fixture, 'platform/platform.ts'));
    for (const file of readdirSync(REPO_ROOT).filter((name) => /^Pulumi(\.[^.]+)?\.yaml$/.test(name))) cpSync(join(REPO_ROOT, file), join(fixture, file));
    return await createPlatformRepo({ ...options, fixture });
  } finally {
    rmSync(fixture, { recursive: true, force: true });
  }
}

/** Links node_modules/ferry of a platform repository to this engine, as `npm install ferry` would. */
export function linkEngine(root: string): void {
  mkdirSync(join(root, 'node_modules'), { recursive: true });
  symlinkSync(REPO_ROOT, join(root, 'node_modules/ferry'), 'dir');
}

export async function createPlatformRepo(options: PlatformRepoOptions = {}): Promise<PlatformRepo> {
  if (!existsSync(join(REPO_ROOT, 'dist/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm test` (it builds first) or `npm run build`');
  }
  if (options.initialRender && options.engineCopy) throw new Error("createPlatformRepo: 'initialRender' renders with this engine; an 'engineCopy' repository renders with its own bin");
  const root = mkdtempSync(join(tmpdir(), 'ferry-repo-'));
  cpSync(options.fixture ?? SHOP_FIXTURE, root, { recursive: true });
  if (options.engineCopy) {
    for (const entry of ['package.json', 'bin', 'dist', 'templates']) cpSync(join(REPO_ROOT, entry), join(root, entry), { recursive: true });
    rmSync(join(root, 'dist/test'), { recursive: true, force: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  } else {
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'shop-platform', private: true, type: 'module', dependencies: { ferry: 'file:../ferry' } }, null, 2) + '\n');
    linkEngine(root);
  }
  writeFileSync(join(root, '.gitignore'), 'node_modules\ndist\n');
  options.edit?.(root);
  // The same inputs built earlier in this run: copy the finished repository instead of rendering again.
  const templates = repoTemplateCache();
  const templateKey = templates?.key(root, { engineCopy: options.engineCopy ?? false, git: options.git ?? true, initialDate: options.initialDate ?? '2026-01-01T00:00:00Z' });

  const gitEnv = (date: string) => ({
    ...process.env,
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_COMMITTER_NAME: 'Test Author',
    GIT_COMMITTER_EMAIL: 'author@example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  });
  const git = (args: readonly string[], env: Record<string, string> = {}) =>
    execFileSync('git', [...args], { cwd: root, encoding: 'utf8', env: { ...gitEnv(new Date().toISOString()), ...env } });

  const repo: PlatformRepo = {
    root,
    fromTemplate: false,
    async ferry(args, env = {}) {
      let stdout = '';
      let stderr = '';
      const code = await main(args, {
        cwd: root,
        out: (t) => void (stdout += t),
        err: (t) => void (stderr += t),
        env: { ...process.env, ...env },
        isTTY: false,
      });
      return { code, stdout, stderr };
    },
    ferrySpawn(args, env = {}) {
      const r = spawnSync(process.execPath, [existsSync(join(root, 'bin/ferry.js')) ? join(root, 'bin/ferry.js') : FERRY_BIN, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    git,
    read: (path) => readFileSync(join(root, path), 'utf8'),
    write(path, content) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    },
    commitAll(message, date = new Date().toISOString()) {
      git(['add', '-A']);
      git(['commit', '-q', '-m', message], gitEnv(date) as Record<string, string>);
      return git(['rev-parse', 'HEAD']).trim();
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };

  if (templates && templateKey && templates.restore(templateKey, root)) return { ...repo, fromTemplate: true };
  const rendered = options.initialRender ? await options.initialRender(root) : repo.ferrySpawn(['render', '--quiet']);
  if (rendered.code !== 0) throw new Error(`initial render failed: ${rendered.stderr}`);
  if (options.git ?? true) {
    git(['init', '-q', '-b', 'main']);
    repo.commitAll('initial platform', options.initialDate ?? '2026-01-01T00:00:00Z');
  }
  if (templates && templateKey) templates.save(templateKey, root);
  return repo;
}

/** A remote that moved: `origin` has a commit the local checkout has not seen. */
export interface MovedRemote {
  /** Path of the bare `origin` repository. */
  readonly bare: string;
  /** The commit another clone pushed on top of main. */
  readonly moved: string;
  cleanup(): void;
}

/**
 * Gives `repo` a bare `origin` with its main pushed, then advances origin's main from another
 * clone by one commit editing `file`: what a runner sees when another promotion pushed first.
 */
export function remoteThatMoved(
  repo: { readonly root: string; git(args: readonly string[]): string },
  change: { readonly file: string; readonly edit: (text: string) => string; readonly message: string },
): MovedRemote {
  const scratch = mkdtempSync(join(tmpdir(), 'ferry-remote-'));
  const bare = join(scratch, 'platform.git');
  const other = join(scratch, 'other');
  const env = { ...process.env, GIT_AUTHOR_NAME: 'Other Dev', GIT_AUTHOR_EMAIL: 'other@example.com', GIT_COMMITTER_NAME: 'Other Dev', GIT_COMMITTER_EMAIL: 'other@example.com' };
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  repo.git(['remote', 'add', 'origin', bare]);
  repo.git(['push', '-q', 'origin', 'main']);
  execFileSync('git', ['clone', '-q', bare, other]);
  const file = join(other, change.file);
  writeFileSync(file, change.edit(readFileSync(file, 'utf8')));
  execFileSync('git', ['commit', '-q', '-am', change.message], { cwd: other, env });
  execFileSync('git', ['push', '-q', 'origin', 'main'], { cwd: other });
  const moved = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: other, encoding: 'utf8' }).trim();
  return { bare, moved, cleanup: () => rmSync(scratch, { recursive: true, force: true }) };
}

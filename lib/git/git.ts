import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catFileTexts } from './cat-file.js';

/** Largest output read from one git process (a cat-file of every historic stack file stays far below). */
const MAX_BUFFER = 512 * 1024 * 1024;

/**
 * The arguments of a git run as messages may show them: global `-c <name>=<value>` settings are
 * left out (they can carry credentials, e.g. `http.<url>.extraheader=AUTHORIZATION: basic ...`)
 * and URLs lose their user info, so an error never quotes a token.
 */
export function describeArgs(args: readonly string[]): string[] {
  const shown: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-c' || arg === '--config-env') {
      i++; // and its value
      continue;
    }
    if (arg.startsWith('-c') && arg.includes('=')) continue; // -cname=value
    shown.push(withoutUserInfo(arg));
  }
  return shown;
}

/** `https://user:secret@host/x` -> `https://***@host/x`, anywhere in a text. */
function withoutUserInfo(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]+@/gi, '$1***@');
}

/** A git command that failed, with its stderr. */
export class GitError extends Error {
  /** The arguments as shown in the message (see {@link describeArgs}): never the raw list. */
  public readonly args: readonly string[];

  /** stderr, user info of URLs masked. */
  public readonly stderr: string;
  /** stdout up to the failure (e.g. `push --porcelain` reports rejections there), user info of URLs masked. */
  public readonly stdout: string;

  public constructor(args: readonly string[], public readonly code: number | null, stderr: string, stdout = '') {
    const shown = describeArgs(args);
    const detail = withoutUserInfo(stderr).trim().split('\n').filter(Boolean).slice(-3).join(' / ');
    super(`git ${shown.join(' ')} failed (exit ${code ?? 'signal'})${detail ? `: ${detail}` : ''}`);
    this.args = shown;
    this.stderr = withoutUserInfo(stderr);
    this.stdout = withoutUserInfo(stdout);
  }
}

/** Options of one git run. */
export interface GitRunOptions {
  /** Text written to git's stdin. */
  readonly input?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** How an asynchronous git run ended. */
export interface GitOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Facts about a work tree that, once true, stay true while ferry runs (it is a repository, it has
 * a commit, its .git folder), remembered per root: each git process costs ~20 ms, and promote
 * asks them from several places.
 */
/** One process answers the three questions promote asks first: a work tree? its .git? a commit? */
const PROBE = ['rev-parse', '--is-inside-work-tree', '--absolute-git-dir', '--verify', '--quiet', 'HEAD^{commit}'] as const;
const knownRepositories = new Set<string>();
const knownCommitted = new Set<string>();
const knownGitDirs = new Map<string, string>();
const probesInFlight = new Map<string, Promise<boolean>>();

/**
 * `<rev>:./<path>`: the file at `path` from the folder git runs in, named as ls-tree names it there
 * (`<rev>:<path>` counts from the repository's root; a platform may live in a subfolder).
 */
export function commitPath(rev: string, path: string): string {
  return `${rev}:./${path}`;
}

/**
 * Runs git in one working tree; the only place in ferry that spawns git (no shell). Synchronous
 * runs for promote's short sequences, asynchronous ones so diff can run git while it renders.
 */
export class Git {
  public constructor(
    public readonly root: string,
    private readonly baseEnv: Readonly<Record<string, string | undefined>> = process.env,
  ) {}

  /** stdout of `git <args>`; throws a GitError on a non-zero exit. */
  public run(args: readonly string[], options: GitRunOptions = {}): string {
    return this.runBuffer(args, options).toString('utf8');
  }

  /** stdout of `git <args>` as bytes (for output whose sizes count bytes, like cat-file). */
  public runBuffer(args: readonly string[], options: GitRunOptions = {}): Buffer {
    try {
      return execFileSync('git', [...args], {
        cwd: this.root,
        input: options.input ?? '',
        env: this.env(options),
        stdio: ['pipe', 'pipe', 'pipe'],
        maxBuffer: MAX_BUFFER,
      });
    } catch (e) {
      const err = e as { status?: number | null; code?: string; stderr?: Buffer; stdout?: Buffer };
      throw new GitError(args, err.status ?? null, err.stderr?.length ? err.stderr.toString('utf8') : failureCause(err.code), err.stdout?.toString('utf8'));
    }
  }

  /** Whether `git <args>` exits 0 (its output is discarded). */
  public ok(args: readonly string[]): boolean {
    try {
      this.runBuffer(args);
      return true;
    } catch {
      return false;
    }
  }

  /** Like {@link run} but asynchronous; rejects with a GitError. */
  public async runAsync(args: readonly string[], options: GitRunOptions = {}): Promise<string> {
    return (await this.runBufferAsync(args, options)).toString('utf8');
  }

  /** Like {@link runBuffer} but asynchronous; rejects with a GitError. */
  public runBufferAsync(args: readonly string[], options: GitRunOptions = {}): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = execFile('git', [...args], { cwd: this.root, encoding: 'buffer', env: this.env(options), maxBuffer: MAX_BUFFER }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const raw = (error as { code?: unknown }).code;
        const code = typeof raw === 'number' ? raw : null;
        reject(new GitError(args, code, stderr.length > 0 ? stderr.toString('utf8') : failureCause(raw), stdout.toString('utf8')));
      });
      // git may exit before reading stdin (e.g. rev-parse); a closed pipe is not an error here.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input ?? '');
    });
  }

  /** Whether `git <args>` exits 0, asynchronously. */
  public okAsync(args: readonly string[]): Promise<boolean> {
    return this.runBufferAsync(args).then(
      () => true,
      () => false,
    );
  }

  /** Like {@link runAsync}, but resolves with the exit code instead of throwing. */
  public async tryRun(args: readonly string[], options: GitRunOptions = {}): Promise<GitOutcome> {
    try {
      return { code: 0, stdout: await this.runAsync(args, options), stderr: '' };
    } catch (e) {
      if (!(e instanceof GitError)) throw e;
      return { code: e.code ?? 1, stdout: e.stdout, stderr: e.stderr };
    }
  }

  /** Contents of `<rev>:<path>` or blob ids, in order, with one `git cat-file --batch`; undefined for what does not exist. */
  public catFile(specs: readonly string[]): (string | undefined)[] {
    if (specs.length === 0) return [];
    return catFileTexts(this.runBuffer(['cat-file', '--batch'], { input: batchInput(specs) }));
  }

  /** Like {@link catFile} but asynchronous. */
  public async catFileAsync(specs: readonly string[]): Promise<(string | undefined)[]> {
    if (specs.length === 0) return [];
    return catFileTexts(await this.runBufferAsync(['cat-file', '--batch'], { input: batchInput(specs) }));
  }

  /** The content of `path` (from `root`, which may be a subfolder of the repository) at `ref`, or undefined when the file does not exist there. */
  public readFileAt(ref: string, path: string): string | undefined {
    return this.catFile([commitPath(ref, path)])[0];
  }

  /** The full id of the commit `ref` names, or undefined when it names none. */
  public resolveCommit(ref: string): string | undefined {
    try {
      return this.run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).trim();
    } catch {
      return undefined;
    }
  }

  /** Like {@link resolveCommit} but asynchronous. */
  public resolveCommitAsync(ref: string): Promise<string | undefined> {
    return this.runAsync(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).then(
      (out) => out.trim(),
      () => undefined,
    );
  }

  /** Whether `root` is inside a git work tree. */
  public isRepository(): boolean {
    if (knownRepositories.has(this.root)) return true;
    return this.remember(this.tryRunSync(PROBE));
  }

  /** Like {@link isRepository} but asynchronous: what it learns spares later synchronous calls (gitDir, hasCommits) a process. */
  public async isRepositoryAsync(): Promise<boolean> {
    if (knownRepositories.has(this.root)) return true;
    // Callers that start reads side by side share one probe process.
    let probing = probesInFlight.get(this.root);
    if (probing === undefined) {
      probing = this.runAsync(PROBE)
        .then(
          (stdout) => ({ code: 0, stdout }),
          (e: unknown) => (e instanceof GitError ? { code: e.code ?? 128, stdout: e.stdout } : { code: 128, stdout: '' }),
        )
        .then((probe) => this.remember(probe))
        .finally(() => probesInFlight.delete(this.root));
      probesInFlight.set(this.root, probing);
    }
    return probing;
  }

  /** Keeps what the probe's output says about `root`; whether it is a work tree. */
  private remember(probe: { code: number; stdout: string }): boolean {
    const [inside, gitDir, head] = probe.stdout.split('\n');
    if (probe.code > 1 || inside !== 'true') return false;
    knownRepositories.add(this.root);
    if (gitDir) knownGitDirs.set(this.root, gitDir);
    // Exit 1 with no id: HEAD has no commit yet (a fresh repository).
    if (probe.code === 0 && head && /^[0-9a-f]{40,64}$/.test(head)) knownCommitted.add(this.root);
    return true;
  }

  /** Exit code and stdout of `git <args>`, without throwing. */
  private tryRunSync(args: readonly string[]): { code: number; stdout: string } {
    try {
      return { code: 0, stdout: this.run(args) };
    } catch (e) {
      return e instanceof GitError ? { code: e.code ?? 128, stdout: e.stdout } : { code: 128, stdout: '' };
    }
  }

  /** The checked-out branch, or undefined on a detached HEAD (read from HEAD itself: no git process). */
  public currentBranch(): string | undefined {
    try {
      const head = readFileSync(join(this.gitDir(), 'HEAD'), 'utf8').trim();
      return head.startsWith('ref: refs/heads/') ? head.slice('ref: refs/heads/'.length) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether HEAD points at a commit (false in a fresh repository). */
  public hasCommits(): boolean {
    if (knownCommitted.has(this.root)) return true;
    if (this.resolveCommit('HEAD') === undefined) return false;
    knownCommitted.add(this.root);
    return true;
  }

  /** Paths (of `paths`) with staged or unstaged changes, or untracked; repository-relative. */
  public dirtyPaths(paths: readonly string[] = []): string[] {
    const out = this.run(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...paths]);
    const entries = out.split('\0').filter(Boolean);
    const result: string[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      result.push(entry.slice(3));
      if (entry[0] === 'R' || entry[0] === 'C') i++; // the rename source follows
    }
    return result;
  }

  /** The .git directory (absolute). */
  public gitDir(): string {
    let dir = knownGitDirs.get(this.root);
    if (dir === undefined) {
      dir = this.run(['rev-parse', '--absolute-git-dir']).trim();
      knownGitDirs.set(this.root, dir);
    }
    return dir;
  }

  /** Whether the local branch `name` exists. */
  public branchExists(name: string): boolean {
    return this.ok(['show-ref', '--verify', '--quiet', `refs/heads/${name}`]);
  }

  /** The URL of `remote`, or undefined when there is no such remote. */
  public remoteUrl(remote: string): string | undefined {
    try {
      return this.run(['remote', 'get-url', remote]).trim();
    } catch {
      return undefined;
    }
  }

  private env(options: GitRunOptions): NodeJS.ProcessEnv {
    return { ...this.baseEnv, ...options.env } as NodeJS.ProcessEnv;
  }
}

/**
 * Why git produced no stderr: the spawn error code (ENOENT: git is not installed, or the output
 * limit). Never the error's message: Node puts the whole command line there.
 */
function failureCause(code: unknown): string {
  if (code === 'ENOENT') return 'ENOENT: git is not on PATH, or the working folder does not exist';
  return typeof code === 'string' ? code : '';
}

function batchInput(specs: readonly string[]): string {
  for (const spec of specs) if (spec.includes('\n')) throw new Error(`git cat-file: object name ${JSON.stringify(spec)} holds a newline`);
  return specs.map((s) => `${s}\n`).join('');
}

import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A git command that failed, with its stderr. */
export class GitError extends Error {
  public constructor(public readonly args: readonly string[], public readonly code: number | null, public readonly stderr: string) {
    super(`git ${args.join(' ')} failed (exit ${code ?? 'signal'}): ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
  }
}

/** Options of one git run. */
export interface GitRunOptions {
  /** Text written to git's stdin. */
  readonly input?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Runs git in one working tree; every call is a synchronous child process (no shell). */
/**
 * Facts about a work tree that, once true, stay true while ferry runs (it is a repository, it has
 * a commit, its .git folder), remembered per root: each git process costs ~20 ms, and promote
 * asks them from several places.
 */
const knownRepositories = new Set<string>();
const knownCommitted = new Set<string>();
const knownGitDirs = new Map<string, string>();

export class Git {
  public constructor(
    public readonly root: string,
    private readonly baseEnv: Readonly<Record<string, string | undefined>> = process.env,
  ) {}

  /** stdout of `git <args>`; throws a GitError on a non-zero exit. */
  public run(args: readonly string[], options: GitRunOptions = {}): string {
    try {
      return execFileSync('git', [...args], {
        cwd: this.root,
        encoding: 'utf8',
        input: options.input,
        env: { ...this.baseEnv, ...options.env } as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
        maxBuffer: 256 * 1024 * 1024,
      });
    } catch (e) {
      const err = e as { status?: number | null; stderr?: string | Buffer };
      throw new GitError(args, err.status ?? null, String(err.stderr ?? (e as Error).message));
    }
  }

  /** Like run, but resolves with the exit code instead of throwing. */
  public async tryRun(args: readonly string[], options: GitRunOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile('git', [...args], { cwd: this.root, encoding: 'utf8', env: { ...this.baseEnv, ...options.env } as NodeJS.ProcessEnv, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      });
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  /** Whether `root` is inside a git work tree. */
  public isRepository(): boolean {
    if (knownRepositories.has(this.root)) return true;
    try {
      const inside = this.run(['rev-parse', '--is-inside-work-tree']).trim() === 'true';
      if (inside) knownRepositories.add(this.root);
      return inside;
    } catch {
      return false;
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
    try {
      this.run(['rev-parse', '--verify', '--quiet', 'HEAD']);
      knownCommitted.add(this.root);
      return true;
    } catch {
      return false;
    }
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

  public branchExists(name: string): boolean {
    try {
      this.run(['show-ref', '--verify', '--quiet', `refs/heads/${name}`]);
      return true;
    } catch {
      return false;
    }
  }

  public remoteUrl(remote: string): string | undefined {
    try {
      return this.run(['remote', 'get-url', remote]).trim();
    } catch {
      return undefined;
    }
  }
}

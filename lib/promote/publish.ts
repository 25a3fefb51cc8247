import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitError, type Git } from '../git/git.js';
import { parsePushOutput, type PushReport } from '../git/push-output.js';
import { HttpClient, HttpError } from '../http/http-client.js';

/** How `git push` ended. */
export type PushOutcome =
  | { readonly ok: true; readonly report: PushReport }
  | {
    readonly ok: false;
    /** The remote moved or a ref was locked by a concurrent push (every form git reports): fetch and retry. */
    readonly rejected: boolean;
    /** The connection failed on the way: retry. */
    readonly transient: boolean;
    readonly message: string;
    readonly report: PushReport;
  };

/**
 * Extra `git -c` settings that authenticate an https push with GITHUB_TOKEN (checkouts in the
 * workflows use persist-credentials: false), for github.com or the host of GITHUB_SERVER_URL.
 */
export function tokenConfig(remoteUrl: string | undefined, env: Readonly<Record<string, string | undefined>>): string[] {
  const token = env.GITHUB_TOKEN;
  if (!token || !remoteUrl?.startsWith('https://')) return [];
  const host = new URL(remoteUrl).host;
  const allowed = ['github.com', env.GITHUB_SERVER_URL ? new URL(env.GITHUB_SERVER_URL).host : undefined];
  if (!allowed.includes(host)) return [];
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return ['-c', `http.https://${host}/.extraheader=AUTHORIZATION: basic ${basic}`];
}

/**
 * Pushes `ref` (a commit or local branch) to `branch` on `remote`; a failure is reported (parsed
 * from `--porcelain` output, see {@link parsePushOutput}), not thrown. `extra` goes before the
 * remote (e.g. `--force-with-lease=...`).
 */
export async function pushRef(git: Git, remote: string, ref: string, branch: string, env: Readonly<Record<string, string | undefined>>, extra: readonly string[] = []): Promise<PushOutcome> {
  const result = await git.tryRun([...tokenConfig(git.remoteUrl(remote), env), 'push', '--porcelain', ...extra, remote, `${ref}:refs/heads/${branch}`]);
  const report = parsePushOutput(result.code, result.stdout, result.stderr);
  if (result.code === 0 && report.message === '') return { ok: true, report };
  return { ok: false, rejected: report.contended, transient: report.transient, message: report.message, report };
}

/** Deletes `branch` on `remote`, only while it still points at `expected`; reports, never throws. */
export async function deleteRemoteBranch(git: Git, remote: string, branch: string, expected: string, env: Readonly<Record<string, string | undefined>>): Promise<PushOutcome> {
  return pushRef(git, remote, '', branch, env, [`--force-with-lease=refs/heads/${branch}:${expected}`]);
}

/** Fetches `branch` of `remote`; its commit, or undefined when the remote has no such branch. */
export function fetchBranch(git: Git, remote: string, branch: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  try {
    git.run([...tokenConfig(git.remoteUrl(remote), env), 'fetch', '-q', '--no-tags', remote, `refs/heads/${branch}`]);
  } catch (e) {
    if (e instanceof GitError && /couldn't find remote ref/i.test(e.stderr)) return undefined;
    throw e;
  }
  // FETCH_HEAD's first line starts with the fetched commit: read it instead of running rev-parse.
  const id = /^([0-9a-f]{40,64})\t/.exec(readFileSync(join(git.gitDir(), 'FETCH_HEAD'), 'utf8'))?.[1];
  return id ?? git.run(['rev-parse', 'FETCH_HEAD^{commit}']).trim();
}

/** Whether commit `ancestor` is reachable from `descendant` (both local objects). */
export function isAncestor(git: Git, ancestor: string, descendant: string): boolean {
  return git.ok(['merge-base', '--is-ancestor', ancestor, descendant]);
}

/** Fetches `branch` and moves the checkout to it, keeping unrelated local changes (`reset --keep`); returns the commit. */
export function syncToRemote(git: Git, remote: string, branch: string, env: Readonly<Record<string, string | undefined>>): string {
  const commit = fetchBranch(git, remote, branch, env);
  if (commit === undefined) throw new GitError(['fetch', remote, `refs/heads/${branch}`], 1, `couldn't find remote ref refs/heads/${branch}`);
  git.run(['reset', '-q', '--keep', commit]);
  return commit;
}

/** The GitHub owner/repo: GITHUB_REPOSITORY when set, else parsed from a github URL. */
export function githubRepository(repoURL: string, env: Readonly<Record<string, string | undefined>>): { owner: string; repo: string } {
  const fromEnv = env.GITHUB_REPOSITORY || undefined;
  const text = fromEnv ?? repoURL;
  const match = fromEnv ? /^([^/]+)\/([^/]+)$/.exec(fromEnv) : /github\.com[/:]([^/]+)\/([^/]+?)(\.git)?\/?$/.exec(text);
  if (!match) throw new Error(`cannot tell the GitHub repository from ${fromEnv ? `GITHUB_REPOSITORY '${fromEnv}'` : `repoURL '${repoURL}'`}; set GITHUB_REPOSITORY=owner/repo`);
  return { owner: match[1]!, repo: match[2]! };
}

/** What a pull request is opened with. */
export interface PullRequestProps {
  /**
   * API base URL.
   * @default env GITHUB_API_URL, else 'https://api.github.com'
   */
  readonly apiUrl: string;
  readonly token: string;
  readonly owner: string;
  readonly repo: string;
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  /**
   * The HTTP client (https only, except loopback; 4 MiB answers; 30 s).
   * @default new HttpClient()
   */
  readonly http?: HttpClient;
}

/** Opens a pull request with the GitHub REST API (POST /repos/{owner}/{repo}/pulls). */
export async function openPullRequest(props: PullRequestProps): Promise<{ number: number; url: string }> {
  const url = `${props.apiUrl.replace(/\/+$/, '')}/repos/${props.owner}/${props.repo}/pulls`;
  const response = await (props.http ?? new HttpClient())
    .request(url, {
      method: 'POST',
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${props.token}`,
        'X-GitHub-Api-Version': '2022-11-28',
        'Content-Type': 'application/json',
        'User-Agent': 'ferry',
      },
      body: JSON.stringify({ title: props.title, head: props.head, base: props.base, body: props.body, maintainer_can_modify: true }),
    })
    .catch((e: unknown) => {
      throw new Error(`opening the pull request ${props.head} → ${props.base}: ${e instanceof HttpError ? e.message : (e as Error).message}`);
    });
  const text = await response.text();
  if (!response.ok) throw new Error(`opening the pull request ${props.head} → ${props.base} at ${url}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  let body: { number?: unknown; html_url?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`opening the pull request ${props.head} → ${props.base} at ${url}: HTTP ${response.status} with a body that is not JSON`);
  }
  if (typeof body.number !== 'number' || typeof body.html_url !== 'string') throw new Error(`opening the pull request ${props.head} → ${props.base} at ${url}: the answer has no number and html_url`);
  return { number: body.number, url: body.html_url };
}

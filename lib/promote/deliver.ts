import { Git } from '../git/git.js';
import type { HttpClient } from '../http/http-client.js';
import type { Platform } from '../../model/platform.js';
import { githubRepository, openPullRequest, pushRef, syncToRemote } from './publish.js';
import { promote, PromotionError, type ImageRegistry, type PromotionRequest, type PromotionResult } from './promotion.js';
import { reviewChecklist } from './review-checklist.js';

/** How a committed promotion leaves the checkout. */
export interface DeliveryOptions {
  /**
   * Push the commit ('direct': the current branch, retried after fetch and redo when the remote moved;
   * 'branch': the promote/ branch).
   * @default false
   */
  readonly push?: boolean;
  /**
   * Push the branch and open a pull request (needs GITHUB_TOKEN).
   * @default false
   */
  readonly pr?: boolean;
  /**
   * Remote pushed to.
   * @default 'origin'
   */
  readonly remote?: string;
  /**
   * Attempts when the remote moved under a direct push.
   * @default 3
   */
  readonly attempts?: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Progress lines (retries). */
  readonly log?: (line: string) => void;
  /**
   * HTTP client of the GitHub API.
   * @default new HttpClient()
   */
  readonly http?: HttpClient;
}

/** A promotion and where it went. */
export interface DeliveryResult extends PromotionResult {
  readonly pushed: boolean;
  /** Attempts the push took (1 when the remote had not moved). */
  readonly attempts: number;
  readonly pullRequest?: { number: number; url: string };
}

/** Promotes, then pushes and opens the pull request as asked. */
export async function deliverPromotion(root: string, platform: Platform, request: PromotionRequest, registry: ImageRegistry, options: DeliveryOptions): Promise<DeliveryResult> {
  const push = Boolean(options.push || options.pr);
  const remote = options.remote ?? 'origin';
  const attempts = options.attempts ?? 3;
  const git = new Git(root, options.env);
  if (push && git.remoteUrl(remote) === undefined) throw new PromotionError(`git remote '${remote}' does not exist; add it or pass --remote`);
  if (options.pr && !options.env.GITHUB_TOKEN) throw new PromotionError('--pr needs GITHUB_TOKEN in the environment to open the pull request');
  if (options.pr && request.delivery !== 'branch') throw new PromotionError('--pr opens a pull request from a promote/ branch; it cannot be combined with --direct');

  for (let attempt = 1; ; attempt++) {
    const result = await promote(root, platform, request, registry, options.env);
    if (!push || result.commit === undefined) return { ...result, pushed: false, attempts: attempt };
    const branch = result.branch;
    if (branch === undefined) throw new PromotionError('cannot push from a detached HEAD; check out a branch');
    const ref = request.delivery === 'branch' ? `refs/heads/${branch}` : 'HEAD';
    const outcome = await pushRef(git, remote, ref, branch, options.env);
    if (outcome.ok) {
      if (!options.pr) return { ...result, pushed: true, attempts: attempt };
      const { owner, repo } = githubRepository(platform.repoURL, options.env);
      const pullRequest = await openPullRequest({
        apiUrl: options.env.GITHUB_API_URL ?? 'https://api.github.com',
        token: options.env.GITHUB_TOKEN!,
        owner,
        repo,
        head: branch,
        base: platform.targetRevision,
        title: result.plan.message.split('\n')[0]!,
        body: reviewChecklist(result.plan, request.now),
        http: options.http,
      });
      return { ...result, pushed: true, attempts: attempt, pullRequest };
    }
    if (!outcome.rejected || request.delivery !== 'direct') {
      throw new PromotionError(`git push ${remote} ${branch} failed: ${outcome.message}; commit ${result.commit.slice(0, 12)} is local only`);
    }
    if (attempt >= attempts) {
      throw new PromotionError(`git push ${remote} ${branch} was rejected ${attempt} times because the remote kept moving; commit ${result.commit.slice(0, 12)} is local only`);
    }
    options.log?.(`${remote}/${branch} moved (push rejected); fetching, resetting to it and promoting again (attempt ${attempt + 1} of ${attempts})\n`);
    syncToRemote(git, remote, branch, options.env);
  }
}

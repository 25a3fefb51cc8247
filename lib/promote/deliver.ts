import { Git, GitError } from '../git/git.js';
import type { HttpClient } from '../http/http-client.js';
import type { Platform } from '../../model/platform.js';
import { PromotionLock } from './lock.js';
import { deleteRemoteBranch, fetchBranch, githubRepository, isAncestor, openPullRequest, pushRef, syncToRemote, type PushOutcome } from './publish.js';
import { nextDelay, resolveRetryPolicy, type ResolvedRetryPolicy, type RetryPolicy } from './push-retry.js';
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
   * Push attempts when the remote moved under a direct push (shorthand for `retry.attempts`).
   * @default 12 (env FERRY_PUSH_ATTEMPTS)
   */
  readonly attempts?: number;
  /** Backoff between push attempts, their count and total time, and the clock (tests inject one). */
  readonly retry?: RetryPolicy;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Progress lines (retries, earlier unpushed promotions). */
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

/**
 * Promotes, then pushes and opens the pull request as asked, holding the checkout's promotion lock
 * from the first look at the remote to the last push. A promotion that did not reach the remote is
 * never reported as done: a direct commit that could not be pushed is undone (the branch goes back
 * to where it was) and a PromotionError says what was not pushed.
 */
export async function deliverPromotion(root: string, platform: Platform, request: PromotionRequest, registry: ImageRegistry, options: DeliveryOptions): Promise<DeliveryResult> {
  const push = Boolean(options.push || options.pr);
  const remote = options.remote ?? 'origin';
  const git = new Git(root, options.env);
  if (push && git.remoteUrl(remote) === undefined) throw new PromotionError(`git remote '${remote}' does not exist; add it or pass --remote`);
  if (options.pr && !options.env.GITHUB_TOKEN) throw new PromotionError('--pr needs GITHUB_TOKEN in the environment to open the pull request');
  if (options.pr && request.delivery !== 'branch') throw new PromotionError('--pr opens a pull request from a promote/ branch; it cannot be combined with --direct');
  const policy = resolveRetryPolicy({ ...options.retry, attempts: options.attempts ?? options.retry?.attempts }, options.env);
  const run = (): Promise<DeliveryResult> => {
    if (!push) return promote(root, platform, request, registry, options.env).then((result) => ({ ...result, pushed: false, attempts: 1 }));
    const context: Context = { root, platform, request, registry, options, git, remote, policy, log: options.log ?? (() => undefined) };
    return request.delivery === 'direct' ? deliverDirect(context) : deliverBranch(context);
  };
  if (!git.isRepository()) return run();
  return PromotionLock.hold(git.gitDir(), request.command ?? `${request.kind} ${request.services.join(' ')} --to ${request.to}`, run);
}

interface Context {
  readonly root: string;
  readonly platform: Platform;
  readonly request: PromotionRequest;
  readonly registry: ImageRegistry;
  readonly options: DeliveryOptions;
  readonly git: Git;
  readonly remote: string;
  readonly policy: ResolvedRetryPolicy;
  readonly log: (line: string) => void;
}

/** `main` → `origin/main`. */
function where(c: Context, branch: string): string {
  return `${c.remote}/${branch}`;
}

function seconds(ms: number): string {
  return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
}

/**
 * A direct commit on the current branch, pushed; when the push loses a race (any rejection form)
 * the branch is reset to the remote, the promotion planned and committed again, and pushed after a
 * jittered backoff, within the policy's attempts and total time.
 */
async function deliverDirect(c: Context): Promise<DeliveryResult> {
  const branch = c.git.currentBranch();
  if (branch === undefined) throw new PromotionError('cannot push from a detached HEAD; check out a branch');
  await settleUnpushedPromotions(c, branch);
  const startedAt = c.policy.clock.now();
  let attemptStarted = startedAt;
  for (let attempt = 1; ; attempt++) {
    const result = await promote(c.root, c.platform, c.request, c.registry, c.options.env);
    const commit = result.commit;
    if (commit === undefined) return { ...result, pushed: false, attempts: attempt };
    let outcome: PushOutcome | undefined;
    let failure: string;
    try {
      outcome = await pushRef(c.git, c.remote, 'HEAD', branch, c.options.env);
      if (outcome.ok) return { ...result, pushed: true, attempts: attempt };
      failure = outcome.message;
      // A push can fail after the remote took it (a dropped connection): look before redoing it.
      // A rejected ref (the remote moved, or its ref was locked) was certainly not updated.
      const remoteHead = outcome.rejected && outcome.report.refs.some((r) => r.flag === '!') ? undefined : fetchBranch(c.git, c.remote, branch, c.options.env);
      if (remoteHead !== undefined && isAncestor(c.git, commit, remoteHead)) {
        c.git.run(['reset', '-q', '--keep', remoteHead]);
        return { ...result, pushed: true, attempts: attempt };
      }
    } catch (e) {
      failure = e instanceof GitError ? e.message : (e as Error).message;
    }
    const retryable = outcome !== undefined && !outcome.ok && (outcome.rejected || outcome.transient);
    const delay = retryable ? nextDelay(c.policy, attempt, startedAt, c.policy.clock.now() - attemptStarted) : undefined;
    if (delay === undefined) {
      const why = !retryable
        ? `git push ${c.remote} ${branch} failed: ${failure}`
        : `git push ${c.remote} ${branch} was rejected ${attempt} time${attempt === 1 ? '' : 's'} in ${seconds(c.policy.clock.now() - startedAt)} (limits: ${c.policy.attempts} attempts, ${seconds(c.policy.totalMs)}); last: ${failure}`;
      throw new PromotionError(`${why}\n${undoCommit(c, branch, commit, result.plan.message)}`);
    }
    const kind = outcome !== undefined && !outcome.ok && outcome.rejected ? 'moved (push rejected' : 'could not be reached (push failed';
    c.log(`${where(c, branch)} ${kind}: ${failure}); fetching, resetting to it and promoting again in ${seconds(delay)} (attempt ${attempt + 1} of ${c.policy.attempts})\n`);
    await c.policy.clock.sleep(delay);
    attemptStarted = c.policy.clock.now();
    try {
      syncToRemote(c.git, c.remote, branch, c.options.env);
    } catch (e) {
      throw new PromotionError(`fetching ${where(c, branch)} to retry failed: ${(e as Error).message}\n${undoCommit(c, branch, commit, result.plan.message)}`);
    }
  }
}

/**
 * Takes a promotion commit that was not pushed off the branch (`reset --keep` to its parent, so
 * nothing else in the checkout changes) and says so.
 */
function undoCommit(c: Context, branch: string, commit: string, message: string): string {
  const subject = message.split('\n')[0]!;
  const head = c.git.resolveCommit('HEAD');
  if (head !== commit) return `NOT PUSHED: ${commit.slice(0, 12)} (${subject}) did not reach ${c.remote}; rerun the promotion.`;
  try {
    c.git.run(['reset', '-q', '--keep', `${commit}^`]);
    const parent = c.git.resolveCommit('HEAD')!;
    return `NOT PUSHED: ${subject}. The local commit ${commit.slice(0, 12)} is undone (${branch} is back at ${parent.slice(0, 12)}); nothing of it reached ${c.remote}: rerun the promotion.`;
  } catch (e) {
    return `NOT PUSHED: ${subject}. The local commit ${commit.slice(0, 12)} could not be undone (${(e as Error).message}); run 'git reset --keep ${commit.slice(0, 12)}^' before promoting again.`;
  }
}

/** One local commit ahead of the remote. */
interface LocalCommit {
  readonly id: string;
  readonly subject: string;
  readonly promotion: boolean;
}

/**
 * Before a direct push: promotion commits an earlier run left on the branch without pushing them
 * (an older ferry, or a run killed between commit and push) are pushed now when they still
 * fast-forward the remote, else undone; either way the run says so. Commits that are not ferry
 * promotions are left alone.
 */
async function settleUnpushedPromotions(c: Context, branch: string): Promise<void> {
  let remoteHead: string | undefined;
  try {
    remoteHead = fetchBranch(c.git, c.remote, branch, c.options.env);
  } catch (e) {
    throw new PromotionError(`cannot fetch ${where(c, branch)} before promoting: ${(e as Error).message}; nothing was changed`);
  }
  if (remoteHead === undefined) return;
  const ahead = localCommits(c.git, remoteHead);
  if (ahead.length === 0 || ahead.some((commit) => !commit.promotion)) return;
  const list = ahead.map((commit) => `${commit.id.slice(0, 12)} ${commit.subject}`).join('; ');
  const count = `${ahead.length} promotion commit${ahead.length === 1 ? '' : 's'}`;
  if (isAncestor(c.git, remoteHead, 'HEAD')) {
    c.log(`${branch} has ${count} an earlier run did not push (${list}); pushing ${ahead.length === 1 ? 'it' : 'them'} first\n`);
    const outcome = await pushRef(c.git, c.remote, 'HEAD', branch, c.options.env);
    if (outcome.ok) {
      c.log(`pushed the earlier ${count} to ${where(c, branch)}\n`);
      return;
    }
    if (!outcome.rejected) {
      throw new PromotionError(`git push ${c.remote} ${branch} failed: ${outcome.message}\nNOT PUSHED: the earlier ${count} (${list}) are still local only; nothing else was done`);
    }
    remoteHead = fetchBranch(c.git, c.remote, branch, c.options.env) ?? remoteHead;
    if (ahead.every((commit) => isAncestor(c.git, commit.id, remoteHead!))) return;
  }
  c.git.run(['reset', '-q', '--keep', remoteHead]);
  c.log(`${branch} had ${count} an earlier run did not push (${list}), and ${where(c, branch)} has moved since: undid ${ahead.length === 1 ? 'it' : 'them'} (${branch} is now at ${remoteHead.slice(0, 12)}); promote ${ahead.length === 1 ? 'it' : 'them'} again if still wanted\n`);
}

/** First-parent commits of HEAD that `base` lacks, newest first, and whether each is a ferry promotion or rollback. */
function localCommits(git: Git, base: string): LocalCommit[] {
  const out = git.run(['log', '--first-parent', '--format=%H%x00%s%x00%(trailers:key=Image-Tag,valueonly,separator=%x2C)%x1e', `${base}..HEAD`]);
  return out
    .split('\x1e')
    .map((record) => record.trim())
    .filter(Boolean)
    .map((record) => {
      const [id, subject, tags] = record.split('\0');
      return { id: id!, subject: subject!, promotion: /^chore\((?:promote|rollback)\): /.test(subject!) && Boolean(tags?.trim()) };
    });
}

/**
 * A promote/ (or rollback/) branch, pushed (a connection failure retried), then the pull request.
 * A branch that could not be pushed, or whose pull request could not be opened, is deleted again
 * (locally, and on the remote when this run pushed it), so a rerun starts clean; a rerun whose
 * branch the remote already has with the same change uses it.
 */
async function deliverBranch(c: Context): Promise<DeliveryResult> {
  const result = await promote(c.root, c.platform, c.request, c.registry, c.options.env);
  const commit = result.commit;
  const branch = result.branch;
  if (commit === undefined || branch === undefined) return { ...result, pushed: false, attempts: 1 };
  const subject = result.plan.message.split('\n')[0]!;
  const startedAt = c.policy.clock.now();
  let attempt = 1;
  let reused: string | undefined;
  for (; ; attempt++) {
    const outcome = await pushRef(c.git, c.remote, `refs/heads/${branch}`, branch, c.options.env);
    if (outcome.ok) break;
    if (outcome.rejected) {
      reused = sameChangeOnRemote(c, branch, commit);
      if (reused !== undefined) {
        c.log(`${where(c, branch)} exists already with this same change (${reused.slice(0, 12)}, from an earlier run); using it\n`);
        c.git.run(['branch', '-q', '-f', branch, reused]);
        break;
      }
    }
    const delay = outcome.transient ? nextDelay(c.policy, attempt, startedAt) : undefined;
    if (delay === undefined) {
      const hint = outcome.rejected ? `; ${where(c, branch)} exists with a different change: finish or delete that promotion (git push ${c.remote} --delete ${branch})` : '';
      throw new PromotionError(`git push ${c.remote} ${branch} failed: ${outcome.message}${hint}\nNOT PUSHED: ${subject}. ${deleteLocalBranch(c, branch)}`);
    }
    c.log(`${where(c, branch)} could not be reached (push failed: ${outcome.message}); retrying in ${seconds(delay)} (attempt ${attempt + 1} of ${c.policy.attempts})\n`);
    await c.policy.clock.sleep(delay);
  }
  const pushedCommit = reused ?? commit;
  if (!c.options.pr) return { ...result, commit: pushedCommit, pushed: true, attempts: attempt };
  try {
    const { owner, repo } = githubRepository(c.platform.repoURL, c.options.env);
    const pullRequest = await openPullRequest({
      apiUrl: c.options.env.GITHUB_API_URL ?? 'https://api.github.com',
      token: c.options.env.GITHUB_TOKEN!,
      owner,
      repo,
      head: branch,
      base: c.platform.targetRevision,
      title: subject,
      body: reviewChecklist(result.plan, c.request.now),
      http: c.options.http,
    });
    return { ...result, commit: pushedCommit, pushed: true, attempts: attempt, pullRequest };
  } catch (e) {
    const lines = [`${(e as Error).message}`, `NOT PROPOSED: ${subject}: no pull request was opened.`];
    if (reused !== undefined) {
      lines.push(`${where(c, branch)} (from an earlier run) is left as it was; a rerun uses it again.`);
    } else {
      const deleted = await deleteRemoteBranch(c.git, c.remote, branch, commit, c.options.env).catch((err: unknown) => ({ ok: false as const, message: (err as Error).message }));
      lines.push(
        deleted.ok
          ? `Deleted ${branch} on ${c.remote} again.`
          : `Could not delete ${branch} on ${c.remote} (${deleted.message}): delete it with 'git push ${c.remote} --delete ${branch}', or rerun: a rerun uses the branch when it holds the same change.`,
      );
    }
    lines.push(deleteLocalBranch(c, branch));
    throw new PromotionError(lines.join('\n'));
  }
}

/** The remote's commit of `branch` when it holds exactly the tree of `commit` (an earlier run of the same promotion). */
function sameChangeOnRemote(c: Context, branch: string, commit: string): string | undefined {
  try {
    const theirs = fetchBranch(c.git, c.remote, branch, c.options.env);
    if (theirs === undefined) return undefined;
    const [ours, their] = [c.git.run(['rev-parse', `${commit}^{tree}`]).trim(), c.git.run(['rev-parse', `${theirs}^{tree}`]).trim()];
    return ours === their ? theirs : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes the local promote/ branch (the checkout is not on it), so a rerun is not refused; says what happened. */
function deleteLocalBranch(c: Context, branch: string): string {
  try {
    c.git.run(['branch', '-q', '-D', branch]);
    return `The local branch ${branch} is deleted; rerun the promotion.`;
  } catch (e) {
    return `The local branch ${branch} could not be deleted (${(e as Error).message}); delete it (git branch -D ${branch}) before rerunning.`;
  }
}

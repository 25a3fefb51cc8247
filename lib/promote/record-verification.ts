/**
 * Writing a verification record (`ferry verify record`): an empty commit on the current branch,
 * pushed with retries under the checkout's promotion lock. Apart from the reading side
 * (verification-record.ts), which status and history load without the push machinery.
 */
import type { Platform } from '../../model/platform.js';
import { Git } from '../git/git.js';
import { PromotionLock } from './lock.js';
import { pushRef, syncToRemote } from './publish.js';
import { nextDelay, resolveRetryPolicy, type RetryPolicy } from './push-retry.js';
import { checkVerification, VerificationError, verificationMessage, VerificationRecords, type CheckedVerification, type VerificationRequest } from './verification-record.js';

/** How the record reaches the remote. */
export interface RecordOptions {
  /**
   * Push the record to the current branch on `remote`, retried when the remote moved.
   * @default false
   */
  readonly push?: boolean;
  /** @default 'origin' */
  readonly remote?: string;
  /** Push attempts, total time, backoff and clock (tests inject one). */
  readonly retry?: RetryPolicy;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Progress lines (retries). */
  readonly log?: (line: string) => void;
}

/** What recording did. */
export interface RecordResult {
  readonly verification: CheckedVerification;
  /** The record's commit (an earlier one when the same record was already there). */
  readonly commit: string;
  /** False when the branch already held the same latest record (a repeated notification). */
  readonly recorded: boolean;
  readonly pushed: boolean;
  readonly attempts: number;
}

/**
 * Records a verification as an empty commit on the current branch (`git commit-tree` on HEAD's
 * tree, so nothing staged goes into it) and, with `push`, pushes it; a rejected push is undone,
 * the branch reset to the remote and the record made again after a jittered backoff, within the
 * retry policy. A record equal to the latest one of that tag (same result and revision) is not
 * made twice. Holds the checkout's promotion lock throughout.
 */
export async function recordVerification(root: string, platform: Platform, request: VerificationRequest, options: RecordOptions): Promise<RecordResult> {
  const git = new Git(root, options.env);
  const checked = checkVerification(root, platform, request, git);
  const remote = options.remote ?? 'origin';
  const push = options.push ?? false;
  const branch = git.currentBranch();
  if (branch === undefined) throw new VerificationError('cannot record from a detached HEAD; check out the branch Argo CD tracks');
  if (push && git.remoteUrl(remote) === undefined) throw new VerificationError(`git remote '${remote}' does not exist; add it or pass --remote`);
  const policy = resolveRetryPolicy(options.retry, options.env);
  const message = verificationMessage(checked);
  const log = options.log ?? (() => undefined);
  return PromotionLock.hold(git.gitDir(), `verify record ${checked.service} --env ${checked.environment}`, async () => {
    const startedAt = policy.clock.now();
    for (let attempt = 1; ; attempt++) {
      const latest = VerificationRecords.read(git).latest(checked.environment, checked.service, checked.tag);
      if (latest && latest.result === checked.result && latest.revision === checked.revision) {
        return { verification: checked, commit: latest.commit, recorded: false, pushed: false, attempts: attempt };
      }
      const parent = git.run(['rev-parse', 'HEAD']).trim();
      const commit = git.run(['commit-tree', `${parent}^{tree}`, '-p', parent, '-F', '-'], { input: message }).trim();
      git.run(['update-ref', '-m', 'ferry verify record', 'HEAD', commit, parent]);
      if (!push) return { verification: checked, commit, recorded: true, pushed: false, attempts: attempt };
      const outcome = await pushRef(git, remote, 'HEAD', branch, options.env);
      if (outcome.ok) return { verification: checked, commit, recorded: true, pushed: true, attempts: attempt };
      // Not pushed: the local record goes, so the branch never holds a record the remote lacks.
      git.run(['update-ref', '-m', 'ferry verify record: undo', 'HEAD', parent, commit]);
      const subject = message.split('\n')[0]!;
      const delay = outcome.rejected || outcome.transient ? nextDelay(policy, attempt, startedAt) : undefined;
      if (delay === undefined) {
        throw new VerificationError(`git push ${remote} ${branch} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${outcome.message}\nNOT RECORDED: ${subject}; the local commit is undone: rerun 'ferry verify record'`);
      }
      log(`${remote}/${branch} ${outcome.rejected ? 'moved' : 'could not be reached'} (${outcome.message}); fetching and recording again in ${delay} ms (attempt ${attempt + 1} of ${policy.attempts})\n`);
      await policy.clock.sleep(delay);
      syncToRemote(git, remote, branch, options.env);
    }
  });
}

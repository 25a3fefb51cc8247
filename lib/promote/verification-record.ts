/**
 * Verification records: what the cluster reported about a deployment (Argo CD synced it and it is
 * Healthy, it went Degraded, its Rollout aborted), kept in git as an empty commit with trailers on
 * the default branch. A commit rather than a git note or a file: notes are not fetched by most
 * clones (actions/checkout included) and are lost by rebases; a file would conflict between
 * concurrent records. An empty commit on the branch survives every merge strategy of the
 * promotion pull requests (it is on the first-parent line, never in a pull request), and two
 * concurrent records never conflict: the push retries (lib/promote/push-retry.ts) simply replay
 * it on top of the other.
 */
import { readProjectName, stackFileName } from '../../model/stack-config.js';
import { isVerificationResult, VERIFICATION_RESULTS, type Verification, type VerificationLedger, type VerificationResult } from '../../model/verification.js';
import type { Platform } from '../../model/platform.js';
import { isCommitId } from '../git/commit-id.js';
import { Git } from '../git/git.js';
import { StackFile } from './stack-file.js';
import { StackHistory } from './stack-history.js';
import { parseTrailers } from './trailers.js';

export type { Verification, VerificationResult } from '../../model/verification.js';

/** Trailer keys of a verification record. */
export const VERIFICATION_TRAILER = {
  environment: 'Verified-Environment',
  service: 'Verified-Service',
  tag: 'Verified-Tag',
  result: 'Verification',
  revision: 'Verified-Revision',
  detail: 'Verification-Detail',
} as const;

/** Subject prefix of a record, `chore(verify): api v1.2.3 in stage healthy`. */
export const VERIFICATION_SUBJECT = 'chore(verify): ';

/** Longest detail kept in a record: Argo CD messages can hold whole resource lists. */
const MAX_DETAIL = 300;

/** The verification records of a branch, oldest first. */
export class VerificationRecords implements VerificationLedger {
  /** Reads every record on the first-parent line of `ref` (one `git log`); none in an empty repository. */
  public static read(git: Git, ref = 'HEAD'): VerificationRecords {
    if (!git.hasCommits()) return new VerificationRecords([]);
    return VerificationRecords.fromLog(git.run(recordsLogArgs(ref)));
  }

  /** Like {@link read}, with git's log running while the caller goes on. */
  public static async readAsync(git: Git, ref = 'HEAD'): Promise<VerificationRecords> {
    if (!git.hasCommits()) return new VerificationRecords([]);
    return VerificationRecords.fromLog(await git.runAsync(recordsLogArgs(ref)));
  }

  private static fromLog(out: string): VerificationRecords {
    const records: Verification[] = [];
    for (const chunk of out.split('\x1e')) {
      const [commit, date, author, trailerText] = chunk.replace(/^\n/, '').split('\0');
      if (!commit || trailerText === undefined) continue;
      const record = parseRecord(commit.trim(), new Date(date!), author!, parseTrailers(trailerText));
      if (record) records.push(record);
    }
    return new VerificationRecords(records);
  }

  public constructor(
    /** Oldest first. */
    public readonly records: readonly Verification[],
  ) {}

  public latest(environment: string, service: string, tag: string): Verification | undefined {
    for (let i = this.records.length - 1; i >= 0; i--) {
      const r = this.records[i]!;
      if (r.environment === environment && r.service === service && r.tag === tag) return r;
    }
    return undefined;
  }
}

/**
 * The records of the repository at `root` (undefined outside git), read while the caller goes on:
 * `ferry status` and `history` start this before the platform loads, since it needs no platform.
 * A failure rejects where the promise is awaited; a caller that stops earlier (a platform that does
 * not load, an unknown service) never awaits it, and its own error is the one reported.
 */
export function readVerificationsAsync(root: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<VerificationRecords | undefined> {
  const git = new Git(root, env);
  const reading = git.isRepositoryAsync().then((inGit) => (inGit ? VerificationRecords.readAsync(git) : undefined));
  reading.catch(() => undefined);
  return reading;
}

/** The first-parent log of the records on `ref`, oldest first. */
function recordsLogArgs(ref: string): string[] {
  return ['log', '--first-parent', '--reverse', `--grep=^${VERIFICATION_TRAILER.result}: `, '--format=%H%x00%cI%x00%an%x00%(trailers:only,unfold)%x1e', ref, '--'];
}

/** A record from its trailers; undefined for a commit that only looks like one (a key missing or unknown result). */
function parseRecord(commit: string, date: Date, author: string, trailers: Readonly<Record<string, readonly string[]>>): Verification | undefined {
  const one = (key: string) => {
    const values = trailers[key];
    return values?.length === 1 ? values[0] : undefined;
  };
  const environment = one(VERIFICATION_TRAILER.environment);
  const service = one(VERIFICATION_TRAILER.service);
  const tag = one(VERIFICATION_TRAILER.tag);
  const result = one(VERIFICATION_TRAILER.result);
  if (!environment || !service || !tag || !isVerificationResult(result)) return undefined;
  return { environment, service, tag, result, detail: one(VERIFICATION_TRAILER.detail) || undefined, revision: one(VERIFICATION_TRAILER.revision), commit, date, author };
}

/** What to record. */
export interface VerificationRequest {
  readonly environment: string;
  readonly service: string;
  /**
   * The tag verified.
   * @default - the tag `Pulumi.<env>.yaml` names at `revision`
   */
  readonly tag?: string;
  /**
   * The commit Argo CD synced when it reported; the tag is checked against the stack file at it.
   * @default - unknown: `tag` is required
   */
  readonly revision?: string;
  readonly result: VerificationResult;
  /**
   * What the cluster said, one line (longer text is cut to 300 characters).
   * @default - none
   */
  readonly detail?: string;
}

/** A request that cannot be recorded as given. */
export class VerificationError extends Error {}

/** The request with its tag resolved and checked against git. */
export interface CheckedVerification extends VerificationRequest {
  readonly tag: string;
}

/**
 * Checks the request against the platform and git: known environment and service, a known result,
 * a commit id for the revision, and a tag that has run in the environment (at `revision`, when given).
 */
export function checkVerification(root: string, platform: Platform, request: VerificationRequest, git: Git): CheckedVerification {
  const environment = platform.environment(request.environment).name;
  const service = platform.service(request.service).name;
  if (!isVerificationResult(request.result)) {
    throw new VerificationError(`--result ${JSON.stringify(request.result)} is not a verification result; allowed: ${VERIFICATION_RESULTS.join(', ')}`);
  }
  if (request.revision !== undefined && !isCommitId(request.revision)) {
    throw new VerificationError(`--revision ${JSON.stringify(request.revision)} is not a git commit id (7 to 40 lowercase hex digits)`);
  }
  if (!git.isRepository()) throw new VerificationError(`${root} is not a git repository; verifications are recorded in git`);
  const project = readProjectName(root);
  const file = stackFileName(environment);
  let tag = request.tag;
  if (request.revision !== undefined) {
    if (git.resolveCommit(request.revision) === undefined) throw new VerificationError(`--revision ${request.revision}: no such commit in this repository; fetch it first`);
    const text = git.readFileAt(request.revision, file);
    const atRevision = text === undefined ? undefined : StackFile.parse(text, file, project).tagOf(service);
    if (atRevision === undefined) throw new VerificationError(`${file} at ${request.revision.slice(0, 12)}: ${project}:images.${service} is not set; that commit deployed no ${service} to ${environment}`);
    if (tag !== undefined && tag !== atRevision) {
      throw new VerificationError(`--tag ${tag} does not match ${file} at ${request.revision.slice(0, 12)}, which names ${project}:images.${service} ${atRevision}; the cluster reported a revision that deployed another tag`);
    }
    tag = atRevision;
  }
  if (tag === undefined) throw new VerificationError('give the tag verified with --tag, or the commit Argo CD synced with --revision');
  const ran = StackHistory.read(git, environment, file, project).tagsOf(service);
  if (!ran.includes(tag)) {
    throw new VerificationError(`${tag} has never run in ${environment} (git history of ${file}: ${project}:images.${service} held ${ran.slice(0, 5).join(', ') || 'nothing'}); nothing to verify`);
  }
  const detail = request.detail?.replace(/\s+/g, ' ').trim();
  return { environment, service, tag, result: request.result, revision: request.revision, detail: detail ? (detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 1)}…` : detail) : undefined };
}

/** The commit message of a record. */
export function verificationMessage(v: CheckedVerification): string {
  const lines = [
    `${VERIFICATION_SUBJECT}${v.service} ${v.tag} in ${v.environment} ${v.result}`,
    '',
    `${VERIFICATION_TRAILER.environment}: ${v.environment}`,
    `${VERIFICATION_TRAILER.service}: ${v.service}`,
    `${VERIFICATION_TRAILER.tag}: ${v.tag}`,
    `${VERIFICATION_TRAILER.result}: ${v.result}`,
  ];
  if (v.revision !== undefined) lines.push(`${VERIFICATION_TRAILER.revision}: ${v.revision}`);
  if (v.detail !== undefined) lines.push(`${VERIFICATION_TRAILER.detail}: ${v.detail}`);
  return `${lines.join('\n')}\n`;
}

/**
 * What the cluster reported about a deployment, as recorded in git: the data types of a
 * verification record and the view of them the `verified` gate reads. Reading and writing the
 * records lives in lib/promote/verification-record.ts.
 */

/** How a deployment ended: Synced and Healthy, Degraded, or its Rollout aborted. */
export type VerificationResult = 'healthy' | 'degraded' | 'aborted';

export const VERIFICATION_RESULTS: readonly VerificationResult[] = ['healthy', 'degraded', 'aborted'];

/** One verification of one service's tag in one environment: a commit with trailers. */
export interface Verification {
  readonly environment: string;
  readonly service: string;
  readonly tag: string;
  readonly result: VerificationResult;
  /** What the cluster said (Argo CD's health message, the Rollout's abort reason), when it said anything. */
  readonly detail: string | undefined;
  /** The git commit Argo CD had synced when it reported, when known. */
  readonly revision: string | undefined;
  /** The record's own commit. */
  readonly commit: string;
  /** Committer date of the record: when it landed. */
  readonly date: Date;
  readonly author: string;
}

/** The verifications a gate may read. */
export interface VerificationLedger {
  /** The latest record of `tag` of `service` in `environment`, or undefined when none was made. */
  latest(environment: string, service: string, tag: string): Verification | undefined;
}

/** Whether `value` is one of {@link VERIFICATION_RESULTS}. */
export function isVerificationResult(value: unknown): value is VerificationResult {
  return (VERIFICATION_RESULTS as readonly unknown[]).includes(value);
}

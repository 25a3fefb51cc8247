/**
 * When a push that lost a race is tried again: jittered exponential backoff ("full jitter": a
 * uniform delay in [0, min(maxDelay, scale * 2^(n-1))) after the n-th failure), bounded in count
 * and in total time. The scale is the larger of the base delay and how long the failed attempt
 * took (fetch, promote again, push): when many clones push to one branch, an attempt takes as long
 * as the machines are busy, and losers that wait about that long before trying again let the
 * winner finish instead of redoing their work beside it. One that keeps losing gives up loudly
 * instead of retrying forever.
 */
/** Time as the retries see it; tests inject a fake one. */
export interface RetryClock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_RETRY_CLOCK: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** How often and how long a rejected push is retried. */
export interface RetryPolicy {
  /**
   * Push attempts in all (the first one included).
   * @default 12 (env FERRY_PUSH_ATTEMPTS)
   */
  readonly attempts?: number;
  /**
   * Milliseconds from the first push after which no new attempt starts.
   * @default 120000 (env FERRY_PUSH_TIMEOUT_MS)
   */
  readonly totalMs?: number;
  /**
   * Lower bound of the scale of the first delay (the scale is the failed attempt's duration
   * when longer), doubled after each failure.
   * @default 250
   */
  readonly baseDelayMs?: number;
  /**
   * Upper bound of any one delay.
   * @default 30000
   */
  readonly maxDelayMs?: number;
  /** @default SYSTEM_RETRY_CLOCK */
  readonly clock?: RetryClock;
  /**
   * Uniform random numbers in [0, 1).
   * @default Math.random
   */
  readonly random?: () => number;
}

export const DEFAULT_PUSH_ATTEMPTS = 12;
export const DEFAULT_PUSH_TIMEOUT_MS = 120_000;

/** A policy with every default filled in. */
export type ResolvedRetryPolicy = Required<RetryPolicy>;

/** The policy: what the caller gave, else FERRY_PUSH_ATTEMPTS / FERRY_PUSH_TIMEOUT_MS, else the defaults. */
export function resolveRetryPolicy(policy: RetryPolicy = {}, env: Readonly<Record<string, string | undefined>> = {}): ResolvedRetryPolicy {
  return {
    attempts: policy.attempts ?? positiveInt(env, 'FERRY_PUSH_ATTEMPTS') ?? DEFAULT_PUSH_ATTEMPTS,
    totalMs: policy.totalMs ?? positiveInt(env, 'FERRY_PUSH_TIMEOUT_MS') ?? DEFAULT_PUSH_TIMEOUT_MS,
    baseDelayMs: policy.baseDelayMs ?? 250,
    maxDelayMs: policy.maxDelayMs ?? 30_000,
    clock: policy.clock ?? SYSTEM_RETRY_CLOCK,
    random: policy.random ?? Math.random,
  };
}

function positiveInt(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new Error(`${name} '${text}' is not a positive whole number`);
  return Number(text);
}

/** The delay after the `failures`-th failed attempt (1-based), which took `attemptMs`. */
export function backoffDelay(policy: ResolvedRetryPolicy, failures: number, attemptMs = 0): number {
  const scale = Math.max(policy.baseDelayMs, attemptMs);
  const ceiling = Math.min(policy.maxDelayMs, scale * 2 ** Math.max(0, failures - 1));
  return Math.floor(policy.random() * ceiling);
}

/**
 * Whether another attempt may start, and after which delay: undefined when the attempts are used
 * up or the delay would end past the total time (counted from `startedAt`).
 */
export function nextDelay(policy: ResolvedRetryPolicy, failures: number, startedAt: number, attemptMs = 0): number | undefined {
  if (failures >= policy.attempts) return undefined;
  const delay = backoffDelay(policy, failures, attemptMs);
  if (policy.clock.now() + delay - startedAt > policy.totalMs) return undefined;
  return delay;
}

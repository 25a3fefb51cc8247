/**
 * Waiting for an Argo CD Application to converge after a promotion: pure judgement of one status,
 * and a polling loop with an injectable clock, so tests run in milliseconds.
 */

/** One Rollout (argoproj.io) among the Application's resources. */
export interface RolloutStatus {
  readonly name: string;
  readonly health: string;
  readonly message?: string;
}

/** What `GET /api/v1/applications/<name>` says, reduced to what the verdict needs. */
export interface ApplicationStatus {
  /** status.sync.status: Synced, OutOfSync or Unknown. */
  readonly sync: string;
  /** status.health.status: Healthy, Progressing, Degraded, Suspended, Missing or Unknown. */
  readonly health: string;
  readonly healthMessage?: string;
  /** status.sync.revision: the git commit Argo CD compared against. */
  readonly revision?: string;
  /** status.operationState.phase: Running, Succeeded, Failed, Error or Terminating. */
  readonly operationPhase?: string;
  readonly operationMessage?: string;
  readonly rollouts: readonly RolloutStatus[];
}

/** Reads the fields the verdict needs from an Argo CD Application JSON; missing ones become 'Unknown'. */
export function applicationStatus(app: unknown): ApplicationStatus {
  const status = (app as { status?: Record<string, any> } | null)?.status ?? {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const resources: unknown[] = Array.isArray(status.resources) ? status.resources : [];
  const rollouts = resources
    .filter((r): r is Record<string, any> => typeof r === 'object' && r !== null && (r as any).kind === 'Rollout' && (r as any).group === 'argoproj.io')
    .map((r) => ({ name: String(r.name), health: str(r.health?.status) ?? 'Unknown', message: str(r.health?.message) }));
  return {
    sync: str(status.sync?.status) ?? 'Unknown',
    health: str(status.health?.status) ?? 'Unknown',
    healthMessage: str(status.health?.message),
    revision: str(status.sync?.revision),
    operationPhase: str(status.operationState?.phase),
    operationMessage: str(status.operationState?.message),
    rollouts,
  };
}

export type Verdict =
  | { readonly kind: 'healthy'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'pending'; readonly reason: string };

function withMessage(text: string, message?: string): string {
  return message ? `${text}: ${message}` : text;
}

/**
 * Judges one status. Healthy: Synced, Healthy, no operation running and every Rollout Healthy
 * (a blue-green Rollout paused for promotion is Suspended: still pending). Failed: the sync
 * operation failed, or the Application or a Rollout is Degraded (an aborted Rollout is Degraded).
 * With `revision`, nothing counts until Argo CD has compared against that commit.
 */
export function judge(status: ApplicationStatus, revision?: string): Verdict {
  if (revision !== undefined && !(status.revision ?? '').startsWith(revision) && !revision.startsWith(status.revision ?? '\0')) {
    return { kind: 'pending', reason: `Argo CD is at revision ${status.revision?.slice(0, 12) ?? 'unknown'}, waiting for ${revision.slice(0, 12)}` };
  }
  if (status.operationPhase === 'Failed' || status.operationPhase === 'Error') {
    return { kind: 'failed', reason: withMessage(`sync operation ${status.operationPhase}`, status.operationMessage) };
  }
  const degraded = status.rollouts.find((r) => r.health === 'Degraded');
  if (degraded) return { kind: 'failed', reason: withMessage(`Rollout ${degraded.name} is Degraded`, degraded.message) };
  if (status.health === 'Degraded') return { kind: 'failed', reason: withMessage('health Degraded', status.healthMessage) };
  if (status.sync !== 'Synced') return { kind: 'pending', reason: `sync ${status.sync}` };
  if (status.operationPhase === 'Running' || status.operationPhase === 'Terminating') {
    return { kind: 'pending', reason: withMessage(`sync operation ${status.operationPhase}`, status.operationMessage) };
  }
  const unfinished = status.rollouts.find((r) => r.health !== 'Healthy');
  if (unfinished) return { kind: 'pending', reason: withMessage(`Rollout ${unfinished.name} is ${unfinished.health}`, unfinished.message) };
  if (status.health !== 'Healthy') return { kind: 'pending', reason: withMessage(`health ${status.health}`, status.healthMessage) };
  const rollouts = status.rollouts.length > 0 ? `, Rollout ${status.rollouts.map((r) => r.name).join(', ')} Healthy` : '';
  return { kind: 'healthy', reason: `Synced and Healthy${rollouts}` };
}

/** Time, injectable: tests pass a fake whose sleep advances now. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** An answer from the API that waiting will not change (401, 403, 404): stop at once. */
export class FatalApiError extends Error {}

export interface WaitOptions {
  /** Fetches the current status; throws FatalApiError to stop, any other error is retried. */
  readonly fetchStatus: () => Promise<ApplicationStatus>;
  /** Give up after this many milliseconds. */
  readonly timeoutMs: number;
  /** Pause between polls, in milliseconds. */
  readonly intervalMs: number;
  /**
   * Git commit Argo CD must have synced.
   * @default - any revision
   */
  readonly revision?: string;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /**
   * Called with a line whenever the state changes.
   * @default - silent
   */
  readonly onProgress?: (elapsedMs: number, line: string) => void;
}

export interface WaitResult {
  readonly outcome: 'healthy' | 'failed' | 'timeout';
  readonly reason: string;
  readonly polls: number;
  readonly elapsedMs: number;
}

/** Polls until healthy, failed or timed out. FatalApiError propagates. */
export async function waitForApplication(options: WaitOptions): Promise<WaitResult> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const start = clock.now();
  let polls = 0;
  let last = '';
  for (;;) {
    polls++;
    let verdict: Verdict;
    try {
      verdict = judge(await options.fetchStatus(), options.revision);
    } catch (e) {
      if (e instanceof FatalApiError) throw e;
      verdict = { kind: 'pending', reason: `Argo CD did not answer: ${(e as Error).message}` };
    }
    const elapsedMs = clock.now() - start;
    if (verdict.reason !== last) options.onProgress?.(elapsedMs, verdict.reason);
    last = verdict.reason;
    if (verdict.kind !== 'pending') return { outcome: verdict.kind, reason: verdict.reason, polls, elapsedMs };
    if (elapsedMs + options.intervalMs > options.timeoutMs) {
      return { outcome: 'timeout', reason: `not Synced and Healthy after ${formatDuration(options.timeoutMs)}; last: ${verdict.reason}`, polls, elapsedMs };
    }
    await clock.sleep(options.intervalMs);
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** '10m', '30s', '1h', '1m30s', '500ms' → milliseconds; `where` names the flag in the error. */
export function parseDuration(text: string, where: string): number {
  const parts = /^(\d+(ms|h|m|s))+$/.test(text) ? [...text.matchAll(/(\d+)(ms|h|m|s)/g)] : [];
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNITS[unit!]!, 0);
  if (parts.length === 0 || ms <= 0) throw new Error(`${where}: ${JSON.stringify(text)} is not a duration; allowed: a positive number with ms, s, m or h, like 10m, 30s or 1m30s`);
  return ms;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

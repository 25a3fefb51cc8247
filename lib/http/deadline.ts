/**
 * An overall deadline for a group of requests, as an AbortSignal whose abort reason says which
 * deadline passed and how long it was, so a timed-out request can name its cause.
 */

/** The reason a deadline signal aborts with. */
export class DeadlineExceeded extends Error {
  public constructor(
    /** What the deadline bounds, e.g. 'registry check'. */
    public readonly what: string,
    public readonly ms: number,
  ) {
    super(`the ${what} deadline of ${formatMs(ms)}`);
  }
}

/** A deadline that can be released early, so its timer does not outlive the work. */
export interface Deadline {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Aborts after `ms` with a DeadlineExceeded reason (or when `parent` aborts). The timer is unref'd:
 * a pending deadline never keeps the process alive.
 */
export function deadline(ms: number, what: string, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(what, ms)), ms);
  timer.unref?.();
  const onParent = () => controller.abort(parent!.reason);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/** 1500 → '1.5s', 60000 → '60s', 250 → '250ms'. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}

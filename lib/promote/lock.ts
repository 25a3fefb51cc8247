import { AsyncLocalStorage } from 'node:async_hooks';
import { join } from 'node:path';
import { LockBusyError, LockFile, describeHolder } from '../fs/lock-file.js';

export { isStale, type LockHolder } from '../fs/lock-file.js';

/** File name of the lock, inside the .git directory of the checkout. */
export const LOCK_FILE = 'ferry-promote.lock';

/** Another promotion holds the lock. */
export class LockedError extends Error {}

/**
 * Lock paths held by the current asynchronous call chain (see {@link PromotionLock.hold}): an
 * acquire inside it joins the held lock instead of failing on it. Scoped to the call chain, so
 * two promotions started side by side in one process still exclude each other.
 */
const held = new AsyncLocalStorage<ReadonlySet<string>>();

/**
 * An exclusive lock on one checkout, so two promotions never interleave (a {@link LockFile} in
 * the .git directory). A second promotion fails at once rather than waiting: it was planned
 * against a state the first one is about to change.
 */
export class PromotionLock {
  /** Takes the lock or throws a LockedError naming the holder; inside {@link hold} of the same lock, joins it. */
  public static acquire(gitDir: string, command: string): PromotionLock {
    const path = join(gitDir, LOCK_FILE);
    if (held.getStore()?.has(path)) return new PromotionLock(undefined, path);
    try {
      return new PromotionLock(LockFile.acquire(path, command), path);
    } catch (e) {
      if (!(e instanceof LockBusyError)) throw e;
      throw new LockedError(`another promotion is running in this checkout (${describeHolder(e.holder)}); wait for it to finish, or remove ${path} if that process is gone`);
    }
  }

  /**
   * Runs `fn` holding the lock from start to end (a promotion's commit, push, retries and pull
   * request), releasing it after; promotions `fn` runs join it.
   */
  public static async hold<T>(gitDir: string, command: string, fn: () => Promise<T>): Promise<T> {
    const lock = PromotionLock.acquire(gitDir, command);
    try {
      return await held.run(new Set([...(held.getStore() ?? []), lock.path]), fn);
    } finally {
      lock.release();
    }
  }

  private constructor(
    private readonly lock: LockFile | undefined,
    /** The lock file. */
    public readonly path: string,
  ) {}

  /** Removes the lock (once); a joined lock stays with its holder. */
  public release(): void {
    this.lock?.release();
  }
}

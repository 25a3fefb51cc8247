import { join } from 'node:path';
import { LockBusyError, LockFile, describeHolder } from '../fs/lock-file.js';

export { isStale, type LockHolder } from '../fs/lock-file.js';

/** File name of the lock, inside the .git directory of the checkout. */
export const LOCK_FILE = 'ferry-promote.lock';

/** Another promotion holds the lock. */
export class LockedError extends Error {}

/**
 * An exclusive lock on one checkout, so two promotions never interleave (a {@link LockFile} in
 * the .git directory). A second promotion fails at once rather than waiting: it was planned
 * against a state the first one is about to change.
 */
export class PromotionLock {
  /** Takes the lock or throws a LockedError naming the holder. */
  public static acquire(gitDir: string, command: string): PromotionLock {
    const path = join(gitDir, LOCK_FILE);
    try {
      return new PromotionLock(LockFile.acquire(path, command));
    } catch (e) {
      if (!(e instanceof LockBusyError)) throw e;
      throw new LockedError(`another promotion is running in this checkout (${describeHolder(e.holder)}); wait for it to finish, or remove ${path} if that process is gone`);
    }
  }

  private constructor(private readonly lock: LockFile) {}

  /** The lock file. */
  public get path(): string {
    return this.lock.path;
  }

  /** Removes the lock (once). */
  public release(): void {
    this.lock.release();
  }
}

import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** File name of the lock, inside the .git directory of the checkout. */
export const LOCK_FILE = 'ferry-promote.lock';

/** What a lock file records about its holder. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  readonly command: string;
}

/** Another promotion holds the lock. */
export class LockedError extends Error {}

/**
 * An exclusive lock on one checkout, so two promotions never interleave: created with O_EXCL,
 * holding pid, host and command. A lock whose process on this host is gone is stale and taken over.
 */
export class PromotionLock {
  /** Takes the lock or throws a LockedError naming the holder. */
  public static acquire(gitDir: string, command: string): PromotionLock {
    const path = join(gitDir, LOCK_FILE);
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o644);
        try {
          writeSync(fd, `${JSON.stringify(holder)}\n`);
        } finally {
          closeSync(fd);
        }
        return new PromotionLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const other = readHolder(path);
        if (other && isStale(other)) {
          rmSync(path, { force: true });
          continue;
        }
        const who = other ? `pid ${other.pid} on ${other.host}, since ${other.since}: ${other.command}` : 'holder unknown';
        throw new LockedError(`another promotion is running in this checkout (${who}); wait for it to finish, or remove ${path} if that process is gone`);
      }
    }
    throw new LockedError(`could not take ${path}: it keeps reappearing`);
  }

  private released = false;

  private constructor(public readonly path: string) {}

  public release(): void {
    if (this.released) return;
    this.released = true;
    rmSync(this.path, { force: true });
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** A holder on this host whose process no longer exists. */
export function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname() || !Number.isInteger(holder.pid)) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

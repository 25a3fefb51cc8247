import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/** What a lock file records about its holder. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  readonly command: string;
}

/** Time as a lock waits on it; tests inject a fake one so waiting costs nothing. */
export interface LockClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Blocks for `ms` milliseconds (locks are taken by synchronous writers). */
  sleep(ms: number): void;
}

/** The real clock; `sleep` blocks the thread without spinning. */
export const SYSTEM_LOCK_CLOCK: LockClock = {
  now: () => Date.now(),
  sleep: (ms) => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, ms)),
};

/** How long to wait for a held lock. */
export interface LockWaitOptions {
  /**
   * Milliseconds to wait for a live holder to let go; 0 fails at once.
   * @default 0
   */
  readonly waitMs?: number;
  /**
   * Milliseconds between two looks at the lock.
   * @default 50
   */
  readonly pollMs?: number;
  /** @default SYSTEM_LOCK_CLOCK */
  readonly clock?: LockClock;
}

/** The lock is held by a live process (or one on another host) and did not come free in time. */
export class LockBusyError extends Error {
  public constructor(
    public readonly path: string,
    public readonly holder: LockHolder | undefined,
    public readonly waitedMs: number,
  ) {
    super(`${path}: held by ${describeHolder(holder)}${waitedMs > 0 ? `; waited ${formatSeconds(waitedMs)}` : ''}`);
  }
}

/** `pid 123 on host, since <iso>: <command>`, or `holder unknown`. */
export function describeHolder(holder: LockHolder | undefined): string {
  return holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.since}: ${holder.command}` : 'holder unknown';
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * A lock file that no two processes hold at once: created with O_EXCL and holding pid, host,
 * start time and command. A holder on this host whose process is gone is stale and taken over;
 * a file that never got its content (a crash between create and write) is stale after
 * {@link UNREADABLE_STALE_MS}.
 */
export class LockFile {
  /** Takes the lock at `path`, waiting up to `options.waitMs` for a live holder; throws a LockBusyError. */
  public static acquire(path: string, command: string, options: LockWaitOptions = {}): LockFile {
    const clock = options.clock ?? SYSTEM_LOCK_CLOCK;
    const waitMs = options.waitMs ?? 0;
    const pollMs = options.pollMs ?? 50;
    const started = clock.now();
    for (;;) {
      const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date(clock.now()).toISOString(), command };
      if (tryCreate(path, `${JSON.stringify(holder)}\n`)) return new LockFile(path);
      const raw = readRaw(path);
      if (raw === undefined) continue; // released between our create and our read
      const other = parseHolder(raw);
      if (other ? isStale(other) : unreadableIsStale(path, clock)) {
        if (!breakStale(path, raw)) clock.sleep(Math.min(pollMs, 10)); // another process is breaking it
        continue;
      }
      const waited = clock.now() - started;
      if (waited >= waitMs) throw new LockBusyError(path, other, waited);
      clock.sleep(Math.min(pollMs, waitMs - waited));
    }
  }

  private released = false;

  private constructor(public readonly path: string) {}

  /** Removes the lock file (once). */
  public release(): void {
    if (this.released) return;
    this.released = true;
    rmSync(this.path, { force: true });
  }
}

/** An empty or garbled lock file older than this is a crash's leftover. */
export const UNREADABLE_STALE_MS = 10_000;

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readRaw(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(raw) as LockHolder;
    return typeof holder === 'object' && holder !== null && typeof holder.pid === 'number' ? holder : undefined;
  } catch {
    return undefined;
  }
}

function unreadableIsStale(path: string, clock: LockClock): boolean {
  try {
    return clock.now() - statSync(path).mtimeMs > UNREADABLE_STALE_MS;
  } catch {
    return false;
  }
}

/**
 * Removes a stale lock, but only if it still holds what was read: two processes that both saw
 * the stale holder must not remove each other's fresh lock. The check and the removal run under
 * a second O_EXCL file, `<path>.break`, itself stale after {@link UNREADABLE_STALE_MS}.
 */
function breakStale(path: string, raw: string): boolean {
  const breaker = `${path}.break`;
  if (!tryCreate(breaker, `${process.pid}\n`)) {
    try {
      if (Date.now() - statSync(breaker).mtimeMs > UNREADABLE_STALE_MS) rmSync(breaker, { force: true });
    } catch {
      // gone already
    }
    return false;
  }
  try {
    if (readRaw(path) === raw) rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(breaker, { force: true });
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

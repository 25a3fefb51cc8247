import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LockBusyError, LockFile, SYSTEM_LOCK_CLOCK, describeHolder, type LockClock } from './lock-file.js';

/** The lock that serialises every writer of one tree (render, promote, codeowners), at the tree's root. */
export const TREE_LOCK = '.ferry-tree.lock';
/** The folder of the transaction in flight: `staging/` (new contents), `retired/` (replaced ones), `journal.json`. */
export const TREE_TRANSACTION = '.ferry-tree.tx';

/** One file to write (`content`) or remove (`content` undefined), repository-relative with `/`. */
export interface FileWrite {
  readonly path: string;
  readonly content: string | undefined;
}

/** How a tree write takes its lock and reports its steps. */
export interface AtomicTreeOptions {
  /**
   * Recorded in the lock file, for the message another writer shows.
   * @default 'ferry <argv>'
   */
  readonly command?: string;
  /**
   * Milliseconds a writer waits for another one in the same tree before it gives up.
   * @default 30000
   */
  readonly lockWaitMs?: number;
  /** @default SYSTEM_LOCK_CLOCK */
  readonly clock?: LockClock;
  /**
   * fsync staged files and the journal before the swap, so a power loss too leaves old or new.
   * @default true
   */
  readonly durable?: boolean;
  /**
   * Called before each step that changes the disk, numbered from 1 (recovery steps included).
   * Tests crash the process here to check that every point leaves the old or the new tree.
   */
  readonly onStep?: (step: number, description: string) => void;
}

/** What recovery found and did before a write. */
export type RecoveryOutcome = 'clean' | 'discarded' | 'rolled-forward' | 'rolled-back';

/** Another writer holds the tree and did not finish in time. */
export class TreeBusyError extends Error {}

/** One operation of a transaction, as the journal records it. */
interface JournalOp {
  readonly path: string;
  /** True: a staged file replaces or adds the path. False: the path is removed. */
  readonly write: boolean;
  /** The path was a file before the transaction (then it is moved to `retired/` first). */
  readonly existed: boolean;
}

interface Journal {
  readonly version: 1;
  readonly ops: readonly JournalOp[];
}

/**
 * Writes `changes` under `root` so that after a crash at any point (SIGKILL included) the tree is
 * either wholly old or wholly new, once the next writer has run.
 *
 * 1. Take the tree lock ({@link TREE_LOCK}, O_EXCL, pid + host; a dead holder's lock is taken
 *    over, a live one is waited for up to `lockWaitMs`).
 * 2. Recover what a crashed writer left (see {@link recoverTree}).
 * 3. Call `plan` under the lock (so what it compares with is what gets replaced), keep only the
 *    changes that differ from the disk.
 * 4. Stage every new file in `.ferry-tree.tx/staging/` (fsync'd), then write `journal.json`
 *    (to a temporary name, fsync, rename: the commit point).
 * 5. Apply: each replaced or removed file is renamed into `retired/`, each staged one into place.
 *    An error here rolls every step back and rethrows.
 * 6. Remove folders that removals left empty, the journal, the transaction folder, the lock.
 *
 * A crash before the journal exists leaves the old tree (recovery discards the staging); after,
 * recovery rolls the journal forward (or back, if a step cannot be redone).
 * @returns what `plan` returned
 */
export function updateTreeAtomically<T>(root: string, plan: () => { readonly changes: readonly FileWrite[]; readonly result: T }, options: AtomicTreeOptions = {}): T {
  const lock = takeTreeLock(root, options);
  try {
    const steps = stepper(options);
    recover(root, steps);
    const { changes, result } = plan();
    const ops = planOps(root, changes);
    if (ops.length > 0) commit(root, ops, changes, options.durable ?? true, steps);
    return result;
  } finally {
    lock.release();
  }
}

/** Writes (and removes) `changes` as one atomic transaction; see {@link updateTreeAtomically}. */
export function writeFilesAtomically(root: string, changes: readonly FileWrite[], options: AtomicTreeOptions = {}): void {
  checkPaths(changes);
  updateTreeAtomically(root, () => ({ changes, result: undefined }), options);
}

/**
 * Finishes what a crashed writer left under `root`, under the tree lock: a committed journal is
 * rolled forward (or back, if a step cannot be redone), an uncommitted staging folder discarded,
 * leftovers of older ferry versions (`.render-*` folders, `.<pid>.ferry-tmp` files) of dead
 * processes removed.
 */
export function recoverTree(root: string, options: AtomicTreeOptions = {}): RecoveryOutcome {
  const lock = takeTreeLock(root, options);
  try {
    return recover(root, stepper(options));
  } finally {
    lock.release();
  }
}

type Step = (description: string) => void;

function stepper(options: AtomicTreeOptions): Step {
  let count = 0;
  return (description) => options.onStep?.(++count, description);
}

function takeTreeLock(root: string, options: AtomicTreeOptions): LockFile {
  const path = join(root, TREE_LOCK);
  const waitMs = options.lockWaitMs ?? 30_000;
  try {
    return LockFile.acquire(path, options.command ?? `ferry ${process.argv.slice(2).join(' ')}`.trim(), { waitMs, clock: options.clock ?? SYSTEM_LOCK_CLOCK });
  } catch (e) {
    if (!(e instanceof LockBusyError)) throw e;
    throw new TreeBusyError(
      `${root}: another ferry process is writing this tree (${describeHolder(e.holder)}); waited ${Math.round(e.waitedMs / 1000)} s for it. ` +
        `Run again when it has finished, or remove ${path} if that process is gone`,
    );
  }
}

/** Refuses paths that could leave the tree or touch the transaction's own files. */
function checkPaths(changes: readonly FileWrite[]): void {
  const seen = new Set<string>();
  for (const { path } of changes) {
    const parts = path.split('/');
    if (path === '' || path.startsWith('/') || path.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
      throw new Error(`refusing to write ${JSON.stringify(path)}: not a plain repository-relative path`);
    }
    if (parts[0] === TREE_TRANSACTION || parts[0]!.startsWith(TREE_LOCK)) throw new Error(`refusing to write ${path}: ferry's own transaction files`);
    if (seen.has(path)) throw new Error(`refusing to write ${path}: given twice`);
    seen.add(path);
  }
}

/** The journal operations for `changes`: only what differs from the disk; removals first, so a file can give way to a folder. */
function planOps(root: string, changes: readonly FileWrite[]): JournalOp[] {
  checkPaths(changes);
  const removals: JournalOp[] = [];
  const writes: JournalOp[] = [];
  // A path in a missing folder is no file: one lstat per folder instead of one per file of a fresh tree.
  const folders = new Map<string, boolean>();
  const folderExists = (dir: string) => {
    let found = folders.get(dir);
    if (found === undefined) folders.set(dir, (found = exists(join(root, dir))));
    return found;
  };
  for (const { path, content } of changes) {
    const existed = folderExists(dirname(path)) && isFile(join(root, path));
    if (content === undefined) {
      if (existed) removals.push({ path, write: false, existed });
    } else if (!existed || readFileSync(join(root, path), 'utf8') !== content) {
      writes.push({ path, write: true, existed });
    }
  }
  return [...removals, ...writes];
}

function commit(root: string, ops: readonly JournalOp[], changes: readonly FileWrite[], durable: boolean, step: Step): void {
  const tx = join(root, TREE_TRANSACTION);
  const contents = new Map(changes.map((c) => [c.path, c.content]));
  // Folders this transaction made: a fresh tree is thousands of files in a few hundred folders.
  const made = new Set<string>();
  try {
    for (const op of ops) {
      if (!op.write) continue;
      step(`stage ${op.path}`);
      writeFile(join(tx, 'staging', op.path), contents.get(op.path)!, durable, made);
    }
    const journal: Journal = { version: 1, ops };
    step('write journal');
    writeFile(join(tx, 'journal.tmp'), `${JSON.stringify(journal)}\n`, durable);
    step('commit journal');
    renameSync(join(tx, 'journal.tmp'), join(tx, 'journal.json'));
    if (durable) syncDir(tx);
  } catch (e) {
    // Not committed: the tree is untouched; the staging goes.
    rmSync(tx, { recursive: true, force: true });
    throw e;
  }
  try {
    for (const op of ops) forward(root, op, step, made, true);
  } catch (e) {
    rollBack(root, ops, step);
    finish(root, ops, step);
    throw e;
  }
  // Every write placed its file, so only removals can have left a folder empty.
  finish(root, ops.filter((op) => !op.write), step);
}

/**
 * Redoes one operation from wherever a previous attempt stopped; `firstAttempt`: the commit that
 * just staged it, so the staged file is known to be there.
 */
function forward(root: string, op: JournalOp, step: Step, made?: Set<string>, firstAttempt = false): void {
  const tx = join(root, TREE_TRANSACTION);
  const target = join(root, op.path);
  const staged = join(tx, 'staging', op.path);
  const retired = join(tx, 'retired', op.path);
  if (op.write && !firstAttempt && !exists(staged)) return; // placed already
  if (op.existed && !exists(retired) && exists(target)) {
    step(`retire ${op.path}`);
    move(target, retired, made);
  }
  if (op.write) {
    step(`place ${op.path}`);
    move(staged, target, made);
  }
}

/** Undoes every operation, newest first, from wherever they stopped. */
function rollBack(root: string, ops: readonly JournalOp[], step: Step): void {
  const tx = join(root, TREE_TRANSACTION);
  for (const op of [...ops].reverse()) {
    const target = join(root, op.path);
    const retired = join(tx, 'retired', op.path);
    // A staged file that is gone was placed: the new content is at the target.
    if (op.write && !exists(join(tx, 'staging', op.path)) && exists(target)) {
      step(`unplace ${op.path}`);
      rmSync(target, { force: true });
    }
    if (op.existed && exists(retired)) {
      step(`restore ${op.path}`);
      move(retired, target);
    }
  }
}

/** Prunes folders the transaction left empty, then forgets the transaction: journal first, so a crash here rolls forward again (a no-op). */
function finish(root: string, ops: readonly JournalOp[], step: Step): void {
  step('prune empty folders');
  // Each folder once: pruning is idempotent, and a tree's files share few folders.
  for (const dir of new Set(ops.map((op) => dirname(op.path)))) removeEmptyParents(root, dir);
  const tx = join(root, TREE_TRANSACTION);
  step('drop journal');
  rmSync(join(tx, 'journal.json'), { force: true });
  step('drop transaction folder');
  rmSync(tx, { recursive: true, force: true });
}

function recover(root: string, step: Step): RecoveryOutcome {
  removeLegacyLeftovers(root);
  const tx = join(root, TREE_TRANSACTION);
  if (!exists(tx)) return 'clean';
  const journalPath = join(tx, 'journal.json');
  if (!exists(journalPath)) {
    step('discard uncommitted staging');
    rmSync(tx, { recursive: true, force: true });
    return 'discarded';
  }
  let journal: Journal;
  try {
    journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal;
    if (journal.version !== 1 || !Array.isArray(journal.ops)) throw new Error(`unknown journal version ${JSON.stringify(journal.version)}`);
  } catch (e) {
    throw new Error(`${journalPath}: a crashed write left a journal ferry cannot read (${(e as Error).message}); check the files it names under ${root}, then remove ${tx}`);
  }
  let outcome: RecoveryOutcome = 'rolled-forward';
  try {
    for (const op of journal.ops) forward(root, op, step);
  } catch {
    // A step that failed once fails again (a file where a folder must go): back to the old tree.
    rollBack(root, journal.ops, step);
    outcome = 'rolled-back';
  }
  finish(root, journal.ops, step);
  return outcome;
}

/**
 * Older ferry versions staged in `.render-<pid>-<time>` / `.render-old-<pid>-<time>` folders and
 * `.<pid>.ferry-tmp` files at the root, and left them behind when killed.
 */
function removeLegacyLeftovers(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^\.render-(?:old-)?(\d+)-[0-9a-z]+$/.exec(name)?.[1] ?? /^\.(\d+)\.ferry-tmp$/.exec(name)?.[1];
    if (pid !== undefined && !processAlive(Number(pid))) rmSync(join(root, name), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function writeFile(path: string, content: string, durable: boolean, made?: Set<string>): void {
  makeDir(dirname(path), made);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, content);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform can fsync a folder; the rename is atomic either way.
  }
}

function move(from: string, to: string, made?: Set<string>): void {
  makeDir(dirname(to), made);
  renameSync(from, to);
}

/** `mkdir -p`, skipped for a folder in `made` (made earlier in the same transaction, and not removed since). */
function makeDir(dir: string, made: Set<string> | undefined): void {
  if (made?.has(dir)) return;
  mkdirSync(dir, { recursive: true });
  made?.add(dir);
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** Removes `dir` and its parents while empty, never the top-level folder (e.g. `manifests/` stays). */
function removeEmptyParents(root: string, dir: string): void {
  while (dir.includes('/')) {
    const full = join(root, dir);
    try {
      if (readdirSync(full).length > 0) return;
      rmdirSync(full);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}

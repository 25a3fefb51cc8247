import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LockBusyError, LockFile, SYSTEM_LOCK_CLOCK, describeHolder, type LockClock } from './lock-file.js';

/** The lock that serialises every writer of one tree (render, promote, codeowners), at the tree's root. */
export const TREE_LOCK = '.ferry-tree.lock';
/** The folder of the transaction in flight: `staging/` (new contents), `retired/` (replaced ones), `journal.json`. */
export const TREE_TRANSACTION = '.ferry-tree.tx';
/**
 * How a pre-stage folder's name starts (`.ferry-tree.prestage-<pid>-<random>` at the tree's root):
 * files written before the tree lock is taken (lib/fs/pre-stage.ts), which a transaction adopts as
 * its staging. A dead process's is removed by the next writer, a live one's never touched.
 */
export const PRE_STAGE_PREFIX = '.ferry-tree.prestage-';

/** Files written ahead of a transaction into a private folder at the tree's root (lib/fs/pre-stage.ts). */
export interface PreStagedFiles {
  /** Absolute path of the folder, which holds each file at its repository-relative path. */
  readonly folder: string;
  /** Path -> the content written there; a file counts as staged only for an op with this very content. */
  readonly files: ReadonlyMap<string, string>;
}

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
  /**
   * Files already written for this transaction (a fresh tree's, a new service's): under the lock the
   * folder becomes the staging folder with one rename, and every op whose content it holds is not
   * written again. Files it holds that the transaction does not write are dropped from the staging.
   * @default nothing pre-staged: every file is staged under the lock
   */
  readonly preStaged?: PreStagedFiles;
  /**
   * Place a folder missing from the tree (whose parent is a folder) with one rename of its staged
   * folder instead of a rename per file: a fresh tree's `manifests/`, a new service's folders. Its
   * journal op is of its own kind (journal version 2), rolled back by removing the folder.
   * @default false - a rename per file, as every writer before it
   */
  readonly moveNewFolders?: boolean;
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
  /**
   * The path is a folder missing from the tree whose parent is a folder: staging's whole folder is
   * moved into place with one rename (a fresh tree, a new service), and rolled back by removing it.
   * Only in journals of version 2.
   * @default false
   */
  readonly folder?: boolean;
}

/** A write of a file planned under the lock: `within` is the topmost missing folder holding it, if any. */
interface PlannedOp extends JournalOp {
  readonly within?: string;
}

interface Journal {
  /** 2 when an op moves a folder (an older ferry refuses such a journal instead of misreading it). */
  readonly version: 1 | 2;
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
 * 4. Stage every new file in `.ferry-tree.tx/staging/` (fsync'd; a pre-staged folder, see
 *    {@link AtomicTreeOptions.preStaged}, is renamed to the staging folder first and only what it
 *    lacks is written), then write `journal.json` (to a temporary name, fsync, rename: the commit point).
 * 5. Apply: each replaced or removed file is renamed into `retired/`, each staged one into place
 *    (with `moveNewFolders`, a folder missing from the tree is moved into place whole: one rename).
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
    const ops = planOps(root, changes, options.moveNewFolders ?? false);
    if (ops.length > 0) commit(root, ops, changes, options.durable ?? true, steps, options.preStaged);
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
    if (parts[0] === TREE_TRANSACTION || parts[0]!.startsWith(TREE_LOCK) || parts[0]!.startsWith(PRE_STAGE_PREFIX)) throw new Error(`refusing to write ${path}: ferry's own transaction files`);
    if (seen.has(path)) throw new Error(`refusing to write ${path}: given twice`);
    seen.add(path);
  }
}

/**
 * The operations for `changes`: only what differs from the disk; removals first, so a file can give
 * way to a folder. With `moveNewFolders`, a write in a folder missing from the tree carries the
 * topmost such folder.
 */
function planOps(root: string, changes: readonly FileWrite[], moveNewFolders: boolean): PlannedOp[] {
  checkPaths(changes);
  const removals: PlannedOp[] = [];
  const writes: PlannedOp[] = [];
  // One lstat per folder; a folder under a missing one is missing without one (a fresh tree: one lstat).
  const folders = new Map<string, FolderState>();
  const folderState = (dir: string): FolderState => {
    let state = folders.get(dir);
    if (state === undefined) {
      const parent = dirname(dir);
      folders.set(dir, (state = parent !== '.' && folderState(parent) === 'missing' ? 'missing' : lstatState(join(root, dir))));
    }
    return state;
  };
  /** The topmost missing folder above `path` whose parent is a folder (a rename can place it), if any. */
  const missingFolderOf = (path: string): string | undefined => {
    let top: string | undefined;
    let dir = dirname(path);
    for (; dir !== '.' && folderState(dir) === 'missing'; dir = dirname(dir)) top = dir;
    return top !== undefined && (dir === '.' || folderState(dir) === 'folder') ? top : undefined;
  };
  for (const { path, content } of changes) {
    const dir = dirname(path);
    const inFolder = dir === '.' || folderState(dir) === 'folder' || folderState(dir) === 'other';
    const existed = inFolder && isFile(join(root, path));
    if (content === undefined) {
      if (existed) removals.push({ path, write: false, existed });
    } else if (!existed) {
      const within = inFolder || !moveNewFolders ? undefined : missingFolderOf(path);
      writes.push(within === undefined ? { path, write: true, existed } : { path, write: true, existed, within });
    } else if (readFileSync(join(root, path), 'utf8') !== content) {
      writes.push({ path, write: true, existed });
    }
  }
  return [...removals, ...writes];
}

/** What `lstat` says of a path: a folder, something else (a file where a folder would go), missing (ENOENT), or unreadable. */
type FolderState = 'folder' | 'other' | 'missing' | 'unreadable';

function lstatState(path: string): FolderState {
  try {
    return lstatSync(path).isDirectory() ? 'folder' : 'other';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
}

/**
 * The journal's operations: each missing folder's writes become one op that moves the staged
 * folder, in the place of its first file; the other ops as planned.
 */
function journalOps(ops: readonly PlannedOp[]): JournalOp[] {
  const out: JournalOp[] = [];
  const moved = new Set<string>();
  for (const { within, ...op } of ops) {
    if (within === undefined) out.push(op);
    else if (!moved.has(within)) {
      moved.add(within);
      out.push({ path: within, write: true, existed: false, folder: true });
    }
  }
  return out;
}

function commit(root: string, planned: readonly PlannedOp[], changes: readonly FileWrite[], durable: boolean, step: Step, preStaged: PreStagedFiles | undefined): void {
  const tx = join(root, TREE_TRANSACTION);
  const contents = new Map(changes.map((c) => [c.path, c.content]));
  // Folders this transaction made: a fresh tree is thousands of files in a few hundred folders.
  const made = new Set<string>();
  const ops = journalOps(planned);
  try {
    const adopted = preStaged === undefined ? new Set<string>() : adoptPreStaged(tx, preStaged, planned, contents, durable, step);
    for (const op of planned) {
      if (!op.write || adopted.has(op.path)) continue;
      step(`stage ${op.path}`);
      writeFile(join(tx, 'staging', op.path), contents.get(op.path)!, durable, made);
    }
    const journal: Journal = { version: ops.some((op) => op.folder) ? 2 : 1, ops };
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
 * Makes the pre-staged folder the transaction's staging folder (one rename; the transaction folder
 * does not exist after recovery) and drops what it holds that the transaction does not write, so
 * the staging holds exactly the writes (a missing folder is then moved whole). Returns the paths
 * whose staged content is the op's; none when the folder cannot be adopted (then every file is
 * staged as without it, and fails as it would).
 */
function adoptPreStaged(tx: string, preStaged: PreStagedFiles, planned: readonly PlannedOp[], contents: ReadonlyMap<string, string | undefined>, durable: boolean, step: Step): Set<string> {
  const adopted = new Set<string>();
  step('adopt pre-staged files');
  try {
    mkdirSync(tx);
    renameSync(preStaged.folder, join(tx, 'staging'));
  } catch {
    return adopted;
  }
  if (durable) syncDir(tx);
  const writes = new Set<string>();
  for (const op of planned) if (op.write) writes.add(op.path);
  for (const [path, content] of preStaged.files) {
    if (!writes.has(path)) {
      step(`drop pre-staged ${path}`);
      rmSync(join(tx, 'staging', path), { force: true });
    } else if (contents.get(path) === content) {
      adopted.add(path);
    }
  }
  return adopted;
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
    step(`place ${op.path}${op.folder ? '/' : ''}`);
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
      step(`unplace ${op.path}${op.folder ? '/' : ''}`);
      rmSync(target, { force: true, recursive: op.folder === true });
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
  removeDeadLeftovers(root);
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
    if ((journal.version !== 1 && journal.version !== 2) || !Array.isArray(journal.ops)) throw new Error(`unknown journal version ${JSON.stringify(journal.version)}`);
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
 * `.<pid>.ferry-tmp` files at the root, and left them behind when killed; a killed render leaves its
 * pre-stage folder ({@link PRE_STAGE_PREFIX}`<pid>-<random>`). Only a dead process's go; no lock is
 * needed, as nobody else writes a dead process's folder.
 */
export function removeDeadLeftovers(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^\.render-(?:old-)?(\d+)-[0-9a-z]+$/.exec(name)?.[1] ?? /^\.(\d+)\.ferry-tmp$/.exec(name)?.[1] ?? preStagePid(name);
    if (pid === undefined || processAlive(Number(pid))) continue;
    try {
      rmSync(join(root, name), { recursive: true, force: true });
    } catch {
      // Another writer removing it at the same time; whatever is left, the next one removes.
    }
  }
}

/** The pid in a pre-stage folder's name, or undefined when `name` is none. */
function preStagePid(name: string): string | undefined {
  return name.startsWith(PRE_STAGE_PREFIX) ? /^(\d+)-[0-9a-z]+$/.exec(name.slice(PRE_STAGE_PREFIX.length))?.[1] : undefined;
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

import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PRE_STAGE_PREFIX, type PreStagedFiles } from './atomic-tree.js';

/** How a {@link PreStage} writes and reports. */
export interface PreStageOptions {
  /**
   * fsync each file, as the transaction's own staging does.
   * @default true
   */
  readonly durable?: boolean;
  /**
   * Called on the calling thread before each file is handed to the writer thread, numbered from 1.
   * Tests crash the process here to check that a kill during pre-staging leaves the old tree.
   */
  readonly onStep?: (step: number, description: string) => void;
  /**
   * Also compute each file's SHA-256 (hex, of its UTF-8 bytes) on the writer thread: what the render
   * record keeps of every file, so the caller need not hash them again.
   * @default false
   */
  readonly sha256?: boolean;
  /**
   * Bytes of content per message to the writer thread (a file larger than this goes alone).
   * @default 1 MiB
   */
  readonly batchBytes?: number;
}

/**
 * What the writer thread is told: a batch of files, their contents one after another in `bytes`
 * (UTF-8, the buffer transferred, not copied), or that there are no more.
 */
type WriterMessage = { readonly paths: readonly string[]; readonly lengths: readonly number[]; readonly bytes: ArrayBuffer } | { readonly end: true };

/** What the writer thread answers to `end`: the first error, if a write failed; else with `sha256` each file's hash, in the order sent. */
interface WriterReport {
  readonly error?: string;
  readonly hashes?: readonly string[];
}

/** What {@link PreStage.finish} gives: the files, for the transaction to adopt, and with `sha256` their hashes. */
export interface PreStageResult extends PreStagedFiles {
  /** Path -> SHA-256 (hex) of the content in {@link PreStagedFiles.files}; empty without the `sha256` option. */
  readonly sha256: ReadonlyMap<string, string>;
}

/**
 * Writes the files a tree transaction is about to stage while the caller is still producing them
 * (a render synthesising its charts), on a worker thread, into a private folder at the tree's root
 * (`.ferry-tree.prestage-<pid>-<random>`): the second core writes while the first synthesises. The
 * transaction then adopts the folder as its staging under the tree lock
 * (lib/fs/atomic-tree.ts, `preStaged`), so its crash safety is the transaction's: nothing in the tree
 * changes until the journal is committed, and a killed process's folder is removed by the next writer.
 *
 * Only files whose folder is not on disk are taken ({@link offer}): a fresh tree's, a new service's,
 * which the transaction is all but certain to write. A thread of its own rather than Node's async `fs`:
 * `fs.writeFile` is open, write and close, each step's callback run by the event loop, which a
 * synchronous synthesis never yields to, so only the opens would overlap it.
 *
 * Pre-staging is an optimisation and never an error of its own: a failed write (or a thread that
 * cannot start) gives {@link finish} `undefined` with the folder removed, and the transaction stages
 * every file itself, failing as it would have without this.
 */
export class PreStage {
  /** The private folder, absolute. */
  public readonly folder: string;
  private readonly root: string;
  private readonly durable: boolean;
  private readonly sha256: boolean;
  private readonly onStep: ((step: number, description: string) => void) | undefined;
  private readonly batchBytes: number;
  private readonly files = new Map<string, string>();
  /** Every path sent, in order (a path sent twice twice): the writer's hashes come in this order. */
  private readonly sent: string[] = [];
  private paths: string[] = [];
  private lengths: number[] = [];
  private bytes: Buffer | undefined;
  private used = 0;
  private worker: Worker | undefined;
  private report: Promise<WriterReport> | undefined;
  private steps = 0;
  /** Whether each folder (repository-relative) is a folder on disk, from one listing of its parent. */
  private readonly onDisk = new Map<string, boolean>();
  private readonly subfolders = new Map<string, ReadonlySet<string>>();
  private lastFolder: string | undefined;
  private lastFolderOnDisk = false;

  public constructor(root: string, options: PreStageOptions = {}) {
    this.root = root;
    this.durable = options.durable ?? true;
    this.sha256 = options.sha256 ?? false;
    this.onStep = options.onStep;
    this.batchBytes = options.batchBytes ?? 1 << 20;
    if (!Number.isInteger(this.batchBytes) || this.batchBytes < 1) throw new Error(`PreStage: 'batchBytes' must be a whole number of at least 1, not ${this.batchBytes}`);
    this.folder = join(root, `${PRE_STAGE_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /**
   * Hands `path` (repository-relative, with `/`) to the writer thread when its folder is not on disk;
   * else does nothing (the transaction compares and stages it). The thread starts with the first file.
   */
  public offer(path: string, content: string): void {
    const cut = path.lastIndexOf('/');
    if (cut < 0) return;
    // A chart's files come one after another in one folder: one lookup for them all.
    const dir = path.slice(0, cut);
    if (dir !== this.lastFolder) {
      this.lastFolder = dir;
      this.lastFolderOnDisk = this.folderOnDisk(dir);
    }
    if (this.lastFolderOnDisk) return;
    this.onStep?.(++this.steps, `pre-stage ${path}`);
    // The thread's start-up (about a Node bootstrap) overlaps the synthesis of the first batch.
    if (this.worker === undefined) this.start();
    this.files.set(path, content);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: what may not fit goes in the next buffer.
    const room = 3 * content.length;
    if (this.bytes === undefined || this.used + room > this.bytes.length) {
      this.post();
      this.bytes = Buffer.from(new ArrayBuffer(Math.max(this.batchBytes, room)));
    }
    const length = this.bytes.write(content, this.used, 'utf8');
    this.used += length;
    this.paths.push(path);
    this.sent.push(path);
    this.lengths.push(length);
  }

  /**
   * Waits for the writer thread: the files it wrote, or undefined (its folder removed) when none was
   * offered or a write failed.
   */
  public async finish(): Promise<PreStageResult | undefined> {
    if (this.worker === undefined) return undefined;
    this.post();
    this.worker.postMessage({ end: true } satisfies WriterMessage);
    const report = await this.report!;
    if (report.error !== undefined) {
      await this.discard();
      return undefined;
    }
    const sha256 = new Map<string, string>();
    // In the order sent, so a path sent twice keeps the hash of its last content, the one in `files`.
    report.hashes?.forEach((hash, i) => sha256.set(this.sent[i]!, hash));
    return { folder: this.folder, files: this.files, sha256 };
  }

  /** Stops the writer thread and removes the folder, if it is still there (a transaction that adopted it moved it). */
  public async discard(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    await worker.terminate();
    rmSync(this.folder, { recursive: true, force: true });
  }

  private post(): void {
    if (this.paths.length === 0) return;
    const bytes = this.bytes!.buffer as ArrayBuffer;
    this.start().postMessage({ paths: this.paths, lengths: this.lengths, bytes } satisfies WriterMessage, [bytes]);
    this.paths = [];
    this.lengths = [];
    this.bytes = undefined;
    this.used = 0;
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    // The writer's source is a function of this module, run as a script: no file to locate beside it
    // (dist/ or the sources under jest), and its only imports are Node's own.
    const worker = new Worker(`(${preStageWriter.toString()})(require('node:worker_threads'), require('node:fs'), require('node:path'), require('node:crypto'));`, {
      eval: true,
      workerData: { folder: this.folder, durable: this.durable, sha256: this.sha256 },
    });
    this.report = new Promise<WriterReport>((resolve) => {
      worker.once('message', (report: WriterReport) => resolve(report));
      worker.once('error', (error) => resolve({ error: error.message }));
      worker.once('exit', (code) => resolve({ error: `the pre-stage writer exited (${code}) before it reported` }));
    });
    this.worker = worker;
    return worker;
  }

  private folderOnDisk(dir: string): boolean {
    let known = this.onDisk.get(dir);
    if (known === undefined) {
      const cut = dir.lastIndexOf('/');
      const parent = cut < 0 ? '' : dir.slice(0, cut);
      known = (parent === '' || this.folderOnDisk(parent)) && this.subfoldersOf(parent).has(dir.slice(cut + 1));
      this.onDisk.set(dir, known);
    }
    return known;
  }

  /** The names of the folders in `dir` (repository-relative; '' the root): one listing instead of a `stat` per child. */
  private subfoldersOf(dir: string): ReadonlySet<string> {
    let names = this.subfolders.get(dir);
    if (names === undefined) {
      try {
        names = new Set(readdirSync(join(this.root, dir), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name));
      } catch {
        names = new Set();
      }
      this.subfolders.set(dir, names);
    }
    return names;
  }
}

/**
 * The writer thread, run as a script with its modules passed in: makes the pre-stage folder (it must
 * be new), writes (and with `durable` fsyncs; with `sha256` hashes) each file it is sent, in order,
 * and answers `end` with the first error or the hashes. After an error it writes nothing more.
 */
function preStageWriter(threads: typeof import('node:worker_threads'), fs: typeof import('node:fs'), path: typeof import('node:path'), crypto: typeof import('node:crypto')): void {
  const { folder, durable, sha256 } = threads.workerData as { folder: string; durable: boolean; sha256: boolean };
  const port = threads.parentPort!;
  const made = new Set<string>();
  const hashes: string[] = [];
  let error: string | undefined;
  try {
    fs.mkdirSync(folder);
    made.add(folder);
  } catch (e) {
    error = (e as Error).message;
  }
  port.on('message', (message: WriterMessage) => {
    if ('end' in message) {
      port.postMessage((error === undefined ? { hashes } : { error }) satisfies WriterReport);
      port.close();
      return;
    }
    if (error !== undefined) return;
    const bytes = new Uint8Array(message.bytes);
    try {
      let offset = 0;
      message.paths.forEach((relative, i) => {
        const file = path.join(folder, relative);
        const dir = path.dirname(file);
        if (!made.has(dir)) {
          fs.mkdirSync(dir, { recursive: true });
          made.add(dir);
        }
        const length = message.lengths[i]!;
        const fd = fs.openSync(file, 'w');
        try {
          for (let written = 0; written < length;) written += fs.writeSync(fd, bytes, offset + written, length - written);
          if (durable) fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        if (sha256) hashes.push(crypto.hash('sha256', bytes.subarray(offset, offset + length), 'hex'));
        offset += length;
      });
    } catch (e) {
      error = (e as Error).message;
    }
  });
}

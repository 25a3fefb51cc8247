import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { writeCacheFile } from '../fs/cache-file.js';
import { Git } from '../git/git.js';
import { buildInputs, summarizeKustomization, type FolderReads, type KustomizationSummary } from './build-inputs.js';
import type { KustomizationTree } from './kustomization-tree.js';
import { kustomizeVersion } from './kustomize-version.js';
import type { ManifestObject } from './manifest-object.js';

/** Bumped whenever an entry's meaning or layout changes: every older entry then misses. */
export const BUILD_CACHE_FORMAT = 1;

/** First word of every entry; an entry starting otherwise is not one. */
const ENTRY_MAGIC = 'ferry-kustomize-build';

/** Entries are `<key>.build`; nothing else in the folder is pruned or read as one. */
const ENTRY_SUFFIX = '.build';

/** The remembered kustomize versions (see {@link kustomizeVersion}). */
const VERSIONS_FILE = 'kustomize-versions.json';

/** The remembered summaries of kustomization texts, by the text's hash (see {@link KustomizationSummary}). */
const SUMMARIES_FILE = 'kustomization-summaries.json';

/** Most summaries remembered: about two sides of a diff at 2,000 x 5 (a summary is ~100-300 bytes). */
const MAX_SUMMARIES = 25_000;

/** Default bound of the entries' total size. */
export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

/** Whether a remembered summary has the shape this ferry writes. */
function isSummary(value: unknown): value is KustomizationSummary {
  if (value === null || typeof value !== 'object') return false;
  const v = value as { refused?: unknown; entries?: unknown };
  if (typeof v.refused === 'string') return true;
  return Array.isArray(v.entries) && v.entries.every((e: { key?: unknown; entry?: unknown; kind?: unknown } | null) => typeof e?.key === 'string' && typeof e.entry === 'string' && (e.kind === 'reference' || e.kind === 'file'));
}

/** Options of {@link KustomizeBuildCache}. */
export interface KustomizeBuildCacheProps {
  /** The folder of the entries (created when the first entry is written). */
  readonly dir: string;
  /**
   * Most bytes the entries may take; when a store goes over it, the least recently used entries
   * (written or read) are removed until they take at most three quarters of it.
   * @default 64 MiB
   */
  readonly maxBytes?: number;
  /**
   * The time a read entry is marked used at (milliseconds since the epoch), for pruning.
   * @default Date.now
   */
  readonly clock?: () => number;
  /**
   * The kustomize version every key covers.
   * @default - asked of the runner's command (`kubectl version --client -o json`), remembered by the binary's path, size and mtime
   */
  readonly kustomizeVersion?: string;
}

/** Counters of a cache, for tests and benchmarks. */
export interface BuildCacheStats {
  /** Overlays returned from an entry, not built. */
  hits: number;
  /** Overlays whose inputs were keyed but had no usable entry (none, another version, corrupt). */
  misses: number;
  /** Overlays whose inputs cannot be keyed for sure: built every time. */
  uncacheable: number;
  /** Entries written. */
  stored: number;
}

/** Where the cache lives, relative to the git directory (CI workflows keep this folder between runs). */
export const BUILD_CACHE_FOLDER = 'ferry/kustomize-builds';

/**
 * Built objects of single overlays, kept between runs and keyed by everything the build reads:
 * the entry format, the kustomize command and version, and the path (relative to the tree's
 * root) and content of every file of every folder the overlay's kustomization reaches
 * (see {@link buildInputs}, which also decides which overlays can be keyed at all). kustomize
 * is a pure function of those, so an entry returns exactly what a build of the same inputs
 * returns, and ferry never builds the same inputs twice. One file per entry (`<key>.build`:
 * a header line with the key and the payload's hash, then the objects as JSON, which parses
 * ~10x faster than kustomize's YAML), written atomically; any doubt about an entry (unreadable,
 * truncated, another format or key, a hash that does not match) reads as a miss.
 */
export class KustomizeBuildCache {
  /**
   * The cache of the git work tree containing `root`, in `<git dir>/ferry/kustomize-builds/`
   * (never committed, per worktree, gone with the clone); undefined outside a git work tree.
   */
  public static forRepository(root: string, props: Omit<KustomizeBuildCacheProps, 'dir'> = {}): KustomizeBuildCache | undefined {
    const git = new Git(root);
    if (!git.isRepository()) return undefined;
    return new KustomizeBuildCache({ ...props, dir: join(git.gitDir(), ...BUILD_CACHE_FOLDER.split('/')) });
  }

  public readonly dir: string;
  private readonly maxBytes: number;
  private readonly clock: () => number;
  private readonly fixedVersion: string | undefined;
  private readonly versions = new Map<string, string | undefined>();
  private readonly counters: BuildCacheStats = { hits: 0, misses: 0, uncacheable: 0, stored: 0 };
  private summaryMemo: { known: Record<string, KustomizationSummary>; used: Map<string, KustomizationSummary>; parsed: boolean } | undefined;

  public constructor(props: KustomizeBuildCacheProps) {
    this.dir = props.dir;
    this.maxBytes = props.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    this.clock = props.clock ?? Date.now;
    if (!(this.maxBytes > 0)) throw new Error(`KustomizeBuildCache: maxBytes ${props.maxBytes} must be a positive number of bytes`);
    if (props.kustomizeVersion === '') throw new Error("KustomizeBuildCache: kustomizeVersion '' is empty; omit it to ask the command");
    this.fixedVersion = props.kustomizeVersion;
  }

  /** What this cache did so far. */
  public get stats(): Readonly<BuildCacheStats> {
    return { ...this.counters };
  }

  /**
   * The key of each overlay of `dirs` in `tree` when built by `command`; undefined for an overlay
   * whose inputs cannot be keyed (or when the kustomize version cannot be told). `inputFiles`, when
   * given, receives the tree paths of every file each keyed overlay's build may read.
   */
  public keys(tree: KustomizationTree, dirs: readonly string[], command: readonly string[], inputFiles?: Map<string, readonly string[]>): Map<string, string | undefined> {
    const version = this.versionOf(command);
    const keys = new Map<string, string | undefined>();
    const reads = new Map<string, FolderReads>();
    const summaries = this.summaries();
    const folderDigests = new Map<string, string>();
    const digestOf = (folder: string) => {
      let digest = folderDigests.get(folder);
      if (digest === undefined) {
        const hash = createHash('sha256');
        for (const name of tree.filesIn(folder)) hash.update(`${name}\0${tree.read(folder === '.' ? name : `${folder}/${name}`) ?? ''}\0`);
        folderDigests.set(folder, (digest = hash.digest('hex')));
      }
      return digest;
    };
    for (const dir of dirs) {
      const inputs = version === undefined ? undefined : buildInputs(tree, dir, reads, summaries.get);
      if (inputs === undefined || 'uncacheable' in inputs) {
        keys.set(dir, undefined);
        continue;
      }
      const hash = createHash('sha256').update(`${ENTRY_MAGIC} ${BUILD_CACHE_FORMAT}\0${command.join(' ')}\0${version}\0${dir}\0`);
      for (const folder of [...inputs.folders].sort()) hash.update(`d\0${folder}\0${digestOf(folder)}\0`);
      for (const file of [...new Set(inputs.files)].sort()) hash.update(`f\0${file}\0${tree.read(file) ?? ''}\0`);
      keys.set(dir, hash.digest('hex'));
      inputFiles?.set(dir, [...inputs.folders.flatMap((folder) => tree.filesIn(folder).map((name) => (folder === '.' ? name : `${folder}/${name}`))), ...inputs.files]);
    }
    summaries.save();
    return keys;
  }

  /**
   * The summaries of kustomization texts remembered by earlier runs, read once per cache object
   * (a diff looks up two trees); `save` writes them back with those parsed since, when there are
   * any. Beyond {@link MAX_SUMMARIES} only those this cache object used are kept.
   */
  private summaries(): { get: (text: string) => KustomizationSummary; save: () => void } {
    const memo = (this.summaryMemo ??= { known: this.readSummaries(), used: new Map(), parsed: false });
    return {
      get: (text) => {
        const id = createHash('sha256').update(text).digest('hex');
        let summary = memo.used.get(id) ?? memo.known[id];
        if (summary === undefined || !isSummary(summary)) {
          summary = summarizeKustomization(text);
          memo.parsed = true;
        }
        memo.used.set(id, summary);
        return summary;
      },
      save: () => {
        if (!memo.parsed) return;
        memo.parsed = false;
        const used = Object.fromEntries(memo.used);
        const all = { ...memo.known, ...used };
        const payload = JSON.stringify({ format: BUILD_CACHE_FORMAT, summaries: Object.keys(all).length > MAX_SUMMARIES ? used : all });
        writeCacheFile(join(this.dir, SUMMARIES_FILE), `${createHash('sha256').update(payload).digest('hex')}\n${payload}`);
      },
    };
  }

  private readSummaries(): Record<string, KustomizationSummary> {
    try {
      // `<hash of the rest>\n<JSON>`: a damaged file is not read, as with the entries.
      const text = readFileSync(join(this.dir, SUMMARIES_FILE), 'utf8');
      const newline = text.indexOf('\n');
      const payload = text.slice(newline + 1);
      if (createHash('sha256').update(payload).digest('hex') !== text.slice(0, newline)) return {};
      const stored = JSON.parse(payload) as { format?: unknown; summaries?: unknown };
      if (stored.format === BUILD_CACHE_FORMAT && stored.summaries && typeof stored.summaries === 'object') return stored.summaries as Record<string, KustomizationSummary>;
    } catch {
      // none yet, or unreadable: every text is parsed
    }
    return {};
  }

  /** The objects stored under `key` (fresh copies the caller may change), or undefined on any doubt. */
  public read(key: string): ManifestObject[] | undefined {
    try {
      const text = readFileSync(this.entryPath(key), 'utf8');
      const newline = text.indexOf('\n');
      const payload = text.slice(newline + 1);
      const [magic, format, storedKey, digest] = text.slice(0, newline).split(' ');
      if (newline < 0 || magic !== ENTRY_MAGIC || format !== String(BUILD_CACHE_FORMAT) || storedKey !== key) return this.miss();
      if (createHash('sha256').update(payload).digest('hex') !== digest) return this.miss();
      const objects = JSON.parse(payload) as unknown;
      if (!Array.isArray(objects)) return this.miss();
      this.counters.hits++;
      this.markUsed(key);
      return objects as ManifestObject[];
    } catch {
      return this.miss();
    }
  }

  /** Counts an overlay built every time. */
  public countUncacheable(): void {
    this.counters.uncacheable++;
  }

  /**
   * Stores the objects one build of the overlay keyed `key` returned, before anyone changes them.
   * Objects JSON cannot carry exactly (a non-finite number, a non-plain value) are not stored.
   */
  public write(key: string, objects: readonly ManifestObject[]): void {
    let exact = true;
    const payload = JSON.stringify(objects, function (this: Record<string, unknown>, key: string, value: unknown) {
      // The holder's own value: a Date would reach the replacer already turned into a string.
      const original = key === '' ? value : this[key];
      if ((typeof original === 'number' && !Number.isFinite(original)) || (typeof original === 'object' && original !== null && !Array.isArray(original) && Object.getPrototypeOf(original) !== Object.prototype)) exact = false;
      return value;
    });
    if (!exact) return;
    const digest = createHash('sha256').update(payload).digest('hex');
    if (writeCacheFile(this.entryPath(key), `${ENTRY_MAGIC} ${BUILD_CACHE_FORMAT} ${key} ${digest}\n${payload}`)) this.counters.stored++;
  }

  /** Removes the least recently used entries while they take more than `maxBytes` (down to three quarters of it). */
  public prune(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith(ENTRY_SUFFIX));
    } catch {
      return;
    }
    const entries = names.flatMap((name) => {
      try {
        const stat = statSync(join(this.dir, name));
        return [{ name, size: stat.size, mtimeMs: stat.mtimeMs }];
      } catch {
        return [];
      }
    });
    let total = entries.reduce((n, e) => n + e.size, 0);
    if (total <= this.maxBytes) return;
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (total <= this.maxBytes * 0.75) break;
      rmSync(join(this.dir, entry.name), { force: true });
      total -= entry.size;
    }
  }

  /**
   * Pruning goes by modification time: a read sets it, so an entry every run reads stays however
   * long ago it was written. A cache that cannot be touched (read-only) prunes by write time.
   */
  private markUsed(key: string): void {
    const seconds = this.clock() / 1000;
    try {
      utimesSync(this.entryPath(key), seconds, seconds);
    } catch {
      // not ours to touch
    }
  }

  private miss(): undefined {
    this.counters.misses++;
    return undefined;
  }

  private entryPath(key: string): string {
    return join(this.dir, `${key}${ENTRY_SUFFIX}`);
  }

  private versionOf(command: readonly string[]): string | undefined {
    if (this.fixedVersion !== undefined) return this.fixedVersion;
    const id = command.join('\0');
    if (!this.versions.has(id)) this.versions.set(id, kustomizeVersion(command, join(this.dir, VERSIONS_FILE)));
    return this.versions.get(id);
  }
}

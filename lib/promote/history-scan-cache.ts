import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCacheFile } from '../fs/cache-file.js';
import type { ScannedImages } from './stack-images-scan.js';

/** Entries kept at most per stack file; above it a save keeps only those this process used. */
const MAX_ENTRIES = 20_000;

/**
 * Largest cache file written. Entries are stored as changes (see StoredBlob), so even 2,000
 * services x 1,000 revisions stay far below it; a history whose every revision rewrites most tags
 * could still outgrow it, and would cost more to parse than it spares: such a history is read from
 * git each time.
 */
const MAX_CACHE_BYTES = 16 * 1024 * 1024;

/** The config values of a revision, per service. */
export type RevisionConfig = Record<string, Record<string, unknown>>;

/** What is known of one blob: the scanner's tags and digests, and its config values once read. */
export interface KnownBlob extends ScannedImages {
  readonly config?: RevisionConfig;
}

/**
 * One blob's entry: [images, digests, config id or null], or, stored as a change from an earlier
 * entry of the same file, [changed images, digests, config id or null, that entry's blob, services
 * whose tag it no longer has]. Successive revisions of a stack file differ in a tag or two, so a
 * file of 100 revisions of 100 services holds about 300 tags instead of 10,000.
 */
type StoredBlob =
  | [images: Record<string, string>, digests: Record<string, string>, config: string | null]
  | [changed: Record<string, string>, digests: Record<string, string>, config: string | null, base: string, removed: string[]];

/** The file: blob -> its entry (a base before the entries that name it), config id -> config values. */
interface Stored {
  readonly key: string;
  readonly blobs: Record<string, StoredBlob>;
  readonly configs: Record<string, RevisionConfig>;
}

/**
 * What the history's readers took from each revision of one stack file, kept between runs in the
 * repository's git directory (never committed, never in the work tree): the image tags and
 * digests the line scanner read, and the config values once status or history asked for them
 * (stored once per distinct config, since successive revisions mostly share it). A blob's content
 * never changes, so neither does any of this: a promotion then reads from git only the blobs it
 * has not seen, instead of every revision of two stack files (~160 blobs, 3 MB at
 * 20 environments x 100 services), and history reads no blob at all once it has run. The key
 * covers the project name and the readers' own compiled source, so a changed reader never reads
 * an old entry. Only revisions the scanner accepted are kept; the others are parsed each time, as
 * without the cache.
 */
export class HistoryScanCache {
  /**
   * The cache of stack file `file` of `project` in `gitDir`; empty when the file is missing,
   * unreadable, or written by another scanner (any doubt reads as a miss).
   */
  public static open(gitDir: string, project: string, file: string, maxBytes = MAX_CACHE_BYTES): HistoryScanCache {
    const key = createHash('sha256').update(scannerSource()).update('\0').update(project).digest('hex').slice(0, 16);
    const path = join(gitDir, 'ferry', `history-${key}`, `${encodeURIComponent(file)}.json`);
    const entries = new Map<string, KnownBlob>();
    const configs = new Map<string, RevisionConfig>();
    try {
      const stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<Stored>;
      if (stored.key === key && stored.blobs && stored.configs) {
        for (const [id, config] of Object.entries(stored.configs)) configs.set(id, config);
        for (const [blob, [tags, digests, configId, base, removed]] of Object.entries(stored.blobs)) {
          const images = base === undefined ? tags : withChanges(entries.get(base)?.images, tags, removed ?? []);
          // A change from an entry the file does not hold: the file is not one this writer made.
          if (images === undefined) continue;
          const config = configId === null ? undefined : configs.get(configId);
          entries.set(blob, config === undefined ? { images, digests } : { images, digests, config });
        }
      }
    } catch {
      // no cache yet, or not one this scanner wrote
    }
    return new HistoryScanCache(path, key, entries, maxBytes);
  }

  private readonly used = new Set<string>();
  private changed = false;

  private constructor(
    private readonly path: string,
    private readonly key: string,
    private readonly entries: Map<string, KnownBlob>,
    private readonly maxBytes: number,
  ) {}

  public has(blob: string): boolean {
    return this.entries.has(blob);
  }

  /** What is known of `blob`, if anything. */
  public get(blob: string): KnownBlob | undefined {
    const entry = this.entries.get(blob);
    if (entry !== undefined) this.used.add(blob);
    return entry;
  }

  /** Keeps what the scanner read from `blob`. */
  public setScanned(blob: string, scanned: ScannedImages): void {
    this.entries.set(blob, { images: scanned.images, digests: scanned.digests });
    this.used.add(blob);
    this.changed = true;
  }

  /** Keeps the config values of a blob whose scan is kept. */
  public setConfig(blob: string, config: RevisionConfig): void {
    const entry = this.entries.get(blob);
    if (entry === undefined || entry.config !== undefined) return;
    this.entries.set(blob, { ...entry, config });
    this.changed = true;
  }

  /**
   * Writes the cache when this run added to it: whole, under a private name, then renamed, so a
   * concurrent reader sees one complete version (a concurrent writer's additions may be lost,
   * which costs only their reading again). A cache that cannot be written is left alone.
   */
  public save(): void {
    if (!this.changed) return;
    const kept = this.entries.size > MAX_ENTRIES ? [...this.entries].filter(([blob]) => this.used.has(blob)) : [...this.entries];
    // A config's id is the hash of its text, so equal configs share one copy; revisions that
    // share a config object (most) are hashed once.
    const configIds = new Map<RevisionConfig, string>();
    const configs: Record<string, RevisionConfig> = {};
    const blobs: Stored['blobs'] = {};
    let previous: { readonly blob: string; readonly images: Record<string, string> } | undefined;
    for (const [blob, { images, digests, config }] of kept) {
      let id: string | null = null;
      if (config !== undefined) {
        id = configIds.get(config) ?? createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
        configIds.set(config, id);
        configs[id] = config;
      }
      // Entries are kept in the order the history read them: each is stored as its change from the one before.
      const change = previous === undefined ? undefined : changesFrom(previous.images, images);
      blobs[blob] = change === undefined ? [images, digests, id] : [change.changed, digests, id, previous!.blob, change.removed];
      previous = { blob, images };
    }
    const text = JSON.stringify({ key: this.key, blobs, configs } satisfies Stored);
    if (text.length > this.maxBytes) {
      rmSync(this.path, { force: true });
      return;
    }
    if (writeCacheFile(this.path, text)) this.changed = false;
  }
}

/**
 * `images` as a change from `base`: the tags that differ or are new, and the services `images`
 * lacks. Undefined when that is no smaller than `images` itself, or when rebuilding it would
 * list the services in another order than `images` does (the history's readers see them as read).
 */
function changesFrom(base: Readonly<Record<string, string>>, images: Readonly<Record<string, string>>): { changed: Record<string, string>; removed: string[] } | undefined {
  const services = Object.keys(images);
  // Assigned, not parsed, a key `__proto__` would set the object's prototype: such an entry stays whole.
  if (Object.hasOwn(images, '__proto__') || Object.hasOwn(base, '__proto__')) return undefined;
  const changed: Record<string, string> = {};
  let count = 0;
  for (const service of services) {
    if (base[service] !== images[service]) {
      changed[service] = images[service]!;
      count++;
    }
  }
  const removed: string[] = [];
  // Rebuilt, the services come as base lists those it keeps, then the new ones: `images` must list them so.
  let kept = 0;
  for (const service in base) {
    if (!Object.hasOwn(images, service)) removed.push(service);
    else if (services[kept++] !== service) return undefined;
  }
  if (count + removed.length >= services.length / 2) return undefined;
  for (let i = kept; i < services.length; i++) if (Object.hasOwn(base, services[i]!)) return undefined;
  return { changed, removed };
}

/** The images of a stored change (see {@link changesFrom}), in the order the full entry had: base's services, then new ones. */
function withChanges(base: Readonly<Record<string, string>> | undefined, changed: Readonly<Record<string, string>>, removed: readonly string[]): Record<string, string> | undefined {
  if (base === undefined) return undefined;
  const images: Record<string, string> = { ...base, ...changed };
  for (const service of removed) delete images[service];
  return images;
}

let readerText: string | undefined;

/**
 * The compiled text (or, run from source, the source) of the modules that read a revision: the
 * scanner, the history reader's config reading and the stack-file parser; and this one, which
 * lays the file out. A cache entry depends on them.
 */
function scannerSource(): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  readerText ??= ['stack-images-scan', 'stack-history', 'stack-file', 'history-scan-cache'].map((name) => readFileSync(fileURLToPath(new URL(`./${name}${extension}`, import.meta.url)), 'utf8')).join('\0');
  return readerText;
}

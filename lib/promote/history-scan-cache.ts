import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScannedImages } from './stack-images-scan.js';

/** Entries kept at most; above it a save keeps only those this process used. */
const MAX_ENTRIES = 50_000;

/**
 * The image tags and digests the line scanner read from each stack-file blob, kept between runs
 * in the repository's git directory (never committed, never in the work tree). A blob's content
 * never changes, so neither does what the scanner reads from it: a promotion then reads from git
 * only the blobs it has not seen, instead of every revision of two stack files (~160 blobs,
 * 3 MB at 20 environments x 100 services). The key covers the project name and the scanner's own
 * compiled source, so a changed scanner never reads an old entry. Only revisions the scanner
 * accepted are kept; the others are parsed each time, as without the cache.
 */
export class HistoryScanCache {
  /**
   * The cache of `project` in `gitDir`; empty when the file is missing, unreadable, or written by
   * another scanner (any doubt reads as a miss).
   */
  public static open(gitDir: string, project: string): HistoryScanCache {
    const key = createHash('sha256').update(scannerSource()).update('\0').update(project).digest('hex').slice(0, 16);
    const file = join(gitDir, 'ferry', `history-scan-${key}.json`);
    let entries = new Map<string, ScannedImages>();
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { key?: unknown; blobs?: Record<string, [Record<string, string>, Record<string, string>]> };
      if (stored.key === key && stored.blobs !== null && typeof stored.blobs === 'object') {
        entries = new Map(Object.entries(stored.blobs).map(([blob, [images, digests]]) => [blob, { images, digests }]));
      }
    } catch {
      // no cache yet, or not one this scanner wrote
    }
    return new HistoryScanCache(file, key, entries);
  }

  private readonly used = new Set<string>();
  private added = 0;

  private constructor(
    private readonly file: string,
    private readonly key: string,
    private readonly entries: Map<string, ScannedImages>,
  ) {}

  public has(blob: string): boolean {
    return this.entries.has(blob);
  }

  /** What the scanner read from `blob`, if it is known. */
  public get(blob: string): ScannedImages | undefined {
    const entry = this.entries.get(blob);
    if (entry !== undefined) this.used.add(blob);
    return entry;
  }

  public set(blob: string, scanned: ScannedImages): void {
    this.entries.set(blob, scanned);
    this.used.add(blob);
    this.added++;
  }

  /**
   * Writes the cache when this run added to it: whole, under a private name, then renamed, so a
   * concurrent reader sees one complete version (a concurrent writer's additions may be lost,
   * which costs only their scanning again). A cache that cannot be written is left alone.
   */
  public save(): void {
    if (this.added === 0) return;
    const kept = this.entries.size > MAX_ENTRIES ? [...this.entries].filter(([blob]) => this.used.has(blob)) : [...this.entries];
    const blobs = Object.fromEntries(kept.map(([blob, { images, digests }]) => [blob, [images, digests]]));
    const temporary = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      writeFileSync(temporary, JSON.stringify({ key: this.key, blobs }));
      renameSync(temporary, this.file);
      this.added = 0;
    } catch {
      rmSync(temporary, { force: true });
    }
  }
}

let scannerText: string | undefined;

/** The compiled scanner module's text (or, run from source, the source's): what a cache entry depends on. */
function scannerSource(): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  scannerText ??= readFileSync(fileURLToPath(new URL(`./stack-images-scan${extension}`, import.meta.url)), 'utf8');
  return scannerText;
}

/**
 * The record a successful render leaves behind: the hashes of its inputs and of every file it
 * rendered, the namespaced kinds of each chart and the summary table. It lives in the git
 * directory (`<git dir>/ferry/render-state.json`, per worktree): never committed, never in
 * `git status`, gone with the clone. Without a git directory there is no record and every render
 * is a full one. The record is a cache: whatever is wrong with it means a full render.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative, resolve } from 'node:path';
import type { ResourceKind } from '../../constructs/app-project.js';
import type { RenderInputs } from './render-inputs.js';
import { writeCacheFile } from '../fs/cache-file.js';

/** Bumped whenever the record's meaning changes; another version is ignored. */
export const RENDER_RECORD_VERSION = 3;

export interface RenderRecord {
  readonly version: typeof RENDER_RECORD_VERSION;
  /** The repository root rendered (absolute). */
  readonly root: string;
  readonly inputs: RenderInputs;
  /** The platform's environments in order; each reads `Pulumi.<env>.yaml`. */
  readonly environments: readonly string[];
  /**
   * Every manifests/ file, sorted by path: one line `<content hash> <path>` each. One string, not
   * an object: at 2,000 services it has 34,000 lines, and parsing one string is what keeps reading
   * the record cheap next to reading the files.
   */
  readonly manifests: string;
  /** .github/ files in render order: [path, content hash]. */
  readonly github: readonly (readonly [string, string])[];
  /**
   * The namespaced kinds each base and overlay chart rendered: one line per folder,
   * `<folder>\t<group>/<kind>\t...` (a string for the same reason as `manifests`; only a scoped
   * render reads it).
   */
  readonly chartKinds: string;
  /** The summary table of the render. */
  readonly summary: string;
}

/** Where the record of the repository at `root` lives, or undefined outside a git work tree. */
export function renderRecordPath(root: string): string | undefined {
  const top = resolve(root);
  for (let dir = top; ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    if (existsSync(dotGit)) {
      // A platform in a subfolder of a larger repository gets a record of its own.
      const name = dir === top ? 'render-state.json' : `render-state-${createHash('sha256').update(relative(dir, top)).digest('hex').slice(0, 12)}.json`;
      if (statSync(dotGit).isDirectory()) return join(dotGit, 'ferry', name);
      // A linked worktree or submodule: `.git` names its own git directory.
      const gitdir = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
      return gitdir ? join(resolve(dir, gitdir), 'ferry', name) : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** What reading the record found: the record, or why there is none to use. */
export type RecordLookup = { readonly record: RenderRecord } | { readonly missing: string };

/** Reads and checks the record at `path` for `root`. */
export function readRenderRecord(path: string | undefined, root: string): RecordLookup {
  if (path === undefined) return { missing: 'no git directory to keep a render record in' };
  if (!existsSync(path)) return { missing: 'no render record yet' };
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return { missing: `the render record is unreadable (${(e as Error).message})` };
  }
  const record = value as Partial<RenderRecord> | null;
  if (record?.version !== RENDER_RECORD_VERSION) return { missing: `the render record is of another version (${JSON.stringify(record?.version)}, this ferry writes ${RENDER_RECORD_VERSION})` };
  const wellFormed =
    typeof record.root === 'string' &&
    typeof record.inputs?.platform === 'string' &&
    isStringRecord(record.inputs.stacks) &&
    Array.isArray(record.environments) &&
    record.environments.every((e) => typeof e === 'string') &&
    typeof record.manifests === 'string' &&
    Array.isArray(record.github) &&
    record.github.every((entry) => Array.isArray(entry) && entry.length === 2 && entry.every((x) => typeof x === 'string')) &&
    typeof record.chartKinds === 'string' &&
    typeof record.summary === 'string';
  if (!wellFormed) return { missing: 'the render record is malformed' };
  if (record.root !== resolve(root)) return { missing: `the render record is of another checkout (${record.root})` };
  return { record: record as RenderRecord };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

/** The manifests/ lines of a record as path -> hash. */
export function manifestHashes(lines: string): Map<string, string> {
  const hashes = new Map<string, string>();
  if (lines === '') return hashes;
  for (const line of lines.split('\n')) {
    const space = line.indexOf(' ');
    hashes.set(line.slice(space + 1), line.slice(0, space));
  }
  return hashes;
}

/** path -> hash as a record's manifests/ lines. */
export function manifestLines(hashes: ReadonlyMap<string, string>): string {
  return [...hashes].map(([path, hash]) => `${hash} ${path}`).join('\n');
}

/** The chart kinds of a record by folder. */
export function chartKindsOf(lines: string): Map<string, ResourceKind[]> {
  const kinds = new Map<string, ResourceKind[]>();
  if (lines === '') return kinds;
  for (const line of lines.split('\n')) {
    const [dir, ...entries] = line.split('\t');
    kinds.set(
      dir!,
      entries.map((entry) => {
        const slash = entry.indexOf('/');
        return { group: entry.slice(0, slash), kind: entry.slice(slash + 1) };
      }),
    );
  }
  return kinds;
}

/** Chart kinds by folder as a record's lines. */
export function chartKindLines(kinds: ReadonlyMap<string, readonly ResourceKind[]>): string {
  return [...kinds].map(([dir, list]) => [dir, ...list.map((k) => `${k.group}/${k.kind}`)].join('\t')).join('\n');
}

/** Writes the record (temporary file, then rename); a record that cannot be written is dropped, it is only a cache. */
export function writeRenderRecord(path: string | undefined, record: RenderRecord): void {
  if (path !== undefined) writeCacheFile(path, JSON.stringify(record));
}

/** Removes the record: the inputs could not be pinned down, so the next render must be a full one. */
export function dropRenderRecord(path: string | undefined): void {
  if (path !== undefined) rmSync(path, { force: true });
}

/**
 * Where the stack files of the last render are kept: beside the record, in a file of their own,
 * which only a render whose stack files changed reads (the record, which every render reads, stays
 * small). What a changed stack file is compared with, to find that it moved only image tags or
 * digests (lib/render/incremental-render.ts).
 */
export function recordedStacksPath(recordPath: string): string {
  return recordPath.replace(/\.json$/, '.stacks.json');
}

/**
 * Keeps `texts` (stack file -> its text) beside the record at `recordPath`. Each text is checked
 * against the record's hash of its file when read, so a copy left from another render is never
 * taken for this one's.
 */
export function writeRecordedStacks(recordPath: string | undefined, texts: Readonly<Record<string, string>>): void {
  if (recordPath !== undefined) writeCacheFile(recordedStacksPath(recordPath), JSON.stringify(texts));
}

/** The stack files kept beside the record at `recordPath`; undefined when there are none or they cannot be read. */
export function readRecordedStacks(recordPath: string | undefined): Readonly<Record<string, string>> | undefined {
  if (recordPath === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(readFileSync(recordedStacksPath(recordPath), 'utf8'));
    return isStringRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

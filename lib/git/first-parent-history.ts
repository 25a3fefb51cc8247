import type { Git } from './git.js';

/** Record and field separators of the log format (never in commit metadata). */
const RS = '\x1e';
const US = '\x1f';

/** One commit on the first-parent line that changed a file, with the file's content after it. */
export interface FileRevision {
  readonly commit: string;
  readonly author: string;
  readonly authorEmail: string;
  /** Committer date, ISO 8601. */
  readonly committedAt: string;
  readonly subject: string;
  /** `%(trailers:only,unfold)`: the commit's trailer lines. */
  readonly trailers: string;
  /** The file after the commit; undefined when the commit deleted it. */
  readonly content: string | undefined;
}

/**
 * The one rule of "what a file held on a branch": the commits along the first-parent line of
 * `ref` that changed the file, each diffed against its first parent. A merged pull request counts
 * from its merge commit, when it reached the branch Argo CD tracks; what a side branch held
 * before it merged never deployed, so it is not history.
 */
export function firstParentLogArgs(files: readonly string[], ref: string): string[] {
  return [
    'log', '--first-parent', '--diff-merges=first-parent', '--raw', '--no-abbrev', '--no-renames', '--reverse',
    `--format=${RS}%H${US}%an${US}%ae${US}%cI${US}%s${US}%(trailers:only,unfold)${US}`,
    ref, '--', ...files,
  ];
}

/** A parsed log: file -> its changes (commit fields and the blob after), oldest first. */
type ParsedLog = Map<string, { readonly meta: readonly string[]; readonly blob: string | undefined }[]>;

function parseLog(log: string, files: readonly string[]): ParsedLog {
  const entries: ParsedLog = new Map(files.map((f) => [f, []]));
  for (const chunk of log.split(RS).slice(1)) {
    const parts = chunk.split(US);
    const meta = parts.slice(0, 6);
    for (const match of (parts[6] ?? '').matchAll(/^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) [A-Z]\d*\t(.+)$/gm)) {
      const blob = /^0+$/.test(match[1]!) ? undefined : match[1];
      entries.get(match[2]!)?.push({ meta, blob });
    }
  }
  return entries;
}

function uniqueBlobs(entries: ParsedLog): string[] {
  return [...new Set([...entries.values()].flat().flatMap((e) => (e.blob === undefined ? [] : [e.blob])))];
}

function revisions(entries: ParsedLog, blobs: readonly string[], contents: readonly (string | undefined)[]): Map<string, FileRevision[]> {
  const byId = new Map(blobs.map((id, i) => [id, contents[i]]));
  const out = new Map<string, FileRevision[]>();
  for (const [file, changes] of entries) {
    out.set(
      file,
      changes.map(({ meta, blob }) => ({
        commit: meta[0]!,
        author: meta[1]!,
        authorEmail: meta[2]!,
        committedAt: meta[3]!,
        subject: meta[4]!,
        trailers: meta[5] ?? '',
        content: blob === undefined ? undefined : (byId.get(blob) ?? ''),
      })),
    );
  }
  return out;
}

/**
 * The first-parent history of several files up to `ref` (see {@link firstParentLogArgs}), with one
 * `git log` and one `git cat-file --batch` in all: file -> revisions, oldest first.
 */
export function readFirstParentHistory(git: Git, files: readonly string[], ref: string): Map<string, FileRevision[]> {
  if (files.length === 0) return new Map();
  const entries = parseLog(git.run(firstParentLogArgs(files, ref)), files);
  const blobs = uniqueBlobs(entries);
  return revisions(entries, blobs, git.catFile(blobs));
}

/** Like {@link readFirstParentHistory} but asynchronous (diff runs it while it renders). */
export async function readFirstParentHistoryAsync(git: Git, files: readonly string[], ref: string): Promise<Map<string, FileRevision[]>> {
  if (files.length === 0) return new Map();
  const entries = parseLog(await git.runAsync(firstParentLogArgs(files, ref)), files);
  const blobs = uniqueBlobs(entries);
  return revisions(entries, blobs, await git.catFileAsync(blobs));
}

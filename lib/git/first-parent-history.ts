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
  /** The whole commit message (a squash merge carries the squashed commits' messages in it). */
  readonly body: string;
  /** Parent commits; several for a merge. */
  readonly parents: readonly string[];
  /** The blob of the file after the commit; undefined when the commit deleted it. */
  readonly blob: string | undefined;
  /** The file after the commit; undefined when the commit deleted it, or when the reader did not ask for that blob. */
  readonly content: string | undefined;
  /**
   * For a merge commit: the commit of the merged branch that made the change (the latest one on
   * the branch that changed the file); author, subject, trailers and body are then that commit's.
   */
  readonly mergedCommit?: string;
}

/**
 * The one rule of "what a file held on a branch": the commits along the first-parent line of
 * `ref` that changed the file, each diffed against its first parent. A merged pull request counts
 * from its merge commit, when it reached the branch Argo CD tracks; what a side branch held
 * before it merged never deployed, so it is not history.
 */
export function firstParentLogArgs(files: readonly string[], ref: string): string[] {
  return [
    // --relative: paths named from the folder git runs in, as `files` are (a platform may live in a subfolder).
    'log', '--first-parent', '--diff-merges=first-parent', '--raw', '--relative', '--no-abbrev', '--no-renames', '--reverse',
    `--format=${RS}%H${US}%an${US}%ae${US}%cI${US}%s${US}%(trailers:only,unfold)${US}%P${US}%B${US}`,
    ref, '--', ...files,
  ];
}

/** A parsed log: file -> its changes (commit fields and the blob after), oldest first. */
type ParsedLog = Map<string, { readonly meta: readonly string[]; readonly blob: string | undefined }[]>;

function parseLog(log: string, files: readonly string[]): ParsedLog {
  const entries: ParsedLog = new Map(files.map((f) => [f, []]));
  for (const chunk of log.split(RS).slice(1)) {
    const parts = chunk.split(US);
    const meta = parts.slice(0, 8);
    for (const match of (parts[8] ?? '').matchAll(/^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) [A-Z]\d*\t(.+)$/gm)) {
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
        parents: (meta[6] ?? '').split(' ').filter((p) => p !== ''),
        body: meta[7] ?? '',
        blob,
        content: blob === undefined || !byId.has(blob) ? undefined : (byId.get(blob) ?? ''),
      })),
    );
  }
  return out;
}

/**
 * The first-parent history of several files up to `ref` (see {@link firstParentLogArgs}), with one
 * `git log` and one `git cat-file --batch` in all: file -> revisions, oldest first.
 * @param wanted which blobs to read; a revision whose blob is not wanted has no content (a reader
 * that knows a blob already, from a cache, spares git reading it)
 */
export function readFirstParentHistory(git: Git, files: readonly string[], ref: string, wanted: (blob: string) => boolean = () => true): Map<string, FileRevision[]> {
  if (files.length === 0) return new Map();
  const entries = parseLog(git.run(firstParentLogArgs(files, ref)), files);
  const blobs = uniqueBlobs(entries).filter(wanted);
  return revisions(entries, blobs, git.catFile(blobs));
}

/**
 * A merge commit's message is not the change's ("Merge pull request #12 from ..."): for each merge
 * on the first-parent line that changed a file, the commit of the merged branch (walking the
 * second parent's first-parent line back to the main line) that last changed the file speaks for
 * it: its author, subject, trailers and message. The merge keeps its id and date (when it landed).
 * Two more git processes, only when the history holds a merge. (The revisions themselves, and
 * so diff's "has run upstream" check, stay the first-parent line's.)
 */
export function attributeMerges(git: Git, history: Map<string, FileRevision[]>, ref: string): Map<string, FileRevision[]> {
  const merges = [...history.values()].flat().filter((r) => r.parents.length > 1);
  if (merges.length === 0) return history;
  const parents = new Map<string, string[]>();
  const graph = git.run(['rev-list', '--topo-order', '--parents', ref]).trim().split('\n').filter((l) => l !== '');
  for (const line of graph) {
    const [commit, ...rest] = line.split(' ');
    parents.set(commit!, rest);
  }
  const mainline = new Set<string>();
  for (let c: string | undefined = graph[0]?.split(' ')[0]; c !== undefined && !mainline.has(c); c = parents.get(c)?.[0]) mainline.add(c);
  const files = [...history.keys()];
  const log = git.run(['log', '--full-history', '--no-merges', '--name-only', '--relative', `--format=${RS}%H${US}%an${US}%ae${US}%s${US}%(trailers:only,unfold)${US}%B${US}`, ref, '--', ...files]);
  const touched = new Map<string, { meta: string[]; files: Set<string> }>();
  for (const chunk of log.split(RS).slice(1)) {
    const parts = chunk.split(US);
    touched.set(parts[0]!, { meta: parts.slice(0, 6), files: new Set((parts[6] ?? '').split('\n').map((f) => f.trim()).filter((f) => f !== '')) });
  }
  const out = new Map<string, FileRevision[]>();
  for (const [file, revisions] of history) {
    out.set(file, revisions.map((revision) => {
      if (revision.parents.length < 2) return revision;
      for (let c: string | undefined = revision.parents[1], steps = 0; c !== undefined && !mainline.has(c) && steps < 10_000; c = parents.get(c)?.[0], steps++) {
        const change = touched.get(c);
        if (change?.files.has(file)) {
          const [commit, author, authorEmail, subject, trailers, body] = change.meta;
          return { ...revision, author: author!, authorEmail: authorEmail!, subject: subject!, trailers: trailers ?? '', body: body ?? '', mergedCommit: commit! };
        }
      }
      return revision;
    }));
  }
  return out;
}

/** Like {@link readFirstParentHistory} but asynchronous (diff runs it while it renders). */
export async function readFirstParentHistoryAsync(git: Git, files: readonly string[], ref: string, wanted: (blob: string) => boolean = () => true): Promise<Map<string, FileRevision[]>> {
  if (files.length === 0) return new Map();
  const entries = parseLog(await git.runAsync(firstParentLogArgs(files, ref)), files);
  const blobs = uniqueBlobs(entries).filter(wanted);
  return revisions(entries, blobs, await git.catFileAsync(blobs));
}

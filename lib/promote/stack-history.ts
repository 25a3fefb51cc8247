import { gitBlobId } from '../git/blob-id.js';
import { attributeMerges, readFirstParentHistory, readFirstParentHistoryAsync, type FileRevision } from '../git/first-parent-history.js';
import type { Git } from '../git/git.js';
import { HistoryScanCache } from './history-scan-cache.js';
import { CONFIG_KEY, StackFile } from './stack-file.js';
import { scanStackImages } from './stack-images-scan.js';
import type { ChangeKind, EnvironmentHistory, StackRevision, TagChange, TagInterval } from '../../model/history.js';
import { parseTrailers, TRAILER, trailerFor, type Trailers } from './trailers.js';

export type { ChangeKind, StackRevision, TagChange, TagInterval } from '../../model/history.js';

/**
 * The git history of one `Pulumi.<env>.yaml` along the first-parent line of `ref` (so a merged pull
 * request counts from its merge, when it reached the branch Argo CD tracks; the rule lives in
 * lib/git/first-parent-history.ts and diff's "has run upstream" check reads the same). Read with
 * one `git log` and one `git cat-file --batch`; no database.
 */
export class StackHistory implements EnvironmentHistory {
  /** Reads the history; empty when the repository has no commits or the file none. */
  public static read(git: Git, environment: string, file: string, project: string, ref = 'HEAD'): StackHistory {
    return StackHistory.readAll(git, [{ environment, file }], project, ref).get(environment)!;
  }

  /**
   * Reads the histories of several stack files with one `git log` and one `git cat-file --batch`
   * in all (each git process costs ~20 ms; promote needs two environments, status all of them).
   * @param versions what a revision "runs" per service: its image tags, or (for the chart-version
   * history of chart services) `StackFile.chartVersions`; digests are read with the image tags only
   */
  public static readAll(
    git: Git,
    stacks: readonly { readonly environment: string; readonly file: string }[],
    project: string,
    ref = 'HEAD',
    versions?: (stack: StackFile) => Record<string, string>,
  ): Map<string, StackHistory> {
    if (stacks.length === 0 || !git.hasCommits()) return emptyHistories(stacks);
    const files = stacks.map((s) => s.file);
    const caches = openCaches(git, project, files, versions);
    const histories = attributeMerges(git, readFirstParentHistory(git, files, ref, (blob) => !knownBlob(caches, blob)), ref);
    return StackHistory.fromRevisions(git, stacks, project, histories, caches, versions);
  }

  /** {@link readAll}, with git's work (log, cat-file) running while the caller goes on. */
  public static async readAllAsync(
    git: Git,
    stacks: readonly { readonly environment: string; readonly file: string }[],
    project: string,
    ref = 'HEAD',
  ): Promise<Map<string, StackHistory>> {
    if (stacks.length === 0 || !git.hasCommits()) return emptyHistories(stacks);
    const files = stacks.map((s) => s.file);
    let caches = new Map<string, HistoryScanCache>();
    // git log starts now; the caches are read while it runs (the filter is asked only after it).
    const log = readFirstParentHistoryAsync(git, files, ref, (blob) => !knownBlob(caches, blob));
    caches = openCaches(git, project, files, undefined);
    const histories = attributeMerges(git, await log, ref);
    return StackHistory.fromRevisions(git, stacks, project, histories, caches, undefined);
  }

  /** The histories of `stacks` from the revisions git gave, through the caches. */
  private static fromRevisions(
    git: Git,
    stacks: readonly { readonly environment: string; readonly file: string }[],
    project: string,
    histories: Map<string, FileRevision[]>,
    caches: Map<string, HistoryScanCache>,
    versions: ((stack: StackFile) => Record<string, string>) | undefined,
  ): Map<string, StackHistory> {
    const result = emptyHistories(stacks);
    // A promotion commit changes two stack files: its message is read once for both revisions.
    const messages = new Map<string, { readonly trailers: Trailers; readonly kind: ReturnType<typeof messageKind> }>();
    const messageOf = (revision: FileRevision) => {
      const key = `${revision.commit}\0${revision.mergedCommit ?? ''}`;
      let read = messages.get(key);
      if (read === undefined) messages.set(key, (read = { trailers: messageTrailers(revision.trailers, revision.body), kind: messageKind(revision.subject, revision.body) }));
      return read;
    };
    // The texts of the blobs the cache spared reading whose config is not kept either, fetched
    // (all at once) only when a config is asked for.
    let sparedTexts: Map<string, string | undefined> | undefined;
    const textOf = (blob: string): string | undefined => {
      if (sparedTexts === undefined) {
        const spared = [...new Set([...histories]
          .flatMap(([file, revisions]) => revisions.filter((r) => r.blob !== undefined && r.content === undefined && caches.get(file)?.get(r.blob)?.config === undefined))
          .map((r) => r.blob!))];
        const texts = git.catFile(spared);
        sparedTexts = new Map(spared.map((b, i) => [b, texts[i]]));
      }
      return sparedTexts.get(blob);
    };
    for (const { environment, file } of stacks) {
      const cache = caches.get(file);
      // Successive revisions mostly hold the same config block (a promotion changes a tag line).
      const configByBlock = new Map<string, Record<string, Record<string, unknown>>>();
      const revisions: StackRevision[] = (histories.get(file) ?? []).map((revision) => {
        let images: Record<string, string> = {};
        let digests: Record<string, string> = {};
        let config: Record<string, Record<string, unknown>> = {};
        let lazyConfig: (() => Record<string, Record<string, unknown>>) | undefined;
        const blob = revision.blob;
        let scannedBlob: string | undefined;
        const cached = blob !== undefined && revision.content === undefined ? cache?.get(blob) : undefined;
        // The scanner reads images and digests only; a revision with config values is parsed for
        // them when they are asked for (status, history), not for a promotion that reads tags.
        const scanned = cached ?? (versions === undefined && revision.content !== undefined ? scanStackImages(revision.content, project) : undefined);
        if (scanned) {
          ({ images, digests } = scanned);
          scannedBlob = blob;
          if (cached === undefined) cache?.setScanned(blob!, scanned);
          lazyConfig = () => {
            if (cached?.config !== undefined) return cached.config;
            const text = revision.content ?? textOf(blob!) ?? '';
            const read = text.includes(`${project}:${CONFIG_KEY}:`) ? scannedConfig(text, file, project, configByBlock) : {};
            cache?.setConfig(blob!, read);
            return read;
          };
        } else if (revision.content !== undefined) {
          try {
            const stack = StackFile.parse(revision.content, file, project);
            images = versions ? versions(stack) : stack.images();
            digests = versions ? {} : stack.digests();
            config = versions ? {} : stack.allConfig();
          } catch {
            // A revision that was not valid YAML deployed nothing; it reads as empty.
          }
        }
        const read: StackRevision = {
          commit: revision.commit,
          author: revision.author,
          authorEmail: revision.authorEmail,
          date: new Date(revision.committedAt),
          subject: revision.subject,
          ...messageOf(revision),
          ...(revision.mergedCommit !== undefined ? { mergedCommit: revision.mergedCommit } : {}),
          images,
          digests,
          config,
        };
        if (lazyConfig) defineLazy(read, 'config', lazyConfig);
        if (scannedBlob !== undefined) scannedBlobs.set(read, scannedBlob);
        return read;
      });
      result.set(environment, new StackHistory(environment, revisions));
    }
    const saveCaches = () => {
      for (const cache of caches.values()) cache.save();
    };
    saveCaches();
    for (const history of result.values()) cacheSavers.set(history, saveCaches);
    return result;
  }

  /**
   * Keeps the config values read from these histories' revisions since they were read (status and
   * history read them after `readAll` returned), so the next run reads them from the cache.
   */
  public static keepReadConfig(histories: Iterable<StackHistory>): void {
    const savers = new Set([...histories].flatMap((h) => cacheSavers.get(h) ?? []));
    for (const save of savers) save();
  }

  public constructor(
    public readonly environment: string,
    /** Oldest first. */
    public readonly revisions: readonly StackRevision[],
  ) {}

  /**
   * The stack file's tags, digests and config as the last revision holds them, when `text` (the
   * file in the work tree) is byte for byte that revision's blob and the scanner read it: what
   * `StackFile.parse(text)` would give, without parsing 20 KB of YAML per environment. Undefined
   * otherwise (an uncommitted edit, another shape): the caller parses.
   */
  public committedStack(text: string): CommittedStack | undefined {
    const last = this.revisions.at(-1);
    const blob = last === undefined ? undefined : scannedBlobs.get(last);
    if (last === undefined || blob === undefined || gitBlobId(text, blob.length) !== blob) return undefined;
    return {
      tagOf: (service) => last.images[service],
      digestOf: (service) => last.digests[service] || undefined,
      configOf: (service) => ({ ...(last.config?.[service] ?? {}) }),
    };
  }

  /** Every change of `service`'s tag or pinned digest, oldest first. */
  public changes(service: string): TagChange[] {
    const out: TagChange[] = [];
    let previousTag: string | undefined;
    let previousDigest: string | undefined;
    this.revisions.forEach((revision, index) => {
      const tag = revision.images[service];
      const digest = revision.digests[service];
      if (tag === undefined || (tag === previousTag && digest === previousDigest)) {
        previousTag = tag ?? previousTag;
        return;
      }
      out.push({
        environment: this.environment,
        service,
        tag,
        previousTag,
        digest,
        kind: revision.kind ?? changeKind(revision.subject, index === 0 || previousTag === undefined),
        promotedFrom: trailerFor(revision.trailers, TRAILER.promotedFrom, service, this.environment),
        overrides: revision.trailers[TRAILER.gateOverrides]?.join('; '),
        revision,
      });
      previousTag = tag;
      previousDigest = digest;
    });
    return out;
  }

  /** The change that put the current tag of `service` in place, or undefined. */
  public current(service: string): TagChange | undefined {
    const changes = this.changes(service).filter((c, i, all) => i === 0 || c.tag !== all[i - 1]!.tag);
    return changes[changes.length - 1];
  }

  /** The spans in which `service` ran `tag`, oldest first. */
  public intervals(service: string, tag: string): TagInterval[] {
    const changes = this.changes(service).filter((c, i, all) => i === 0 || c.tag !== all[i - 1]!.tag);
    const out: TagInterval[] = [];
    changes.forEach((change, i) => {
      if (change.tag === tag) out.push({ tag, since: change, until: changes[i + 1] });
    });
    return out;
  }

  /** Distinct tags `service` has run, most recent first. */
  public tagsOf(service: string): string[] {
    const seen: string[] = [];
    for (const change of this.changes(service).reverse()) if (!seen.includes(change.tag)) seen.push(change.tag);
    return seen;
  }
}

/** The blob of each revision the scanner read (or the cache knew): a valid file in ferry's plain shape. */
const scannedBlobs = new WeakMap<StackRevision, string>();

/** The cache writer of each history read from git (outside the objects: histories compare as plain data). */
const cacheSavers = new WeakMap<StackHistory, () => void>();

function emptyHistories(stacks: readonly { readonly environment: string }[]): Map<string, StackHistory> {
  return new Map(stacks.map(({ environment }) => [environment, new StackHistory(environment, [])]));
}

/** The history caches of `files`: tags, digests and config only (none for other `versions`). */
function openCaches(git: Git, project: string, files: readonly string[], versions: unknown): Map<string, HistoryScanCache> {
  return new Map(versions === undefined ? files.map((file) => [file, HistoryScanCache.open(git.gitDir(), project, file)]) : []);
}

function knownBlob(caches: ReadonlyMap<string, HistoryScanCache>, blob: string): boolean {
  for (const cache of caches.values()) if (cache.has(blob)) return true;
  return false;
}

/** What status reads of a stack file: the same answers as StackFile's. */
export interface CommittedStack {
  tagOf(service: string): string | undefined;
  digestOf(service: string): string | undefined;
  configOf(service: string): Record<string, unknown>;
}

/**
 * The config values of a text the scanner accepted, parsed from its `<project>:config` block alone
 * and once per distinct block: in that shape (one `config:` mapping, unique two-space keys, no
 * multi-line values, anchors or block scalars) the block's lines alone decide its values.
 */
function scannedConfig(text: string, file: string, project: string, byBlock: Map<string, Record<string, Record<string, unknown>>>): Record<string, Record<string, unknown>> {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^  ${escapeRegExp(`${project}:${CONFIG_KEY}`)}:\\s*(?:#.*)?$`).test(line));
  if (start < 0) return configOf(text, file, project);
  let end = start + 1;
  while (end < lines.length && (/^\s*(?:#.*)?$/.test(lines[end]!) || /^ {3,}/.test(lines[end]!))) end++;
  const block = `config:\n${lines.slice(start, end).join('\n')}\n`;
  let config = byBlock.get(block);
  if (config === undefined) {
    config = configOf(block, file, project);
    byBlock.set(block, config);
  }
  return config;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The config values of one revision's text; {} where it is not valid YAML, as for its images. */
function configOf(text: string, file: string, project: string): Record<string, Record<string, unknown>> {
  try {
    return StackFile.parse(text, file, project).allConfig();
  } catch {
    return {};
  }
}

/**
 * Replaces `object[key]` by a getter that computes the value on first read and keeps it; it stays
 * an enumerable property, so a spread or JSON.stringify sees the value as before.
 */
function defineLazy<T extends object, K extends keyof T>(object: T, key: K, compute: () => T[K]): void {
  let value: T[K] | undefined;
  let computed = false;
  Object.defineProperty(object, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      if (!computed) {
        value = compute();
        computed = true;
      }
      return value;
    },
  });
}

/**
 * The trailers of a commit: its trailer block, plus ferry's own keys found anywhere in the message
 * when the block lacks them (a squash merge lists the squashed commits' messages, trailers
 * included, in its body, and may end with other trailers such as Co-authored-by).
 */
export function messageTrailers(trailerBlock: string, body: string): Trailers {
  const trailers: Record<string, readonly string[]> = { ...parseTrailers(trailerBlock) };
  const keys = Object.values(TRAILER) as string[];
  // Only a key the block lacks can be added, and only from a line that starts with it.
  if (!keys.some((k) => trailers[k] === undefined && body.includes(`${k}:`))) return trailers;
  const found = parseTrailers(body.split('\n').filter((line) => keys.some((k) => line.trim().startsWith(`${k}:`))).join('\n'));
  for (const [key, values] of Object.entries(found)) if (trailers[key] === undefined) trailers[key] = values;
  return trailers;
}

/**
 * Promotion or rollback when the subject says so, or (a squash merge titled by hand) when the
 * message holds a ferry subject line, `* chore(promote): ...` in GitHub's squash body.
 */
function messageKind(subject: string, body: string): 'promotion' | 'rollback' | undefined {
  const lines = [subject, ...body.split('\n').map((l) => l.replace(/^\s*[*-]\s+/, ''))];
  if (lines.some((l) => l.startsWith('chore(promote):'))) return 'promotion';
  if (lines.some((l) => l.startsWith('chore(rollback):'))) return 'rollback';
  return undefined;
}

function changeKind(subject: string, first: boolean): ChangeKind {
  if (subject.startsWith('chore(promote):')) return 'promotion';
  if (subject.startsWith('chore(rollback):')) return 'rollback';
  return first ? 'initial' : 'edit';
}

import { readProjectName, stackFileName } from '../../model/stack-config.js';
import { Git } from '../git/git.js';
import type { Platform } from '../../model/platform.js';
import { formatTable } from './deployment-status.js';
import { formatTime } from '../../model/gate.js';
import { StackHistory, type ChangeKind } from './stack-history.js';
import { TRAILER, trailerFor } from './trailers.js';
import { configChanges, configChangeText } from './config-history.js';
import type { ConfigKeyChange } from './config-promotion.js';
import { readVerificationsAsync, type Verification, type VerificationRecords } from './verification-record.js';

/** One change of a service's tag in one environment, from git. */
export interface HistoryEntry {
  readonly date: string;
  readonly environment: string;
  readonly service: string;
  readonly from: string | undefined;
  readonly tag: string;
  readonly digest: string | undefined;
  /** initial, promotion, rollback, or edit (a hand edit of the stack file). */
  readonly kind: ChangeKind;
  /** Environment promoted from (Promoted-From trailer). */
  readonly promotedFrom: string | undefined;
  readonly releaseOf: string | undefined;
  readonly overrides: string | undefined;
  readonly author: string;
  readonly email: string;
  readonly commit: string;
  readonly subject: string;
  /** Config values the commit changed (`tag` equals `from` when only config changed); absent when none. */
  readonly config?: readonly ConfigKeyChange[];
  /**
   * The last verification of this tag here while it ran (`ferry verify record`, from this change
   * until the next one): healthy, degraded or aborted, with when and its commit.
   */
  readonly verification?: { readonly result: string; readonly date: string; readonly commit: string; readonly detail?: string };
  /** 'chart' when `from` and `tag` are chart versions of a chart service; absent for the image tag. */
  readonly what?: 'chart';
}

/**
 * Every change of `service`'s tag or config values, oldest first, in every environment or one.
 * git's two logs (the stack files' history and the verification records) run at the same time.
 * @param verifications the records, when the caller started reading them already ({@link readVerificationsAsync})
 */
export async function promotionHistory(
  root: string,
  platform: Platform,
  service: string,
  environment?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  verifications: Promise<VerificationRecords | undefined> = readVerificationsAsync(root, env),
): Promise<HistoryEntry[]> {
  const definition = platform.service(service);
  const environments = environment === undefined ? platform.environments : [platform.environment(environment)];
  const project = readProjectName(root);
  const git = new Git(root, env);
  if (!(await git.isRepositoryAsync())) throw new Error(`${root} is not a git repository; history is read from git`);
  const order = platform.environments.map((e) => e.name);
  let out: HistoryEntry[] = [];
  const [histories, read] = await Promise.all([StackHistory.readAllAsync(git, environments.map((e) => ({ environment: e.name, file: stackFileName(e.name) })), project), verifications]);
  const records = read?.records ?? [];
  for (const e of environments) {
    const history = histories.get(e.name)!;
    const changes = history.changes(service);
    for (const [index, change] of changes.entries()) {
      const verification = verificationWhileRunning(records, e.name, service, change.tag, change.revision.date, changes[index + 1]?.revision.date);
      out.push({
        date: formatTime(change.revision.date),
        environment: e.name,
        service,
        from: change.previousTag,
        tag: change.tag,
        digest: change.digest,
        kind: change.kind,
        promotedFrom: change.promotedFrom,
        releaseOf: trailerFor(change.revision.trailers, TRAILER.releaseOf, service, e.name),
        overrides: change.overrides,
        author: change.revision.author,
        email: change.revision.authorEmail,
        commit: change.revision.commit,
        subject: change.revision.subject,
        ...(verification
          ? { verification: { result: verification.result, date: formatTime(verification.date), commit: verification.commit, ...(verification.detail ? { detail: verification.detail } : {}) } }
          : {}),
      });
    }
    for (const change of configChanges(history.revisions, service)) {
      const { revision } = change;
      const same = out.findIndex((o) => o.environment === e.name && o.commit === revision.commit);
      if (same >= 0) {
        out = out.map((o, i) => (i === same ? { ...o, config: change.keys } : o));
        continue;
      }
      const tag = revision.images[service] ?? '';
      out.push({
        date: formatTime(revision.date),
        environment: e.name,
        service,
        from: tag,
        tag,
        digest: revision.digests[service],
        kind: revision.kind ?? (change.index === 0 ? 'initial' : 'edit'),
        promotedFrom: trailerFor(revision.trailers, TRAILER.promotedFrom, service, e.name),
        releaseOf: undefined,
        overrides: revision.trailers[TRAILER.gateOverrides]?.join('; '),
        author: revision.author,
        email: revision.authorEmail,
        commit: revision.commit,
        subject: revision.subject,
        config: change.keys,
      });
    }
  }
  StackHistory.keepReadConfig(histories.values());
  if (definition.chart) out.push(...chartVersionHistory(git, environments, service, project));
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : order.indexOf(a.environment) - order.indexOf(b.environment)));
}

/** The CHANGE column: the tag change, the config change, or both. */
function changeText(e: HistoryEntry): string {
  const image = `${e.from ?? '(none)'} -> ${e.tag}${e.releaseOf ? ` (release of ${e.releaseOf})` : ''}`;
  if (e.config === undefined) return image;
  const config = `config ${configChangeText(e.config)}`;
  return e.from === e.tag ? config : `${image}; ${config}`;
}

/** The last record of `tag` made from `since` until `until` (the next change), if any. */
function verificationWhileRunning(records: readonly Verification[], environment: string, service: string, tag: string, since: Date, until: Date | undefined): Verification | undefined {
  let found: Verification | undefined;
  for (const r of records) {
    if (r.environment !== environment || r.service !== service || r.tag !== tag) continue;
    if (r.date < since || (until !== undefined && r.date > until)) continue;
    found = r;
  }
  return found;
}

/** Every change of a chart service's chart version (ferry promote --chart), as history entries. */
function chartVersionHistory(git: Git, environments: readonly { name: string }[], service: string, project: string): HistoryEntry[] {
  const histories = StackHistory.readAll(git, environments.map((e) => ({ environment: e.name, file: stackFileName(e.name) })), project, 'HEAD', (s) => s.chartVersions());
  return environments.flatMap((e) =>
    histories.get(e.name)!.changes(service).map((change) => ({
      date: formatTime(change.revision.date),
      environment: e.name,
      service,
      from: change.previousTag,
      tag: change.tag,
      digest: undefined,
      kind: change.kind,
      promotedFrom: change.promotedFrom,
      releaseOf: undefined,
      overrides: change.overrides,
      author: change.revision.author,
      email: change.revision.authorEmail,
      commit: change.revision.commit,
      subject: change.revision.subject,
      what: 'chart' as const,
    })),
  );
}

/** DATE ENV CHANGE KIND FROM BY COMMIT VERIFIED OVERRIDES */
export function formatHistory(entries: readonly HistoryEntry[]): string {
  return formatTable(
    ['DATE', 'ENV', 'CHANGE', 'KIND', 'FROM', 'BY', 'COMMIT', 'VERIFIED', 'OVERRIDES'],
    entries.map((e) => [
      e.date,
      e.environment,
      e.what === 'chart' ? `chart ${e.from ?? '(none)'} -> ${e.tag}` : changeText(e),
      e.kind,
      e.promotedFrom ?? '-',
      e.author,
      e.commit.slice(0, 7),
      e.verification ? `${e.verification.result} ${e.verification.date}` : '-',
      e.overrides ?? '-',
    ]),
  );
}

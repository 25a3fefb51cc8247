import { join } from 'node:path';
import { readProjectName, stackFileName } from '../../model/stack-config.js';
import { Git } from '../git/git.js';
import type { Platform } from '../../model/platform.js';
import { formatTime } from '../../model/gate.js';
import { readIfExists } from '../fs/read-if-exists.js';
import { StackFile } from './stack-file.js';
import { StackHistory, type TagChange } from './stack-history.js';
import { configChanges } from './config-history.js';
import { isDeepStrictEqual } from 'node:util';

/** The config values of a service in one environment: how many the stack file sets, and the commit that last changed them. */
export interface ConfigStatus {
  /** Keys the stack file sets (the others take their defaults). */
  readonly keys: number;
  readonly since: string | undefined;
  readonly by: string | undefined;
  readonly commit: string | undefined;
  /** The working tree's values differ from the committed ones. */
  readonly uncommitted: boolean;
}
import { readVerificationsAsync, type VerificationRecords } from './verification-record.js';
import { trainRunning, type TrainRunning } from './release-train.js';

/** What runs (per the stack files) for one service in one environment, and since when. */
export interface ServiceStatus {
  readonly environment: string;
  readonly service: string;
  readonly tag: string | undefined;
  /** Pinned digest, when `<project>:digests` has one. */
  readonly digest: string | undefined;
  /** ISO time of the commit that put the tag there; undefined when not committed. */
  readonly since: string | undefined;
  readonly by: string | undefined;
  readonly commit: string | undefined;
  /** The working tree's tag differs from the committed one. */
  readonly uncommitted: boolean;
  /** Present for a service with a config schema (`ServiceProps.config`). */
  readonly config?: ConfigStatus;
  /** The latest verification of this tag here (`ferry verify record`): healthy, degraded or aborted; undefined when none. */
  readonly verified?: string;
  /** ISO time of that verification. */
  readonly verifiedAt?: string;
  /** The release train commit this service last came with in this environment, and whether it drifted since; absent when none. */
  readonly train?: TrainRunning;
  /** A chart service's chart version (`<project>:charts.<service>.version`); absent for other services. */
  readonly chartVersion?: string;
}

/**
 * Every environment × service, in promotion order and service order. git's two logs (the stack
 * files' history and the verification records) run at the same time.
 * @param only the services to report (platform order kept); every service when empty
 * @param verifications the records, when the caller started reading them already ({@link readVerificationsAsync})
 */
export async function deploymentStatus(
  root: string,
  platform: Platform,
  env: Readonly<Record<string, string | undefined>> = process.env,
  only: readonly string[] = [],
  verifications: Promise<VerificationRecords | undefined> = readVerificationsAsync(root, env),
): Promise<ServiceStatus[]> {
  const wanted = new Set(only.map((name) => platform.service(name).name));
  const services = platform.services.filter((s) => wanted.size === 0 || wanted.has(s.name));
  const project = readProjectName(root);
  const git = new Git(root, env);
  const inGit = await git.isRepositoryAsync();
  const out: ServiceStatus[] = [];
  const reading = inGit ? StackHistory.readAllAsync(git, platform.environments.map((e) => ({ environment: e.name, file: stackFileName(e.name) })), project) : undefined;
  const [histories, records] = await Promise.all([reading, verifications]);
  for (const environment of platform.environments) {
    const file = stackFileName(environment.name);
    const text = readIfExists(join(root, file));
    const history = histories?.get(environment.name) ?? new StackHistory(environment.name, []);
    // Chart versions are not in what the history scanned: a platform with chart services parses.
    const asCommitted = text === undefined || platform.services.some((s) => s.chart) ? undefined : history.committedStack(text);
    const stack = text === undefined ? undefined : (asCommitted ?? StackFile.parse(text, file, project));
    for (const service of services) {
      const tag = stack?.tagOf(service.name);
      const current: TagChange | undefined = history.current(service.name);
      const committed = current?.tag === tag;
      const verification = tag === undefined ? undefined : records?.latest(environment.name, service.name, tag);
      out.push({
        environment: environment.name,
        service: service.name,
        tag,
        digest: stack?.digestOf(service.name),
        since: committed && current ? formatTime(current.revision.date) : undefined,
        by: committed && current ? current.revision.author : undefined,
        commit: committed && current ? current.revision.commit : undefined,
        uncommitted: !committed,
        ...(Object.keys(service.config).length > 0 ? { config: configStatus(history, service.name, stack?.configOf(service.name) ?? {}) } : {}),
        ...(verification ? { verified: verification.result, verifiedAt: formatTime(verification.date) } : {}),
        ...withTrain(trainRunning(platform.trainOf(service.name), service.name, environment.name, history.revisions, tag)),
        ...(service.chart ? { chartVersion: (stack instanceof StackFile ? stack.chartVersionOf(service.name) : undefined) ?? '-' } : {}),
      });
    }
  }
  if (histories) StackHistory.keepReadConfig(histories.values());
  return out;
}

function configStatus(history: StackHistory, service: string, values: Readonly<Record<string, unknown>>): ConfigStatus {
  const last = configChanges(history.revisions, service).at(-1);
  const committedValues = history.revisions.at(-1)?.config?.[service] ?? {};
  const uncommitted = !isDeepStrictEqual(committedValues, values);
  return {
    keys: Object.keys(values).length,
    since: !uncommitted && last ? formatTime(last.revision.date) : undefined,
    by: !uncommitted && last ? last.revision.author : undefined,
    commit: !uncommitted && last ? last.revision.commit : undefined,
    uncommitted,
  };
}

/** The `train` field when there is one (absent otherwise, so status without trains reads as before). */
function withTrain(train: TrainRunning | undefined): { train?: TrainRunning } {
  return train ? { train } : {};
}

/** Columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The status as a table: ENV SERVICE TAG DIGEST SINCE BY COMMIT VERIFIED, and CONFIG when a service has config. */
export function formatStatus(statuses: readonly ServiceStatus[]): string {
  const withConfig = statuses.some((s) => s.config !== undefined);
  // A TRAIN column once a release train reached an environment: `checkout@1a2b3c4`, `drifted from v1.2.0` when the member moved since.
  const trains = statuses.some((s) => s.train !== undefined);
  const trainCell = (s: ServiceStatus) => (s.train ? `${s.train.name}@${s.train.commit.slice(0, 7)}${s.train.kind === 'rollback' ? ' (rollback)' : ''}${s.train.drifted ? ` drifted from ${s.train.tag}` : ''}` : '-');
  return formatTable(
    ['ENV', 'SERVICE', 'TAG', 'DIGEST', 'SINCE', 'BY', 'COMMIT', 'VERIFIED', ...(withConfig ? ['CONFIG'] : []), ...(trains ? ['TRAIN'] : [])],
    statuses.map((s) => [
      s.environment,
      s.service,
      s.chartVersion === undefined ? (s.tag ?? '-') : `${s.tag ?? '-'} (chart ${s.chartVersion})`,
      s.digest ? `${s.digest.slice(0, 19)}…` : '-',
      s.uncommitted ? 'uncommitted' : (s.since ?? '-'),
      s.by ?? '-',
      s.commit ? s.commit.slice(0, 7) : '-',
      s.verified ? `${s.verified} ${s.verifiedAt}` : '-',
      ...(withConfig ? [configCell(s.config)] : []),
      ...(trains ? [trainCell(s)] : []),
    ]),
  );
}

/** `2 keys, changed 2026-03-10T12:00:00Z in 1a2b3c4`, `2 keys, uncommitted`, or '-'. */
function configCell(config: ConfigStatus | undefined): string {
  if (config === undefined) return '-';
  const keys = `${config.keys} key${config.keys === 1 ? '' : 's'}`;
  if (config.uncommitted) return `${keys}, uncommitted`;
  return config.commit ? `${keys}, changed ${config.since} in ${config.commit.slice(0, 7)}` : keys;
}

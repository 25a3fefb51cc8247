import { join } from 'node:path';
import { readProjectName, stackFileName } from '../../model/stack-config.js';
import { Git } from '../git/git.js';
import type { Platform } from '../../model/platform.js';
import { formatTime } from '../../model/gate.js';
import { readIfExists } from './rendered-changes.js';
import { StackFile } from './stack-file.js';
import { StackHistory, type TagChange } from './stack-history.js';

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
  /** A chart service's chart version (`<project>:charts.<service>.version`); absent for other services. */
  readonly chartVersion?: string;
}

/** Every environment × service, in promotion order and service order. */
export function deploymentStatus(root: string, platform: Platform, env: Readonly<Record<string, string | undefined>> = process.env): ServiceStatus[] {
  const project = readProjectName(root);
  const git = new Git(root, env);
  const inGit = git.isRepository();
  const out: ServiceStatus[] = [];
  const histories = inGit ? StackHistory.readAll(git, platform.environments.map((e) => ({ environment: e.name, file: stackFileName(e.name) })), project) : undefined;
  for (const environment of platform.environments) {
    const file = stackFileName(environment.name);
    const text = readIfExists(join(root, file));
    const stack = text === undefined ? undefined : StackFile.parse(text, file, project);
    const history = histories?.get(environment.name) ?? new StackHistory(environment.name, []);
    for (const service of platform.services) {
      const tag = stack?.tagOf(service.name);
      const current: TagChange | undefined = history.current(service.name);
      const committed = current?.tag === tag;
      out.push({
        environment: environment.name,
        service: service.name,
        tag,
        digest: stack?.digestOf(service.name),
        since: committed && current ? formatTime(current.revision.date) : undefined,
        by: committed && current ? current.revision.author : undefined,
        commit: committed && current ? current.revision.commit : undefined,
        uncommitted: !committed,
        ...(service.chart ? { chartVersion: stack?.chartVersionOf(service.name) ?? '-' } : {}),
      });
    }
  }
  return out;
}

/** Columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The status as a table: ENV SERVICE TAG DIGEST SINCE BY COMMIT. */
export function formatStatus(statuses: readonly ServiceStatus[]): string {
  return formatTable(
    ['ENV', 'SERVICE', 'TAG', 'DIGEST', 'SINCE', 'BY', 'COMMIT'],
    statuses.map((s) => [
      s.environment,
      s.service,
      s.chartVersion === undefined ? (s.tag ?? '-') : `${s.tag ?? '-'} (chart ${s.chartVersion})`,
      s.digest ? `${s.digest.slice(0, 19)}…` : '-',
      s.uncommitted ? 'uncommitted' : (s.since ?? '-'),
      s.by ?? '-',
      s.commit ? s.commit.slice(0, 7) : '-',
    ]),
  );
}

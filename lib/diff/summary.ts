import { compareStrings } from '../../model/platform.js';
import type { ChangeCounts } from './object-diff.js';
import type { ApplicationDiff, EnvironmentDiff } from './report.js';
import { imageName, imageVersion, replicasText } from './workload-facts.js';

/** "1 added, 2 changed, 0 removed" */
export function formatCounts(counts: ChangeCounts): string {
  return `${counts.added} added, ${counts.changed} changed, ${counts.removed} removed`;
}

/** `api: sha-1a2b3c4d → sha-5e6f7a8b` for every container whose image differs (`none` on a side without it). */
export function imageChanges(applications: readonly ApplicationDiff[]): string[] {
  const out: string[] = [];
  for (const app of applications) {
    const before = app.before?.images ?? {};
    const after = app.after?.images ?? {};
    const containers = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareStrings);
    for (const container of containers) {
      const a = before[container];
      const b = after[container];
      if (a === b) continue;
      const label = app.service === undefined || container === app.service ? container : `${app.service}/${container}`;
      const sameVersion = a !== undefined && b !== undefined && imageVersion(a) === imageVersion(b);
      const show = (ref: string | undefined) => {
        if (ref === undefined) return 'none';
        if (sameVersion || (a && b && imageName(a) !== imageName(b))) return ref;
        return imageVersion(ref) || 'untagged';
      };
      out.push(`${label}: ${show(a)} → ${show(b)}`);
    }
  }
  return out;
}

/** "replicas api, web: 2 → 3": services grouped by identical change; only where both sides have a value. */
function groupedChanges(applications: readonly ApplicationDiff[], what: string, read: (app: ApplicationDiff, side: 'before' | 'after') => string | undefined): string[] {
  const groups = new Map<string, string[]>();
  for (const app of applications) {
    const a = read(app, 'before');
    const b = read(app, 'after');
    if (a === undefined || b === undefined || a === b) continue;
    const key = `${a} → ${b}`;
    groups.set(key, [...(groups.get(key) ?? []), app.service ?? app.name]);
  }
  return [...groups].map(([change, services]) => `${what} ${services.join(', ')}: ${change}`);
}

/**
 * The summary items of one environment, in this order: image changes, replicas, strategy,
 * sync policy (`syncChange` when it differs), then the object counts. Empty when nothing differs.
 */
export function environmentSummary(applications: readonly ApplicationDiff[], counts: ChangeCounts, syncChange?: string): string[] {
  if (counts.added + counts.changed + counts.removed === 0 && syncChange === undefined) return [];
  const items: string[] = [];
  const images = imageChanges(applications);
  if (images.length > 0) items.push(images.join(', '));
  items.push(...groupedChanges(applications, 'replicas', (app, side) => replicasText(app[side])));
  items.push(...groupedChanges(applications, 'strategy', (app, side) => app[side]?.strategy));
  if (syncChange !== undefined) items.push(`sync: ${syncChange}`);
  items.push(formatCounts(counts));
  return items;
}

/** "prod: api: v1.3.2 → v1.3.3; 0 added, 1 changed, 0 removed", or "stage: no changes". */
export function summaryLine(env: EnvironmentDiff): string {
  const prefix = env.status === 'added' ? 'new environment; ' : env.status === 'removed' ? 'environment removed; ' : '';
  return env.summary.length === 0 ? `${env.name}: no changes` : `${env.name}: ${prefix}${env.summary.join('; ')}`;
}

import type { ResolvedEnvironment } from '../../model/resolve.js';

/** Rows of environment × service → tag, replicas, strategy, sync, in promotion order. */
export function summaryRows(environments: readonly ResolvedEnvironment[]): string[][] {
  const rows: string[][] = [];
  for (const env of environments) {
    for (const s of env.services) {
      // A chart service's replicas and rollout are its chart's and values' business.
      const chart = s.service.chart;
      rows.push([
        env.environment.name,
        s.service.name,
        s.digest ? `${s.tag}@${s.digest.slice(0, 19)}…` : s.tag,
        chart ? '-' : String(s.replicas),
        chart ? `helm ${chart.name} ${env.config.charts?.[s.service.name]?.version ?? '?'}` : env.environment.strategy.describe(),
        env.environment.syncPolicy.describe(),
      ]);
    }
  }
  return rows;
}

/** A plain-text table with a header row; columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderSummary(environments: readonly ResolvedEnvironment[]): string {
  return formatTable(['ENVIRONMENT', 'SERVICE', 'TAG', 'REPLICAS', 'STRATEGY', 'SYNC'], summaryRows(environments));
}

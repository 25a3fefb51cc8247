import type { DiffReport } from './report.js';

/** The report as JSON: every field of {@link DiffReport}, objects included whole. */
export function formatJson(report: DiffReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

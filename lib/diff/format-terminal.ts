import { changeLines, changeSign, COLLAPSE_LINES } from './change-lines.js';
import { hasChanges, type DiffReport } from './report.js';

/** Options of {@link formatTerminal}. */
export interface TerminalFormatOptions {
  /**
   * ANSI colours.
   * @default false
   */
  readonly color?: boolean;
  /**
   * Show added and removed objects whole instead of their first lines.
   * @default false
   */
  readonly expand?: boolean;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;

/** The report as text for a terminal: summary, risks, then environment → Application → object. */
export function formatTerminal(report: DiffReport, options: TerminalFormatOptions = {}): string {
  const paint = (code: keyof typeof CODES, text: string) => (options.color ? `\u001b[${CODES[code]}m${text}\u001b[0m` : text);
  const out: string[] = [];
  out.push(paint('bold', `ferry diff: ${report.base.ref} (${report.base.commit.slice(0, 12)}) → working tree`));
  if (!hasChanges(report)) {
    out.push('No differences in the rendered objects.');
    for (const note of report.notes) out.push(`note: ${note}`);
    return `${out.join('\n')}\n`;
  }
  out.push('', paint('bold', 'Summary'));
  for (const line of report.summaryLines) out.push(`  ${line}`);
  if (report.risks.length > 0) {
    out.push('', paint('bold', 'Risks'));
    for (const risk of report.risks) out.push(`  ${paint('yellow', '!')} ${risk.environment}: ${risk.message}`);
  }
  for (const note of report.notes) out.push('', `note: ${note}`);
  for (const env of report.environments) {
    if (env.applications.length === 0) continue;
    out.push('', paint('bold', `== ${env.name} ==`));
    for (const app of env.applications) {
      out.push(`  ${paint('cyan', app.name)}`);
      for (const change of app.changes) {
        const sign = changeSign(change);
        const colour = sign === '+' ? 'green' : sign === '-' ? 'red' : 'yellow';
        out.push(`    ${paint(colour, `${sign} ${change.key}`)}`);
        let lines = changeLines(change);
        const hidden = change.status !== 'changed' && !options.expand && lines.length > COLLAPSE_LINES ? lines.length - COLLAPSE_LINES : 0;
        if (hidden > 0) lines = lines.slice(0, COLLAPSE_LINES);
        for (const line of lines) {
          const text = `      ${line.sign} ${line.text}`;
          out.push(line.sign === '+' ? paint('green', text) : line.sign === '-' ? paint('red', text) : paint('dim', text));
        }
        if (hidden > 0) out.push(paint('dim', `      … ${hidden} more lines (--expand shows them)`));
      }
    }
  }
  return `${out.join('\n')}\n`;
}

import { changeLines, changeSign, COLLAPSE_LINES } from './change-lines.js';
import type { DiffLine } from './field-diff.js';
import { hasChanges, type DiffReport } from './report.js';

/** The hidden marker that finds the sticky pull-request comment again. */
export const COMMENT_MARKER = '<!-- ferry-diff -->';
/** GitHub refuses comments longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** Options of {@link formatMarkdown}. */
export interface MarkdownFormatOptions {
  /**
   * Upper bound of the comment in UTF-8 bytes (never fewer than its characters); details that do
   * not fit are left out with a note. `Infinity` for the full diff.
   * @default 60000 - below GitHub's 65,536-character limit, with room for the note
   */
  readonly limit?: number;
  /**
   * Where the full diff is, named in the truncation note (the --output file).
   * @default - the note says to run ferry diff --output
   */
  readonly fullDiffFile?: string;
  /**
   * A link to the full diff (e.g. the workflow run holding it as an artifact).
   * @default - none
   */
  readonly fullDiffUrl?: string;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A fenced code block whose fence is longer than any backtick run inside. */
function fence(lang: string, body: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${lang}\n${body}\n${ticks}`;
}

function diffBody(lines: readonly DiffLine[]): string {
  return lines.map((l) => `${l.sign} ${l.text}`).join('\n');
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * The report as a pull-request comment: the marker, the summary lines, the risk flags, then a
 * collapsible section per environment with a `diff` block per object (added and removed objects
 * longer than 25 lines collapsed in their own section). Stays within `limit`: sections that do
 * not fit are left out, and a note says how many objects in which environments and where the
 * full diff is.
 */
export function formatMarkdown(report: DiffReport, options: MarkdownFormatOptions = {}): string {
  const limit = options.limit ?? 60_000;
  const head: string[] = [COMMENT_MARKER, '### ferry diff', ''];
  head.push(`Base \`${report.base.ref}\` (\`${report.base.commit.slice(0, 12)}\`) → this pull request.`, '');
  if (!hasChanges(report)) {
    head.push('No differences in the rendered objects.');
    for (const note of report.notes) head.push('', `> ${note}`);
    return `${head.join('\n')}\n`;
  }
  head.push('**Summary**', '');
  for (const line of report.summaryLines) head.push(`- ${line}`);
  if (report.risks.length > 0) {
    head.push('', '**Risks**', '');
    const shown = report.risks.slice(0, 50);
    for (const risk of shown) head.push(`- :warning: ${risk.environment}: ${risk.message}`);
    if (report.risks.length > shown.length) head.push(`- … and ${report.risks.length - shown.length} more risk flags in the full diff`);
  }
  for (const note of report.notes) head.push('', `> ${note}`);
  head.push('');

  const reserve = 1_000; // the truncation note and closing tags
  let text = head.join('\n');
  const omitted = new Map<string, number>();
  let truncated = false;
  for (const env of report.environments) {
    if (env.applications.length === 0) continue;
    const total = env.applications.reduce((n, a) => n + a.changes.length, 0);
    const open = `\n<details><summary><b>${escapeHtml(env.name)}</b>: ${escapeHtml(env.summary.join('; '))}</summary>\n\n`;
    const close = '\n</details>\n';
    if (truncated || bytes(text) + bytes(open) + bytes(close) + reserve > limit) {
      truncated = true;
      omitted.set(env.name, total);
      continue;
    }
    let section = open;
    let left = 0;
    for (const app of env.applications) {
      const title = `#### ${escapeHtml(app.name)}\n\n`;
      let appText = '';
      let appLeft = 0;
      for (const change of app.changes) {
        if (truncated) {
          appLeft++;
          continue;
        }
        const lines = changeLines(change);
        const label = `${changeSign(change)} ${change.key}`;
        const block =
          change.status !== 'changed' && lines.length > COLLAPSE_LINES
            ? `<details><summary><code>${escapeHtml(label)}</code> (${lines.length} lines)</summary>\n\n${fence('diff', diffBody(lines))}\n\n</details>\n\n`
            : `${fence('diff', `${label}\n${diffBody(lines)}`)}\n\n`;
        if (bytes(text) + bytes(section) + bytes(title) + bytes(appText) + bytes(block) + bytes(close) + reserve > limit) {
          truncated = true;
          appLeft++;
          continue;
        }
        appText += block;
      }
      if (appText !== '') section += title + appText;
      left += appLeft;
    }
    if (left > 0) omitted.set(env.name, left);
    if (section !== open) text += section + close;
    else omitted.set(env.name, total);
  }
  if (omitted.size > 0) {
    const count = [...omitted.values()].reduce((a, b) => a + b, 0);
    const where = options.fullDiffUrl
      ? `[the full diff](${options.fullDiffUrl})${options.fullDiffFile ? ` (\`${options.fullDiffFile}\`)` : ''}`
      : options.fullDiffFile
        ? `the full diff in \`${options.fullDiffFile}\``
        : 'the full diff (`ferry diff --output <file>`)';
    text += `\n> **Truncated:** left out the details of ${count} object${count === 1 ? '' : 's'} (${[...omitted].map(([e, n]) => `${e}: ${n}`).join(', ')}) to stay under GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')}-character comment limit. See ${where}.\n`;
  }
  return text;
}

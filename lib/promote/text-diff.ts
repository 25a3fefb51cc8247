// The one module of jsdiff that makes patches (and the three it imports), not the package's index of 19.
import { structuredPatch } from 'diff/lib/patch/create.js';

/**
 * A unified diff of two texts (`--- a/<path>` / `+++ b/<path>` with @@ hunks, `/dev/null` for a
 * side that does not exist), computed by jsdiff (Myers' algorithm). Empty when equal.
 */
export function unifiedDiff(path: string, before: string | undefined, after: string | undefined, context = 3): string {
  if (before === after) return '';
  const patch = structuredPatch(`a/${path}`, `b/${path}`, before ?? '', after ?? '', undefined, undefined, { context });
  const lines = [`--- ${before === undefined ? '/dev/null' : `a/${path}`}`, `+++ ${after === undefined ? '/dev/null' : `b/${path}`}`];
  for (const hunk of patch.hunks) {
    lines.push(`@@ -${hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart},${hunk.oldLines} +${hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart},${hunk.newLines} @@`);
    // jsdiff marks a missing final newline with its own line; the texts ferry diffs always end with one.
    for (const line of hunk.lines) if (!line.startsWith('\\')) lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

import { loadPlatform } from '../../lib/loader/load-platform.js';
import { formatGraphMermaid, formatGraphText, graphNodes } from '../../lib/promote/graph-view.js';
import { parseFlags, UsageError, type CliCommand } from '../command.js';

const FORMATS = ['text', 'mermaid', 'json'] as const;

export const graphCommand: CliCommand = {
  name: 'graph',
  summary: 'The promotion graph: each environment with its upstreams and fan-in, as text or Mermaid',
  help: `Usage: ferry graph [--format text|mermaid|json]

Prints the promotion graph of platform/platform.ts: every environment after its upstreams, with
its fan-in (several upstreams: the tag must have run in all of them, or any one), soak hours and
whether promotions need review; then the edges. A profile's 'upstreams' declares where an
environment is promoted from (default: the environment before it in the list).

Options:
  --format text      a table and the edges (default)
  --format mermaid   a Mermaid flowchart, for a README or a pull request
  --format json      an array of { environment, upstreams, downstreams, fanIn, soakHours, requiresReview }
`,
  async run(argv, io) {
    const { values } = parseFlags('graph', argv, { format: { type: 'string' } });
    const format = values.format ?? 'text';
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`ferry graph: --format '${format}' is not allowed; allowed: ${FORMATS.join(', ')}`);
    const platform = await loadPlatform(io.cwd);
    if (format === 'mermaid') io.out(formatGraphMermaid(platform));
    else if (format === 'json') io.out(`${JSON.stringify(graphNodes(platform), null, 2)}\n`);
    else io.out(formatGraphText(platform));
    return 0;
  },
};

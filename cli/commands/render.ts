import { loadPlatform } from '../../lib/platform/load.js';
import { renderRepository } from '../../lib/render/render.js';
import { renderSummary } from '../../lib/render/summary.js';
import { compareTree, hasDrift, writeTreeAtomically } from '../../lib/render/tree.js';
import { parseFlags, type CliCommand } from '../command.js';

export const renderCommand: CliCommand = {
  name: 'render',
  summary: 'Render manifests/ from the constructs and every Pulumi.<env>.yaml (--check: fail on drift)',
  help: `Usage: ferry render [--check] [--quiet]

Renders manifests/base/<service>/, manifests/overlays/<env>/<service>/ and
manifests/argocd/<cluster>/ from platform/platform.ts and every Pulumi.<env>.yaml,
then prints environment x service -> tag, replicas, strategy, sync.
The output is a pure function of code and stack config; the tree is replaced atomically,
so a failed render leaves it untouched, and files no longer rendered are removed.

Options:
  --check   write nothing; exit 1 and list the files that differ from a fresh render
  --quiet   do not print the summary table
`,
  async run(argv, io) {
    const { values } = parseFlags('render', argv, { check: { type: 'boolean' }, quiet: { type: 'boolean' } });
    const output = renderRepository(io.cwd, await loadPlatform(io.cwd));
    if (values.check) {
      const drift = compareTree(io.cwd, output.files);
      if (!hasDrift(drift)) {
        io.out(`manifests/ is up to date (${output.files.size} files)\n`);
        return 0;
      }
      const lines = [
        ...drift.changed.map((p) => `  changed: ${p}`),
        ...drift.missing.map((p) => `  missing: ${p}`),
        ...drift.stale.map((p) => `  stale:   ${p}`),
      ];
      io.err(`manifests/ differs from a fresh render; run \`npm run render\` and commit the result:\n${lines.join('\n')}\n`);
      return 1;
    }
    writeTreeAtomically(io.cwd, output.files);
    if (!values.quiet) io.out(`${renderSummary(output.environments)}\n\nwrote ${output.files.size} files to manifests/\n`);
    return 0;
  },
};

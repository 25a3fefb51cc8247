import { renderIncrementally } from '../../lib/render/incremental-render.js';
import { parseFlags, type CliCommand } from '../command.js';

export const renderCommand: CliCommand = {
  name: 'render',
  summary: 'Render manifests/ from the constructs and every Pulumi.<env>.yaml (--check: fail on drift)',
  help: `Usage: ferry render [--check] [--quiet] [--full] [--explain]

Renders manifests/base/<service>/, manifests/overlays/<env>/<service>/ and
manifests/argocd/<cluster>/ from platform/platform.ts and every Pulumi.<env>.yaml,
.github/CODEOWNERS from the environments' release approvers, and .github/workflows/*.yaml from
the promotion graph (templates/workflows/ of ferry, or your own of the same name), then prints
environment x service -> tag, replicas, strategy, sync.
The output is a pure function of code and stack config. Bad config fails before anything is
written; only files that differ are replaced, swapped in together, and files no longer
rendered are removed.
Each render records its inputs' and outputs' hashes in the git directory: with no input
changed, render and --check only hash files; with only image tags or digests changed in the
stack files (a promotion), only those services' overlays are synthesised; with other stack-file
changes, only those environments (and every cluster's Argo CD objects). Anything else renders
everything (docs/performance.md#incremental-render).

Options:
  --check   write nothing; exit 1 and list the files that differ from a fresh render
  --quiet   do not print the summary table
  --full    render everything, whatever the record says
  --explain print on stderr how the render was answered (unchanged, services,
            environments, full) and why
`,
  async run(argv, io) {
    const { values } = parseFlags('render', argv, { check: { type: 'boolean' }, quiet: { type: 'boolean' }, full: { type: 'boolean' }, explain: { type: 'boolean' } });
    const result = await renderIncrementally(io.cwd, { check: values.check, full: values.full, command: `ferry render ${argv.join(' ')}`.trim() });
    if (values.explain) io.err(`ferry render: ${result.reason}\n`);
    const lines = result.drift.map((line) => `  ${`${line.state}:`.padEnd(8)} ${line.path}`);
    if (values.check) {
      if (lines.length === 0) {
        io.out(`manifests/ is up to date (${result.manifestCount} files)\n`);
        return 0;
      }
      io.err(`manifests/ differs from a fresh render; run \`npm run render\` and commit the result:\n${lines.join('\n')}\n`);
      return 1;
    }
    const message =
      result.written + result.removed === 0
        ? `nothing changed: ${result.manifestCount} files in manifests/ and ${result.githubCount} under .github/ are up to date`
        : `wrote ${result.written} files${result.removed > 0 ? `, removed ${result.removed}` : ''} (${result.manifestCount} in manifests/, ${result.githubCount} under .github/)`;
    if (!values.quiet) io.out(`${result.summary}\n\n${message}\n`);
    return 0;
  },
};

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODEOWNERS_PATH, renderCodeowners } from '../../lib/github/codeowners.js';
import { isEngineCheckout, renderWorkflows } from '../../lib/github/render-workflows.js';
import { loadPlatform } from '../../lib/loader/load-platform.js';
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
.github/CODEOWNERS from the environments' release approvers, and .github/workflows/*.yaml from
the promotion graph (templates/workflows/ of ferry, or your own of the same name), then prints
environment x service -> tag, replicas, strategy, sync.
The output is a pure function of code and stack config. Bad config fails before anything is
written; only files that differ are replaced, swapped in together, and files no longer
rendered are removed.

Options:
  --check   write nothing; exit 1 and list the files that differ from a fresh render
  --quiet   do not print the summary table
`,
  async run(argv, io) {
    const { values } = parseFlags('render', argv, { check: { type: 'boolean' }, quiet: { type: 'boolean' } });
    const platform = await loadPlatform(io.cwd);
    const output = renderRepository(io.cwd, platform);
    // Files outside manifests/ that follow the platform: CODEOWNERS and the workflows.
    const repositoryFiles = new Map([[CODEOWNERS_PATH, renderCodeowners(platform, { engineCheckout: isEngineCheckout(io.cwd) })], ...renderWorkflows(io.cwd, platform)]);
    const state = (path: string, content: string) => {
      const file = join(io.cwd, path);
      return !existsSync(file) ? 'missing' : readFileSync(file, 'utf8') === content ? 'same' : 'changed';
    };
    const outdated = [...repositoryFiles].map(([path, content]) => ({ path, content, state: state(path, content) })).filter((f) => f.state !== 'same');
    if (values.check) {
      const drift = compareTree(io.cwd, output.files);
      if (!hasDrift(drift) && outdated.length === 0) {
        io.out(`manifests/ is up to date (${output.files.size} files)\n`);
        return 0;
      }
      const lines = [
        ...drift.changed.map((p) => `  changed: ${p}`),
        ...drift.missing.map((p) => `  missing: ${p}`),
        ...drift.stale.map((p) => `  stale:   ${p}`),
        ...outdated.map((f) => `  ${`${f.state}:`.padEnd(8)} ${f.path}`),
      ];
      io.err(`manifests/ differs from a fresh render; run \`npm run render\` and commit the result:\n${lines.join('\n')}\n`);
      return 1;
    }
    // manifests/, CODEOWNERS and the workflows in one crash-safe transaction, serialised with other writers of this tree.
    const drift = writeTreeAtomically(io.cwd, output.files, {
      alsoWrite: new Map(outdated.map((f) => [f.path, f.content])),
      command: `ferry render ${argv.join(' ')}`.trim(),
    });
    const written = drift.changed.length + drift.missing.length + outdated.length;
    const removed = drift.stale.length;
    const result =
      written + removed === 0
        ? `nothing changed: ${output.files.size} files in manifests/ and ${repositoryFiles.size} under .github/ are up to date`
        : `wrote ${written} files${removed > 0 ? `, removed ${removed}` : ''} (${output.files.size} in manifests/, ${repositoryFiles.size} under .github/)`;
    if (!values.quiet) io.out(`${renderSummary(output.environments)}\n\n${result}\n`);
    return 0;
  },
};

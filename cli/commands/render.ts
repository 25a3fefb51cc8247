import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODEOWNERS_PATH, renderCodeowners } from '../../lib/ci/codeowners.js';
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
manifests/argocd/<cluster>/ from platform/platform.ts and every Pulumi.<env>.yaml, and
.github/CODEOWNERS from the environments' release approvers, then prints
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
    const codeowners = renderCodeowners(platform);
    const codeownersFile = join(io.cwd, CODEOWNERS_PATH);
    const codeownersState = !existsSync(codeownersFile) ? 'missing' : readFileSync(codeownersFile, 'utf8') === codeowners ? 'same' : 'changed';
    if (values.check) {
      const drift = compareTree(io.cwd, output.files);
      if (!hasDrift(drift) && codeownersState === 'same') {
        io.out(`manifests/ is up to date (${output.files.size} files)\n`);
        return 0;
      }
      const lines = [
        ...drift.changed.map((p) => `  changed: ${p}`),
        ...drift.missing.map((p) => `  missing: ${p}`),
        ...drift.stale.map((p) => `  stale:   ${p}`),
        ...(codeownersState === 'same' ? [] : [`  ${`${codeownersState}:`.padEnd(8)} ${CODEOWNERS_PATH}`]),
      ];
      io.err(`manifests/ differs from a fresh render; run \`npm run render\` and commit the result:\n${lines.join('\n')}\n`);
      return 1;
    }
    // manifests/ and CODEOWNERS in one crash-safe transaction, serialised with other writers of this tree.
    writeTreeAtomically(io.cwd, output.files, { alsoWrite: new Map([[CODEOWNERS_PATH, codeowners]]), command: `ferry render ${argv.join(' ')}`.trim() });
    if (!values.quiet) io.out(`${renderSummary(output.environments)}\n\nwrote ${output.files.size} files to manifests/\n`);
    return 0;
  },
};

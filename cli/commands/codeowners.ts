import { join } from 'node:path';
import { writeFilesAtomically } from '../../lib/fs/atomic-tree.js';
import { readIfExists } from '../../lib/fs/read-if-exists.js';
import { CODEOWNERS_PATH, renderCodeowners } from '../../lib/github/codeowners.js';
import { isEngineCheckout } from '../../lib/github/render-workflows.js';
import { loadPlatform } from '../../lib/loader/load-platform.js';
import { parseFlags, type CliCommand } from '../command.js';

export const codeownersCommand: CliCommand = {
  name: 'codeowners',
  summary: `Write ${CODEOWNERS_PATH} from the environment graph's release approvers (--check: fail on drift)`,
  help: `Usage: ferry codeowners [--check]

Writes ${CODEOWNERS_PATH}: every file whose change reaches an environment that requires review
is owned by that environment's 'approvers' (GitHub users or teams, set in platform/platform.ts):
its Pulumi.<env>.yaml and manifests/overlays/<env>/, the Argo CD files of its cluster, every
service base, platform/, Pulumi.yaml, package.json, package-lock.json, templates/, constructs/,
charts/, .github/workflows/ and the file itself. Turn on "Require review from Code Owners" in
the default branch's protection so GitHub enforces it.

Options:
  --check   write nothing; exit 1 when ${CODEOWNERS_PATH} differs from the generated text
`,
  async run(argv, io) {
    const { values } = parseFlags('codeowners', argv, { check: { type: 'boolean' } });
    const text = renderCodeowners(await loadPlatform(io.cwd), { engineCheckout: isEngineCheckout(io.cwd) });
    const path = join(io.cwd, CODEOWNERS_PATH);
    const current = readIfExists(path);
    if (values.check) {
      if (current === text) {
        io.out(`${CODEOWNERS_PATH} is up to date\n`);
        return 0;
      }
      io.err(`${CODEOWNERS_PATH} ${current === undefined ? 'is missing' : 'differs from the environment graph'}; run \`ferry codeowners\` and commit the result\n`);
      return 1;
    }
    if (current !== text) writeFilesAtomically(io.cwd, [{ path: CODEOWNERS_PATH, content: text }], { command: 'ferry codeowners' });
    io.out(`${current === text ? 'unchanged' : 'wrote'} ${CODEOWNERS_PATH}\n`);
    return 0;
  },
};

import { readProjectName } from '../../model/stack-config.js';
import { writeFilesAtomically } from '../../lib/fs/atomic-tree.js';
import { layOutStackFiles } from '../../lib/promote/stack-layout.js';
import { parseFlags, type CliCommand } from '../command.js';

export const fmtCommand: CliCommand = {
  name: 'fmt',
  summary: 'Lay out every Pulumi.<env>.yaml so promotion pull requests never conflict (--check: only check)',
  help: `Usage: ferry fmt [--check]

Lays out every Pulumi.<env>.yaml of the repository so that two promotion pull requests (different
services, or different environments, or each the first --pin-digest) merge in either order without
a conflict: <project>:images and <project>:digests in block style with one service per paragraph
(a blank line between entries), and a digests entry for every service ('' while nothing is pinned).
Comments and values stay; a file that is not YAML is refused naming the file and line, and then
nothing is written. The files are written in one atomic step. Running it twice changes nothing.

Options:
  --check   write nothing; exit 1 naming every file that is not laid out (the pr workflow runs this)
`,
  async run(argv, io) {
    const { values } = parseFlags('fmt', argv, { check: { type: 'boolean' } });
    let layouts;
    try {
      layouts = layOutStackFiles(io.cwd, readProjectName(io.cwd));
    } catch (e) {
      io.err(`ferry fmt: ${(e as Error).message.split('\n').join('\nferry fmt: ')}\n`);
      return 1;
    }
    const changed = layouts.filter((l) => l.after !== l.before);
    if (values.check) {
      if (changed.length === 0) return 0;
      io.err(`ferry fmt --check: not in the conflict-free layout: ${changed.map((l) => l.file).join(', ')}; run 'ferry fmt' and commit\n`);
      return 1;
    }
    if (changed.length > 0) writeFilesAtomically(io.cwd, changed.map((l) => ({ path: l.file, content: l.after })), { command: `ferry fmt ${argv.join(' ')}`.trim() });
    io.out(changed.length === 0 ? `ferry fmt: ${layouts.length} stack files already laid out\n` : `ferry fmt: laid out ${changed.map((l) => l.file).join(', ')}\n`);
    return 0;
  },
};

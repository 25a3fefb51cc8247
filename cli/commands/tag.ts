import { isAbsolute, join } from 'node:path';
import { computeImageTag, findVersion, readVersionFile, type VersionSource } from '../../lib/tagging/image-tag.js';
import { parseFlags, UsageError, type CliCommand } from '../command.js';

export const tagCommand: CliCommand = {
  name: 'tag',
  needsRepository: false,
  summary: 'Print the immutable image tag of a build: sha-<8 hex> or <version>-SNAPSHOT-<7 hex>',
  help: `Usage: ferry tag --sha <git sha> [--version-from <file> | --find-version <dir>]

Prints the immutable tag of an image built from commit <git sha>, checked against the tag
formats the platform accepts. The reusable build workflow calls it; it needs no platform.

  without a version  sha-<first 8 hex of the commit>           e.g. sha-3f9c2a1b
  with a version     <X.Y.Z>-SNAPSHOT-<first 7 hex>            e.g. 1.4.0-SNAPSHOT-3f9c2a1

Options:
  --sha <sha>             the commit built (7 to 40 hex digits; 8 needed for sha- tags)
  --version-from <file>   read the version from this package.json ("version") or pyproject.toml
                          ([project] version, else [tool.poetry] version)
  --find-version <dir>    search <dir> for the shallowest package.json or pyproject.toml with a version
                          (node_modules, hidden folders, venv, __pycache__ and site-packages are skipped)

Relative paths are relative to the working directory. Exit 0 and the tag on stdout, or exit 1 and
an error naming the file and key; 2 for wrong usage.
`,
  async run(argv, io) {
    const { values } = parseFlags('tag', argv, {
      sha: { type: 'string' },
      'version-from': { type: 'string' },
      'find-version': { type: 'string' },
    });
    if (values.sha === undefined) throw new UsageError("ferry tag: --sha <git sha> is required; see 'ferry tag --help'");
    if (values['version-from'] !== undefined && values['find-version'] !== undefined) {
      throw new UsageError('ferry tag: give --version-from <file> or --find-version <dir>, not both');
    }
    const resolve = (path: string) => (isAbsolute(path) ? path : join(io.cwd, path));
    let version: VersionSource | undefined;
    if (values['version-from'] !== undefined) version = readVersionFile(resolve(values['version-from']), values['version-from']);
    if (values['find-version'] !== undefined) {
      version = findVersion(resolve(values['find-version']), values['find-version']);
      io.err(`version ${version.version} from ${version.file} (${version.key})\n`);
    }
    io.out(`${computeImageTag(values.sha, version)}\n`);
    return 0;
  },
};

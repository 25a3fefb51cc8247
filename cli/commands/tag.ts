import { isAbsolute, join } from 'node:path';
import { computeImageTag, computePullRequestTag, findVersion, readVersionFile, type VersionSource } from '../../lib/tagging/image-tag.js';
import { parseFlags, UsageError, type CliCommand } from '../command.js';

export const tagCommand: CliCommand = {
  name: 'tag',
  needsRepository: false,
  summary: 'Print the immutable image tag of a build: sha-<8 hex>, <version>-SNAPSHOT-<7 hex> or pr-<n>-<8 hex>',
  help: `Usage: ferry tag --sha <git sha> [--version-from <file> | --find-version <dir> | --pull-request <n>]

Prints the immutable tag of an image built from commit <git sha>, checked against the tag
formats the platform accepts. The reusable build workflow calls it; it needs no platform.

  without a version  sha-<first 8 hex of the commit>           e.g. sha-3f9c2a1b
  with a version     <X.Y.Z>-SNAPSHOT-<first 7 hex>            e.g. 1.4.0-SNAPSHOT-3f9c2a1
  a pull request     pr-<n>-<first 8 hex of its head commit>   e.g. pr-42-3f9c2a1b (previews only)

Options:
  --sha <sha>             the commit built (7 to 40 hex digits; 8 needed for sha- tags)
  --version-from <file>   read the version from this package.json ("version") or pyproject.toml
                          ([project] version, else [tool.poetry] version)
  --find-version <dir>    search <dir> for the shallowest package.json or pyproject.toml with a version
                          (node_modules, hidden folders, venv, __pycache__ and site-packages are skipped)
  --pull-request <n>      a build of pull request <n>; --sha is its head commit (not the merge commit)

Relative paths are relative to the working directory. Exit 0 and the tag on stdout, or exit 1 and
an error naming the file and key; 2 for wrong usage.
`,
  async run(argv, io) {
    const { values } = parseFlags('tag', argv, {
      sha: { type: 'string' },
      'version-from': { type: 'string' },
      'find-version': { type: 'string' },
      'pull-request': { type: 'string' },
    });
    if (values.sha === undefined) throw new UsageError("ferry tag: --sha <git sha> is required; see 'ferry tag --help'");
    if (values['version-from'] !== undefined && values['find-version'] !== undefined) {
      throw new UsageError('ferry tag: give --version-from <file> or --find-version <dir>, not both');
    }
    if (values['pull-request'] !== undefined) {
      if (values['version-from'] !== undefined || values['find-version'] !== undefined) {
        throw new UsageError('ferry tag: --pull-request builds are tagged pr-<n>-<sha>, without a version; drop --version-from/--find-version');
      }
      io.out(`${computePullRequestTag(values.sha, values['pull-request'])}\n`);
      return 0;
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

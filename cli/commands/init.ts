import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ferryResolvesFrom, resolveFerryToEngine } from '../../lib/scaffold/engine-resolution.js';
import { DEFAULT_SERVICE, InitOptionError, PLACEHOLDER_REGISTRY, resolveInitOptions } from '../../lib/scaffold/init-options.js';
import { EXECUTABLE_FILES, scaffoldPlatform } from '../../lib/scaffold/scaffold.js';
import { checkTargetDirectory } from '../../lib/scaffold/target-directory.js';
import { parseFlags, UsageError, type CliCommand } from '../command.js';
import { renderCommand } from './render.js';

/** The running engine's package.json: its version is the default dependency, its exports the fallback for 'ferry'. */
function enginePackage(): { readonly path: string; readonly version: string } {
  // Compiled to dist/cli/commands/init.js (three levels deep) or run from source by jest (two).
  for (const candidate of ['../../../package.json', '../../package.json']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    try {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ferry' && pkg.version) return { path, version: pkg.version };
    } catch {
      // try the next location
    }
  }
  throw new Error("cannot find the engine's package.json (name 'ferry') above cli/commands/");
}

/** A path as the user can paste it into a shell. */
function shellWord(path: string): string {
  return /^[A-Za-z0-9._/@+-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}

export const initCommand: CliCommand = {
  name: 'init',
  needsRepository: false,
  summary: 'Create a new platform repository: platform.ts, stack files, Pulumi project, tests, CI, rendered manifests',
  help: `Usage: ferry init [dir] [options]

Creates a platform repository in <dir> (default: the working directory), which must be new or
empty: package.json (depending on ferry), platform/platform.ts with one service and the promotion
graph, Pulumi.yaml (its config declarations are ferry's stack-config schema), one Pulumi.<env>.yaml
per environment with the service at v0.1.0, stacks/index.ts, test/platform.test.ts (node --test),
.ci/run, README.md, tsconfig.json and .gitignore. Then renders manifests/ and .github/CODEOWNERS
from them and prints the next steps.

Options:
  --name <platform>       platform name, also the Pulumi project and the Argo CD AppProject: a DNS
                          label of at most 40 characters (default: the directory's name)
  --registry <host>       registry host of every image (default ${PLACEHOLDER_REGISTRY},
                          a placeholder ECR host)
  --repo-url <url>        git repository Argo CD reads manifests/ from, https:// or ssh
                          (default https://github.com/<name>/<name>-platform.git)
  --environments <list>   comma-separated, in promotion order (default dev,stage,prod); the first
                          gets Profiles.development(), the last Profiles.production() (a single
                          environment is production), those between Profiles.staging()
  --service <name>        the first service (default ${DEFAULT_SERVICE})
  --ferry <npm spec>      the ferry dependency written to package.json (default ^<this version>;
                          e.g. file:../ferry-0.2.0.tgz or a git URL)

Exit codes: 0 created, 1 the directory is not empty or the first render failed, 2 wrong usage.

Example:
  npx ferry init acme-platform --name acme --environments dev,stage,prod --service api
`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      'init',
      argv,
      {
        name: { type: 'string' },
        registry: { type: 'string' },
        'repo-url': { type: 'string' },
        environments: { type: 'string' },
        service: { type: 'string' },
        ferry: { type: 'string' },
      },
      true,
    );
    if (positionals.length > 1) {
      throw new UsageError(`ferry init: takes one directory, got ${positionals.length}: ${positionals.join(' ')}; see 'ferry init --help'`);
    }
    const given = positionals[0] ?? '.';
    const dir = resolve(io.cwd, given);
    const engine = enginePackage();
    let options;
    try {
      options = resolveInitOptions(
        { name: values.name, registry: values.registry, repoUrl: values['repo-url'], environments: values.environments, service: values.service, ferry: values.ferry },
        basename(dir),
        engine.version,
      );
    } catch (e) {
      if (e instanceof InitOptionError) throw new UsageError(`ferry init: ${e.message}; see 'ferry init --help'`);
      throw e;
    }
    checkTargetDirectory(dir, given);

    const files = scaffoldPlatform(options);
    for (const [path, content] of files) {
      const file = join(dir, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      if (EXECUTABLE_FILES.includes(path)) chmodSync(file, 0o755);
    }

    // The first render: platform.ts imports 'ferry', which `npm install` has not put there yet.
    if (!ferryResolvesFrom(dir)) resolveFerryToEngine(dir, engine.path);
    const rendered = await renderCommand.run([], { ...io, cwd: dir });
    const where = relative(io.cwd, dir) || '.';
    if (rendered !== 0) {
      io.err(`ferry init: wrote ${files.size} files to ${where}, but their first render failed (above); fix it, then run \`npm run render\` there\n`);
      return 1;
    }
    const steps = [
      ...(where === '.' ? [] : [`cd ${shellWord(where)}`]),
      'npm install',
      `git init -b main && git add -A && git commit -m "${options.name} platform (ferry init)"`,
      'npm test',
    ];
    io.out(
      [
        '',
        `Created the ${options.name} platform in ${where} (${options.environments.join(' -> ')}; service ${options.service}):`,
        ...[...files.keys()].sort().map((path) => `  ${path}`),
        '  manifests/ and .github/CODEOWNERS, rendered from them',
        '',
        'Next:',
        ...steps.map((step) => `  ${step}`),
        '',
        `Then set the release approvers of ${options.environments.at(-1)} in platform/platform.ts (a placeholder now), and see README.md.`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};

/**
 * A new platform repository as data: relative path -> text, a pure function of the options. The
 * `ferry init` command writes it and then renders manifests/ from it with the engine.
 */
import { PLATFORM_FILE } from '../loader/load-platform.js';
import { ciRunScript } from './ci-script.js';
import type { InitOptions } from './init-options.js';
import { gitignore, packageJson, tsconfigJson } from './package-files.js';
import { platformSource } from './platform-source.js';
import { platformTestSource } from './platform-test.js';
import { pulumiProjectFile, stackProgramSource } from './pulumi-project.js';
import { readme } from './readme.js';
import { stackFiles } from './stack-files.js';

/** Files written with mode 0755. */
export const EXECUTABLE_FILES: readonly string[] = ['.ci/run'];

/** Every file of a new platform repository (before the first render), by path relative to its root. */
export function scaffoldPlatform(options: InitOptions): ReadonlyMap<string, string> {
  return new Map<string, string>([
    ['package.json', packageJson(options)],
    ['tsconfig.json', tsconfigJson()],
    ['.gitignore', gitignore()],
    ['README.md', readme(options)],
    ['.ci/run', ciRunScript()],
    [PLATFORM_FILE, platformSource(options)],
    ['Pulumi.yaml', pulumiProjectFile(options)],
    ...stackFiles(options),
    ['stacks/index.ts', stackProgramSource()],
    ['test/platform.test.ts', platformTestSource(options)],
  ]);
}

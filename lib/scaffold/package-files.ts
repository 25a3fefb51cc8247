/**
 * The npm package of a new platform repository: package.json (ferry as its one dependency),
 * a type-check-only tsconfig.json and .gitignore. There is no build step: Node runs the
 * TypeScript of platform/, stacks/ and test/ from source.
 */
import type { InitOptions } from './init-options.js';

/** The Node versions ferry supports: native type stripping without a flag. */
export const NODE_ENGINES = '>=22.18';

/** The text of package.json. */
export function packageJson(options: InitOptions): string {
  const pkg = {
    name: `${options.name}-platform`,
    version: '0.1.0',
    private: true,
    description: `The ${options.name} delivery platform: services, environments and the manifests Argo CD syncs, rendered by ferry.`,
    type: 'module',
    engines: { node: NODE_ENGINES },
    scripts: {
      render: 'ferry render',
      validate: 'ferry validate',
      // node --test takes files or globs, not a folder; quoted so Node expands the glob itself.
      test: "node --test 'test/**/*.test.ts'",
      typecheck: 'tsc -p tsconfig.json',
    },
    dependencies: { ferry: options.ferrySpec },
    // Only for `npm run typecheck` and editors: nothing is compiled.
    devDependencies: { '@types/node': '^22.18.0', typescript: '^5.9.3' },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** The text of tsconfig.json: a type check only (`npm run typecheck`, editors). */
export function tsconfigJson(): string {
  const config = {
    compilerOptions: {
      target: 'ES2023',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      // Node runs the sources as they are, so imports name the .ts files and nothing is emitted.
      allowImportingTsExtensions: true,
      noEmit: true,
      // Only syntax that type stripping can erase (no enums, namespaces, parameter properties),
      // and type-only imports marked as such, so what type-checks is what Node runs.
      erasableSyntaxOnly: true,
      verbatimModuleSyntax: true,
      strict: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['platform', 'stacks', 'test'],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The text of .gitignore. */
export function gitignore(): string {
  return 'node_modules/\n';
}

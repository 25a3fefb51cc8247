import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';
import { GIT_ENV } from './promote-fixture.js';
import { loadPlatform } from '../../lib/loader/load-platform.js';
import { planPromotion } from '../../lib/promote/promotion.js';
import { reviewChecklist } from '../../lib/promote/review-checklist.js';
import { OciImageRegistry } from '../../lib/registry/oci-image-registry.js';

/** The shop platform with one Helm-chart service, `catalog`. */
const HELM_FIXTURE = fileURLToPath(new URL('../fixtures/helm', import.meta.url));
/** After the fixture's initial commit (2026-01-01) by more than every soak. */
const LATER = { FERRY_NOW: '2026-01-05T00:00:00Z' };

let registry: LocalRegistry;
let repo: PlatformRepo;
let initial: string;
beforeAll(async () => {
  registry = await startRegistry();
  for (const tag of ['sha-5d6e7f80', 'sha-1a2b3c4d', 'v2.0.1']) await registry.pushImage('catalog', tag);
  repo = await createPlatformRepo({ fixture: HELM_FIXTURE, initialDate: '2026-01-01T00:00:00Z' });
  initial = repo.git(['rev-parse', 'HEAD']).trim();
});
afterAll(async () => {
  repo.cleanup();
  await registry.stop();
});
afterEach(() => {
  // Each test starts from the fixture's initial commit.
  repo.git(['reset', '-q', '--hard', initial]);
  repo.git(['clean', '-qfd', '-e', 'node_modules']);
});

const run = (args: readonly string[], env: Record<string, string> = {}) => repo.ferry([...args, '--registry-url', registry.url], { ...GIT_ENV, ...env });
const changedFiles = () => repo.git(['show', '--name-only', '--format=', 'HEAD']).trim().split('\n');
const message = () => repo.git(['log', '-1', '--format=%B']).trim();

test('promoting the image tag of a chart service changes its stack line and its values file, nothing else', async () => {
  const result = await run(['promote', 'catalog', '--to', 'stage', '--direct'], LATER);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(changedFiles()).toEqual(['Pulumi.stage.yaml', 'manifests/helm/stage/catalog/values.yaml']);
  expect(repo.git(['diff', 'HEAD~1', '--', 'Pulumi.stage.yaml']).split('\n').filter((l) => /^[-+] /.test(l))).toEqual(['-    catalog: sha-1a2b3c4d', '+    catalog: sha-5d6e7f80']);
  const values = YAML.parse(repo.read('manifests/helm/stage/catalog/values.yaml')) as { image: { tag: string }; replicaCount: number };
  expect(values.image.tag).toBe('sha-5d6e7f80');
  expect(values.replicaCount).toBe(2);
  expect(message()).toMatch(/^chore\(promote\): catalog sha-5d6e7f80 to stage\n\nPromoted-From: dev\nImage-Tag: sha-5d6e7f80\nImage-Digest: sha256:[0-9a-f]{64}$/);
  expect(repo.git(['status', '--porcelain'])).toBe('');
});

test('promoting the chart version changes its stack line and the Application, nothing else; trailers, status and history show it', async () => {
  const dry = await run(['promote', 'catalog', '--to', 'stage', '--chart', '--dry-run'], LATER);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain('catalog chart web-app: 1.3.0 -> 1.4.0 in stage from dev\n');
  expect(dry.stdout).toContain('-      targetRevision: 1.3.0\n+      targetRevision: 1.4.0\n');
  expect(dry.stdout).toContain('dry run: would write 2 file(s); nothing written');
  expect(repo.git(['status', '--porcelain'])).toBe('');

  const result = await run(['promote', 'catalog', '--to', 'stage', '--chart', '--direct'], LATER);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(changedFiles()).toEqual(['Pulumi.stage.yaml', 'manifests/argocd/nonprod/application-catalog-stage.yaml']);
  expect(repo.git(['diff', 'HEAD~1', '--', 'Pulumi.stage.yaml']).split('\n').filter((l) => /^[-+] /.test(l))).toEqual(['-      version: 1.3.0', '+      version: 1.4.0']);
  const app = YAML.parse(repo.read('manifests/argocd/nonprod/application-catalog-stage.yaml')) as { spec: { sources: { targetRevision: string }[] } };
  expect(app.spec.sources[0]!.targetRevision).toBe('1.4.0');
  expect(message()).toBe('chore(promote): catalog chart 1.4.0 to stage\n\nPromoted-From: dev\nChart-Version: 1.4.0');
  expect((await repo.ferry(['render', '--check'])).code).toBe(0);

  const status = JSON.parse((await repo.ferry(['status', '--json'])).stdout) as Record<string, unknown>[];
  expect(status.find((r) => r.environment === 'stage' && r.service === 'catalog')).toMatchObject({ tag: 'sha-1a2b3c4d', chartVersion: '1.4.0', uncommitted: false });
  expect(status.find((r) => r.service === 'api')).not.toHaveProperty('chartVersion');
  expect((await repo.ferry(['status'])).stdout).toMatch(/\nstage +catalog +sha-1a2b3c4d \(chart 1\.4\.0\) /);
  const history = JSON.parse((await repo.ferry(['history', 'catalog', '--env', 'stage', '--json'])).stdout) as Record<string, unknown>[];
  expect(history.map((e) => [e.what ?? 'tag', e.from ?? null, e.tag, e.kind, e.promotedFrom ?? null])).toEqual([
    ['tag', null, 'sha-1a2b3c4d', 'initial', null],
    ['chart', null, '1.3.0', 'initial', null],
    ['chart', '1.3.0', '1.4.0', 'promotion', 'dev'],
  ]);
  expect((await repo.ferry(['history', 'catalog', '--env', 'stage'])).stdout).toContain('chart 1.3.0 -> 1.4.0');
});

test('chart versions pass the order, soak and approval gates, read from their own history; tag-format and image do not apply', async () => {
  // A new chart version in dev, committed ten minutes before the promotion: stage needs 1 h.
  repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml').replace('version: 1.4.0', 'version: 1.5.0'));
  expect((await repo.ferry(['render', '--quiet'])).code).toBe(0);
  repo.commitAll('dev: catalog chart 1.5.0', '2026-02-01T09:00:00Z');
  const soak = await run(['promote', 'catalog', '--to', 'stage', '--chart'], { FERRY_NOW: '2026-02-01T09:10:00Z' });
  expect(soak.code).toBe(1);
  expect(soak.stderr).toBe(`ferry promote: gate 'soak': 1.5.0 has run in dev for 10m since 2026-02-01T09:00:00Z (commit ${repo.git(['rev-parse', 'HEAD']).trim().slice(0, 7)}); stage requires 1h; override with --override soak --reason "..."\n`);

  const order = await run(['promote', 'catalog', '--to', 'stage', '--chart-version', '1.9.0'], LATER);
  expect(order.code).toBe(1);
  expect(order.stderr).toBe(
    [
      'ferry promote: refused by 2 gates:',
      `  gate 'order': 1.9.0 has never run in dev (Pulumi.dev.yaml: ferry:charts.catalog.version is 1.5.0; its git history holds 1.5.0, 1.4.0); promote it to dev first; override with --override order --reason "..."`,
      `  gate 'soak': 1.9.0 has never run in dev; stage requires 1h; override with --override soak --reason "..."`,
      '',
    ].join('\n'),
  );

  // prod requires review: no direct commit on main.
  const approval = await run(['promote', 'catalog', '--to', 'prod', '--chart-version', '1.5.0', '--direct'], LATER);
  expect(approval.code).toBe(1);
  expect(approval.stderr).toContain("gate 'approval': prod requires review");

  const noSuchGate = await run(['promote', 'catalog', '--to', 'stage', '--chart', '--override', 'tag-format', '--reason', 'x'], LATER);
  expect(noSuchGate.stderr).toBe("ferry promote: --override 'tag-format': no such gate for a chart version in stage; gates: order, soak, approval, freeze\n");
  expect(repo.git(['status', '--porcelain'])).toBe('');
});

test('--chart refuses what it cannot do, naming it', async () => {
  const cases: [string[], string][] = [
    [['promote', 'api', '--to', 'stage', '--chart'], "ferry promote: --chart: 'api' is not a chart service; chart services: catalog\n"],
    [['promote', 'catalog', '--to', 'dev', '--chart'], 'ferry promote: dev has no upstream to take the chart version of catalog from; give it with --chart-version\n'],
    [['promote', 'catalog', '--to', 'stage', '--chart-version', '^1.4.0'], 'ferry promote: --chart-version: "^1.4.0" is not a chart version; allowed: SemVer 2 like 18.1.0 or 2.0.0-rc.1 (a pinned version, not a range; quote versions YAML reads as numbers)\n'],
    [['promote', 'catalog', '--to', 'stage', '--chart', '--tag', 'sha-5d6e7f80'], 'ferry promote: --chart moves the chart version; --tag, --release and --pin-digest are for image tags (promote the tag without --chart)\n'],
  ];
  for (const [args, stderr] of cases) {
    const result = await run(args, LATER);
    expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 1, stderr });
  }
  // The source environment takes an explicit version (no upstream gates).
  const dev = await run(['promote', 'catalog', '--to', 'dev', '--chart-version', '1.6.0', '--direct'], LATER);
  expect(dev.stderr).toBe('');
  expect(changedFiles()).toEqual(['Pulumi.dev.yaml', 'manifests/argocd/nonprod/application-catalog-dev.yaml']);
});

test("a chart version's pull-request checklist names the chart, its upstream and how to go back", async () => {
  const platform = await loadPlatform(repo.root);
  const now = new Date(LATER.FERRY_NOW);
  const plan = await planPromotion(repo.root, platform, { kind: 'promotion', services: ['catalog'], to: 'stage', chart: true, delivery: 'branch', now }, OciImageRegistry.forPlatform(platform, { url: registry.url, env: {} }));
  expect(plan.branch).toBe('promote/stage/catalog-chart-1.4.0');
  expect(reviewChecklist(plan, now).split('\n').slice(0, 10)).toEqual([
    '## Promotion to `stage` from `dev`',
    '',
    '| service | now | new | image | digest |',
    '| --- | --- | --- | --- | --- |',
    '| catalog | 1.3.0 | 1.4.0 | chart web-app 1.4.0 | - |',
    '',
    '### Review checklist',
    '',
    '- [ ] catalog: the chart version matches dev: web-app 1.4.0 is what runs (or ran) there',
    '- [ ] catalog: dev has been stable with chart 1.4.0 for at least 1h (checked at 2026-01-05T00:00:00Z)',
  ]);
  expect(reviewChecklist(plan, now)).toContain('- [ ] catalog: rollback plan: `ferry promote catalog --to stage --chart-version 1.3.0`');
});

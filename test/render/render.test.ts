import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { listFiles } from '../../lib/render/tree.js';
import { validateObjects } from '../../lib/render/schema-validation.js';
import { kustomizeBuild } from '../../lib/kustomize/kustomize-runner.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

function snapshotTree(repo: PlatformRepo): Map<string, string> {
  return new Map(listFiles(repo.root, 'manifests').map((p) => [p, repo.read(p)]));
}

function overlayDirs(root: string): string[] {
  const base = join(root, 'manifests/overlays');
  return readdirSync(base).flatMap((env) => readdirSync(join(base, env)).map((svc) => `manifests/overlays/${env}/${svc}`)).sort();
}

describe('the rendered sample platform', () => {
  let repo: PlatformRepo;
  beforeAll(async () => {
    repo = await createPlatformRepo();
  });
  afterAll(() => repo.cleanup());

  test('has one overlay per environment and service, plus previews', () => {
    expect(overlayDirs(repo.root)).toEqual([
      'manifests/overlays/dev/api',
      'manifests/overlays/dev/web',
      'manifests/overlays/preview/api',
      'manifests/overlays/preview/web',
      'manifests/overlays/prod/api',
      'manifests/overlays/prod/web',
      'manifests/overlays/stage/api',
      'manifests/overlays/stage/web',
    ]);
  });

  test('every overlay builds with kubectl kustomize and every object validates against the real schemas', async () => {
    for (const dir of overlayDirs(repo.root)) {
      const objects = await kustomizeBuild(join(repo.root, dir));
      expect(objects.length).toBeGreaterThanOrEqual(6);
      expect({ dir, violations: await validateObjects(objects) }).toEqual({ dir, violations: [] });
    }
  });

  test('every object under manifests/argocd validates against the Argo CD schemas', async () => {
    const files = listFiles(repo.root, 'manifests/argocd');
    expect(files).toEqual([
      'manifests/argocd/nonprod/app-project-shop.yaml',
      'manifests/argocd/nonprod/application-set-shop-environments.yaml',
      'manifests/argocd/nonprod/application-set-shop-previews.yaml',
      'manifests/argocd/prod/app-project-shop.yaml',
      'manifests/argocd/prod/application-set-shop-environments.yaml',
    ]);
    const objects = files.map((f) => YAML.parse(repo.read(f)));
    expect(await validateObjects(objects)).toEqual([]);
  });

  test('each environment runs the tag of its stack file, never an implicit latest', async () => {
    const expected: Record<string, Record<string, string>> = {};
    for (const env of ['dev', 'stage', 'prod']) {
      expected[env] = YAML.parse(repo.read(`Pulumi.${env}.yaml`)).config['ferry:images'];
    }
    for (const env of ['dev', 'stage', 'prod']) {
      for (const svc of ['api', 'web']) {
        const objects = await kustomizeBuild(join(repo.root, `manifests/overlays/${env}/${svc}`));
        const images = objects
          .filter((o) => o.kind === 'Deployment')
          .flatMap((o) => o.spec.template.spec.containers.map((c: { image: string }) => c.image));
        expect(images).toEqual([`${REGISTRY}/${svc}:${expected[env]![svc]}`]);
      }
    }
  });

  test('dev and stage run plain Deployments; prod runs a blue-green Rollout that owns the pods', async () => {
    const stage = await kustomizeBuild(join(repo.root, 'manifests/overlays/stage/web'));
    expect(stage.map((o) => o.kind).sort()).toEqual(['Deployment', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    expect(stage.find((o) => o.kind === 'Deployment')!.spec.replicas).toBe(3); // ferry:services.web.replicas in Pulumi.stage.yaml

    const prod = await kustomizeBuild(join(repo.root, 'manifests/overlays/prod/api'));
    const deployment = prod.find((o) => o.kind === 'Deployment')!;
    const rollout = prod.find((o) => o.kind === 'Rollout')!;
    expect(deployment.spec.replicas).toBe(0);
    expect(rollout.metadata.namespace).toBe('prod');
    expect(rollout.spec.replicas).toBe(3);
    expect(rollout.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', scaleDown: 'never' });
    expect(rollout.spec.strategy.blueGreen).toMatchObject({ activeService: 'api', previewService: 'api-preview', autoPromotionEnabled: false, scaleDownDelaySeconds: 30 });
    expect(prod.filter((o) => o.kind === 'Service').map((o) => o.metadata.name).sort()).toEqual(['api', 'api-preview']);
    expect(prod.find((o) => o.kind === 'AnalysisTemplate')!.metadata.name).toBe('api-health-check');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.env).toContainEqual({ name: 'LOG_LEVEL', value: 'WARN' });
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(prod.find((o) => o.kind === 'Ingress')!.spec.rules[0].host).toBe('api.shop.example.com');
  });

  test("the analysis reads each service's own health response", async () => {
    const metric = (svc: string) => YAML.parse(repo.read(`manifests/overlays/prod/${svc}/analysis-template-${svc}-health-check.yaml`)).spec.metrics[0];
    expect([metric('api').provider.web.jsonPath, metric('api').successCondition]).toEqual(['{$.status}', 'result == "ok"']);
    expect([metric('web').provider.web.jsonPath, metric('web').successCondition]).toEqual(['{$.healthy}', 'result == true']);
    expect(metric('web').provider.web.url).toBe('http://{{args.service-name}}.{{args.namespace}}.svc.cluster.local/health');
  });

  test('non-production hosts get the environment prefix, and every object the environment label', async () => {
    const dev = await kustomizeBuild(join(repo.root, 'manifests/overlays/dev/api'));
    expect(dev.find((o) => o.kind === 'Ingress')!.spec.rules[0].host).toBe('dev.api.shop.example.com');
    for (const o of dev) {
      expect([o.kind, o.metadata.namespace, o.metadata.labels['ferry.dev/environment']]).toEqual([o.kind, 'dev', 'dev']);
    }
    const deployment = dev.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api' });
    expect(deployment.spec.template.spec.containers[0].env).toContainEqual({ name: 'LOG_LEVEL', value: 'DEBUG' });
  });

  test('every file starts with the generated-file header', () => {
    for (const [path, content] of snapshotTree(repo)) {
      expect([path, content.split('\n')[0]]).toEqual([path, expect.stringMatching(/^# Generated by ferry render\. Do not edit: edit .+ and run `npm run render`/)]);
    }
  });

  test('the render matches what is committed in this repository', async () => {
    const result = await repo.ferry(['render', '--check']);
    expect(result.code).toBe(0);
  });
});

describe('rendering changes', () => {
  let repo: PlatformRepo;
  beforeEach(async () => {
    repo = await createPlatformRepo();
  });
  afterEach(() => repo.cleanup());

  test('changing one service tag in Pulumi.prod.yaml changes exactly one file, and in it only the tag', async () => {
    const before = snapshotTree(repo);
    repo.write('Pulumi.prod.yaml', repo.read('Pulumi.prod.yaml').replace('api: v1.3.2', 'api: v1.4.0'));
    const result = await repo.ferry(['render', '--quiet']);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    const after = snapshotTree(repo);
    const changed = [...after.keys()].filter((p) => after.get(p) !== before.get(p));
    expect(changed).toEqual(['manifests/overlays/prod/api/kustomization.yaml']);
    expect([...before.keys()]).toEqual([...after.keys()]);
    const oldLines = before.get(changed[0]!)!.split('\n');
    const newLines = after.get(changed[0]!)!.split('\n');
    const differing = newLines.map((line, i) => [oldLines[i], line]).filter(([a, b]) => a !== b);
    expect(differing).toEqual([['    newTag: v1.3.2', '    newTag: v1.4.0']]);
  });

  test('rendering under another TZ and LANG gives a byte-identical tree', async () => {
    const other = await createPlatformRepo({ git: false });
    try {
      const a = repo.ferrySpawn(['render', '--quiet'], { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' });
      const b = other.ferrySpawn(['render', '--quiet'], { TZ: 'America/Los_Angeles', LANG: 'C', LC_ALL: 'C' });
      expect([a.code, b.code]).toEqual([0, 0]);
      const treeA = snapshotTree(repo);
      expect(treeA.size).toBeGreaterThan(20);
      expect(snapshotTree(other)).toEqual(treeA);
      // And rendering again is a no-op for git.
      expect(repo.git(['status', '--porcelain'])).toBe('');
    } finally {
      other.cleanup();
    }
  });

  test('the order services are defined in does not change the output', async () => {
    const swapped = await createPlatformRepo({
      git: false,
      edit: (root) => {
        const file = join(root, 'platform/platform.ts');
        const lines = readFileSync(file, 'utf8').split('\n');
        const api = lines.findIndex((l) => l.includes("{ name: 'api'"));
        [lines[api], lines[api + 1]] = [lines[api + 1]!, lines[api]!];
        writeFileSync(file, lines.join('\n'));
      },
    });
    try {
      const code = swapped.read('platform/platform.ts');
      expect(code.indexOf("name: 'web'")).toBeLessThan(code.indexOf("name: 'api'"));
      expect(snapshotTree(swapped)).toEqual(snapshotTree(repo));
    } finally {
      swapped.cleanup();
    }
  });

  test('bad stack config fails with file, key, value and allowed formats, and writes nothing', async () => {
    const before = snapshotTree(repo);
    repo.write('Pulumi.prod.yaml', repo.read('Pulumi.prod.yaml').replace('api: v1.3.2', 'api: latest'));
    const result = await repo.ferry(['render']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "ferry render: Pulumi.prod.yaml: ferry:images.api: image tag 'latest' is refused: tags must be immutable; allowed formats: vX.Y.Z (e.g. v1.2.0), sha-<8 hex> (e.g. sha-1a2b3c4d)\n",
    );
    expect(snapshotTree(repo)).toEqual(before);
    expect(repo.git(['status', '--porcelain'])).toBe(' M Pulumi.prod.yaml\n');
  });

  test('a missing stack file for an environment in the graph is named', async () => {
    repo.git(['rm', '-q', 'Pulumi.stage.yaml']);
    const result = await repo.ferry(['render']);
    expect(result).toMatchObject({
      code: 1,
      stderr: "ferry render: Pulumi.stage.yaml: missing; environment 'stage' is in the promotion graph (dev → stage → prod): create it with ferry:images\n",
    });
  });

  test('stale files are removed and hand edits are overwritten', async () => {
    repo.write('manifests/overlays/dev/retired/kustomization.yaml', 'stale');
    repo.write('manifests/base/api/service.yaml', 'edited by hand');
    expect((await repo.ferry(['render', '--quiet'])).code).toBe(0);
    expect(listFiles(repo.root, 'manifests/overlays/dev')).toEqual(['manifests/overlays/dev/api/kustomization.yaml', 'manifests/overlays/dev/web/kustomization.yaml']);
    expect(repo.git(['status', '--porcelain'])).toBe('');
  });

  test('--check lists every drifted file and exits 1 without writing', async () => {
    repo.write('manifests/overlays/dev/retired/kustomization.yaml', 'stale');
    repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml').replace('web: sha-8e1d4c7a', 'web: sha-0badc0de'));
    repo.git(['rm', '-q', 'manifests/base/web/ingress.yaml']);
    const result = await repo.ferry(['render', '--check']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        'manifests/ differs from a fresh render; run `npm run render` and commit the result:',
        '  changed: manifests/overlays/dev/web/kustomization.yaml',
        // Changed on purpose (issue 14): the preview overlays run what dev runs.
        '  changed: manifests/overlays/preview/web/kustomization.yaml',
        '  missing: manifests/base/web/ingress.yaml',
        '  stale:   manifests/overlays/dev/retired/kustomization.yaml',
        '',
      ].join('\n'),
    );
    expect(repo.read('manifests/overlays/dev/retired/kustomization.yaml')).toBe('stale');
  });

  test('the drift check covers .github/CODEOWNERS, and render restores it', async () => {
    repo.write('.github/CODEOWNERS', '* @someone\n');
    const check = await repo.ferry(['render', '--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toBe('manifests/ differs from a fresh render; run `npm run render` and commit the result:\n  changed: .github/CODEOWNERS\n');
    expect((await repo.ferry(['render', '--quiet'])).code).toBe(0);
    expect(repo.read('.github/CODEOWNERS')).toContain('/Pulumi.prod.yaml @example-org/release-managers\n');
    expect(repo.git(['status', '--porcelain'])).toBe('');
  });

  test('the summary table lists environment × service → tag, replicas, strategy and sync', async () => {
    const result = await repo.ferry(['render']);
    expect(result.stdout.split('\n').slice(0, 8)).toEqual([
      'ENVIRONMENT  SERVICE  TAG                     REPLICAS  STRATEGY                       SYNC',
      '-----------  -------  ----------------------  --------  -----------------------------  ----------------------------',
      'dev          api      sha-3f9c2a1b            1         rolling-update                 automated (prune, self-heal)',
      'dev          web      sha-8e1d4c7a            1         rolling-update                 automated (prune, self-heal)',
      'stage        api      sha-3f9c2a1b            2         rolling-update                 automated (prune, self-heal)',
      'stage        web      1.4.0-SNAPSHOT-8e1d4c7  3         rolling-update                 automated (prune, self-heal)',
      'prod         api      v1.3.2                  3         blue-green (manual promotion)  manual',
      'prod         web      v1.3.0                  3         blue-green (manual promotion)  manual',
    ]);
  });
});

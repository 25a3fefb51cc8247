/**
 * The canary-with-Prometheus platform (test/fixtures/canary-prometheus) rendered and built with the
 * real `kubectl kustomize`: what Argo Rollouts would receive.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kustomizeBuild } from '../../lib/kustomize/kustomize-runner.js';
import { validateObjects } from '../../lib/render/schema-validation.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';
import { kindsRefusedByAppProject } from '../helpers/app-project-kinds.js';

const CANARY_FIXTURE = fileURLToPath(new URL('../fixtures/canary-prometheus', import.meta.url));
const PROMETHEUS = 'http://kube-prom-stack-kube-prome-prometheus.observability.svc.cluster.local:9090';
type Obj = Record<string, any>;

const find = (objects: Obj[], kind: string, name: string): Obj | undefined => objects.find((o) => o.kind === kind && o.metadata.name === name);

/** Every RolloutAnalysis of a canary: the steps' and the background one. */
function canaryAnalyses(rollout: Obj): Obj[] {
  const canary = rollout.spec.strategy.canary;
  return [...canary.steps.filter((s: Obj) => s.analysis).map((s: Obj) => s.analysis), ...(canary.analysis ? [canary.analysis] : [])];
}

describe('the canary-with-Prometheus platform, built with kubectl kustomize', () => {
  let repo: PlatformRepo;
  const built = new Map<string, Obj[]>();
  const overlays = ['pre/api', 'pre/web', 'prod/api', 'prod/web'];
  beforeAll(async () => {
    repo = await createPlatformRepo({ fixture: CANARY_FIXTURE, git: false });
    for (const overlay of overlays) built.set(overlay, await kustomizeBuild(join(repo.root, 'manifests/overlays', overlay)));
  });
  afterAll(() => repo.cleanup());

  test('every object validates against the real Kubernetes and Argo Rollouts schemas, and ferry validate passes', async () => {
    for (const overlay of overlays) expect({ overlay, violations: await validateObjects(built.get(overlay)!) }).toEqual({ overlay, violations: [] });
    expect(await repo.ferry(['validate'])).toEqual({ code: 0, stdout: '6 overlays and 52 objects are valid\n', stderr: '' });
  });

  test('prod steps: 20% -> pause 60 s -> 50% -> pause until promoted -> 100%', () => {
    const rollout = find(built.get('prod/api')!, 'Rollout', 'api')!;
    expect(rollout.spec.strategy.canary.steps).toEqual([{ setWeight: 20 }, { pause: { duration: '60s' } }, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }]);
  });

  test('stable and canary Services, nginx routing through the stable Ingress', () => {
    const objects = built.get('prod/api')!;
    const canary = find(objects, 'Rollout', 'api')!.spec.strategy.canary;
    expect([canary.stableService, canary.canaryService, canary.trafficRouting]).toEqual(['api', 'api-canary', { nginx: { stableIngress: 'api' } }]);
    expect(find(objects, 'Service', 'api-canary')!.spec).toMatchObject({ selector: { 'app.kubernetes.io/name': 'api' }, ports: [{ port: 80, targetPort: 8080 }] });
    expect(find(objects, 'Ingress', 'api')!.spec.rules[0]).toMatchObject({ host: 'api.shop.example.com', http: { paths: [{ backend: { service: { name: 'api' } } }] } });
  });

  test('in every overlay, trafficRouting names an Ingress of the same overlay that routes to the stable Service', () => {
    for (const overlay of overlays) {
      const objects = built.get(overlay)!;
      const canary = objects.find((o) => o.kind === 'Rollout')!.spec.strategy.canary;
      const ingress = find(objects, 'Ingress', canary.trafficRouting.nginx.stableIngress);
      expect({ overlay, stableIngressFound: ingress !== undefined }).toEqual({ overlay, stableIngressFound: true });
      expect(ingress!.spec.rules[0].http.paths[0].backend.service.name).toBe(canary.stableService);
    }
  });

  test('in every overlay, each analysis measures the canary Service (which exists there), never the stable one', () => {
    for (const overlay of overlays) {
      const objects = built.get(overlay)!;
      const rollout = objects.find((o) => o.kind === 'Rollout')!;
      const analyses = canaryAnalyses(rollout);
      expect(analyses.length).toBeGreaterThan(0);
      for (const analysis of analyses) {
        const measured = analysis.args.find((a: Obj) => a.name === 'service-name').value;
        expect({ overlay, measured }).toEqual({ overlay, measured: rollout.spec.strategy.canary.canaryService });
        expect(find(objects, 'Service', measured)).toBeDefined();
        for (const { templateName } of analysis.templates) expect(find(objects, 'AnalysisTemplate', templateName)).toBeDefined();
      }
    }
  });

  test('background success-rate analysis from step 1; the Prometheus provider uses the platform address and the service-name argument', () => {
    const objects = built.get('prod/web')!;
    const background = find(objects, 'Rollout', 'web')!.spec.strategy.canary.analysis;
    expect(background).toEqual({
      templates: [{ templateName: 'web-success-rate' }],
      args: [{ name: 'service-name', value: 'web-canary' }, { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
      startingStep: 1,
    });
    const template = find(objects, 'AnalysisTemplate', 'web-success-rate')!;
    expect(template.metadata.namespace).toBe('prod');
    expect(template.spec.args).toEqual([{ name: 'service-name' }, { name: 'namespace' }, { name: 'window', value: '5m' }]);
    const metric = template.spec.metrics[0];
    expect(metric).toMatchObject({ name: 'success-rate', interval: '1m', count: 10, failureLimit: 2, successCondition: 'result[0] >= 0.95' });
    expect(metric.provider.prometheus.address).toBe(PROMETHEUS);
    expect(metric.provider.prometheus.query).toContain('exported_service="{{args.service-name}}"');
    expect(metric.provider.prometheus.query).toContain('[{{args.window}}]');
  });

  test('per-environment analysis arguments: pre passes its own window, prod keeps the default', () => {
    const args = (overlay: string) => find(built.get(overlay)!, 'Rollout', 'api')!.spec.strategy.canary.analysis.args.map((a: Obj) => a.name);
    expect(find(built.get('pre/api')!, 'Rollout', 'api')!.spec.strategy.canary.analysis.args[2]).toEqual({ name: 'window', value: '2m' });
    expect(args('prod/api')).toEqual(['service-name', 'namespace']);
  });

  test('dev rolls out without a Rollout', async () => {
    const objects = await kustomizeBuild(join(repo.root, 'manifests/overlays/dev/api'));
    expect(objects.some((o) => o.kind === 'Rollout' || o.kind === 'AnalysisTemplate')).toBe(false);
  });

  test("Argo CD may sync every kind the overlays hold: each is in the AppProject's namespaced whitelist of its cluster", () => {
    expect(built.size).toBe(overlays.length);
    expect(kindsRefusedByAppProject(repo.root, built)).toEqual(overlays.map((overlay) => ({ overlay, refused: [] })));
  });

  test('ferry validate refuses a hand-edited Rollout whose routing names a missing Ingress and whose analysis measures the stable Service', async () => {
    const file = 'manifests/overlays/prod/api/rollout-api.yaml';
    repo.write(file, repo.read(file).replace('stableIngress: api', 'stableIngress: api-public').replace('value: api-canary', 'value: api'));
    const result = await repo.ferry(['validate']);
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      '2 problem(s):',
      "  manifests/overlays/prod/api: Rollout/prod/api: canary.trafficRouting.nginx.stableIngress 'api-public' names no Ingress of the overlay",
      "  manifests/overlays/prod/api: Rollout/prod/api: canary.analysis measures 'api', not 'api-canary'",
    ]);
  });
});

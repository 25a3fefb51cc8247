import { Chart, Testing } from 'cdk8s';
import { ProgressiveRollout, type ProgressiveRolloutProps } from '../../constructs/progressive-rollout.js';
import { RolloutStrategy } from '../../model/rollout-strategy.js';
import { Analysis } from '../../model/analysis.js';
import { TrafficRouting } from '../../model/traffic-routing.js';
import { validateObjects } from '../../lib/render/schema-validation.js';

function synth(props: Partial<ProgressiveRolloutProps> = {}): Record<string, any>[] {
  const chart = new Chart(Testing.app(), 'test');
  new ProgressiveRollout(chart, 'rollout', {
    name: 'api',
    strategy: RolloutStrategy.blueGreen(),
    replicas: 3,
    selector: { 'app.kubernetes.io/name': 'api' },
    servicePort: 80,
    targetPort: 8080,
    ...props,
  });
  return Testing.synth(chart);
}

const namespaceArg = { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } };

describe('ProgressiveRollout, blue-green', () => {
  const objects = synth();
  const rollout = objects.find((o) => o.kind === 'Rollout')!;

  test('validates against the Argo Rollouts and Kubernetes schemas', async () => {
    expect(await validateObjects(objects)).toEqual([]);
  });
  test('takes its pod template from the Deployment of the same name and never scales it', () => {
    expect(rollout.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', scaleDown: 'never' });
  });
  test('selects the pods by the Deployment selector', () => {
    expect(rollout.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'api' } });
  });
  test('keeps 5 revisions by default', () => {
    expect(rollout.spec.revisionHistoryLimit).toBe(5);
  });
  test('switches the active Service and previews on <name>-preview', () => {
    expect(rollout.spec.strategy.blueGreen).toMatchObject({ activeService: 'api', previewService: 'api-preview', autoPromotionEnabled: false, scaleDownDelaySeconds: 30 });
    const preview = objects.find((o) => o.kind === 'Service')!;
    expect(preview.metadata.name).toBe('api-preview');
    expect(preview.spec).toEqual({ type: 'ClusterIP', selector: { 'app.kubernetes.io/name': 'api' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
  });
  test('analyses the preview before the switch and the active Service after it', () => {
    expect(rollout.spec.strategy.blueGreen.prePromotionAnalysis).toEqual({
      templates: [{ templateName: 'api-health-check' }],
      args: [{ name: 'service-name', value: 'api-preview' }, namespaceArg],
    });
    expect(rollout.spec.strategy.blueGreen.postPromotionAnalysis.args[0]).toEqual({ name: 'service-name', value: 'api' });
  });
  test('analyses can be turned off and previewReplicaCount set', () => {
    const r = synth({ strategy: RolloutStrategy.blueGreen({ prePromotionAnalysis: false, postPromotionAnalysis: false, previewReplicaCount: 1 }) }).find((o) => o.kind === 'Rollout')!;
    expect(r.spec.strategy.blueGreen.prePromotionAnalysis).toBeUndefined();
    expect(r.spec.strategy.blueGreen.postPromotionAnalysis).toBeUndefined();
    expect(r.spec.strategy.blueGreen.previewReplicaCount).toBe(1);
  });
});

describe('ProgressiveRollout, canary', () => {
  const objects = synth({ strategy: RolloutStrategy.canary(), stableIngress: 'api' });
  const rollout = objects.find((o) => o.kind === 'Rollout')!;

  test('adds the canary Service beside the stable one, selecting the same pods (Argo narrows each to its version)', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/api-canary', 'Rollout/api']);
    expect(objects[0]!.spec).toEqual({ type: 'ClusterIP', selector: { 'app.kubernetes.io/name': 'api' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
  });
  test('routes through nginx with the stable Ingress; analysis steps measure the canary Service', async () => {
    expect(rollout.spec.strategy.canary).toEqual({
      canaryService: 'api-canary',
      stableService: 'api',
      trafficRouting: { nginx: { stableIngress: 'api' } },
      maxSurge: '25%',
      maxUnavailable: 0,
      steps: [
        { setWeight: 20 },
        { analysis: { templates: [{ templateName: 'api-health-check' }], args: [{ name: 'service-name', value: 'api-canary' }, namespaceArg] } },
        { setWeight: 50 },
        { pause: { duration: '2m' } },
        { setWeight: 100 },
      ],
    });
    expect(await validateObjects(objects)).toEqual([]);
  });
  test('manual pause, setCanaryScale, dynamicStableScale, maxUnavailable, anti-affinity and background analysis with per-environment args', async () => {
    const successRate = Analysis.prometheus({ name: 'success-rate', query: 'rate(x{service="{{args.service-name}}"}[1m]) > {{args.floor}}', successCondition: 'result[0] >= 0.95' });
    const strategy = RolloutStrategy.canary({
      steps: [{ setCanaryScale: { replicas: 1 } }, { setWeight: 10 }, { pause: {} }, { setCanaryScale: { matchTrafficWeight: true } }, { setWeight: 100 }],
      dynamicStableScale: true,
      maxSurge: 1,
      maxUnavailable: '10%',
      antiAffinity: true,
      backgroundAnalysis: { analysis: [successRate], startingStep: 1 },
      analysisArgs: { floor: '0.5' },
      trafficRouting: TrafficRouting.nginx({ annotationPrefix: 'custom.nginx.org' }),
    });
    const all = synth({ strategy, stableIngress: 'api' });
    const canary = all.find((o) => o.kind === 'Rollout')!.spec.strategy.canary;
    expect(canary.steps).toEqual([{ setCanaryScale: { replicas: 1 } }, { setWeight: 10 }, { pause: {} }, { setCanaryScale: { matchTrafficWeight: true } }, { setWeight: 100 }]);
    expect(canary).toMatchObject({
      trafficRouting: { nginx: { stableIngress: 'api', annotationPrefix: 'custom.nginx.org' } },
      dynamicStableScale: true,
      maxSurge: 1,
      maxUnavailable: '10%',
      antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 100 } },
    });
    expect(canary.analysis).toEqual({
      templates: [{ templateName: 'api-success-rate' }],
      args: [{ name: 'service-name', value: 'api-canary' }, namespaceArg, { name: 'floor', value: '0.5' }],
      startingStep: 1,
    });
    expect(await validateObjects(all)).toEqual([]);
  });
  test('replica-ratio routing needs no Ingress and still measures the canary Service', async () => {
    const all = synth({ strategy: RolloutStrategy.canary({ trafficRouting: TrafficRouting.replicaRatio() }) });
    const canary = all.find((o) => o.kind === 'Rollout')!.spec.strategy.canary;
    expect(canary.trafficRouting).toBeUndefined();
    expect([canary.canaryService, canary.stableService, canary.steps[1].analysis.args[0].value]).toEqual(['api-canary', 'api', 'api-canary']);
    expect(await validateObjects(all)).toEqual([]);
  });
});

describe('ProgressiveRollout, blue-green completeness', () => {
  const strategy = RolloutStrategy.blueGreen({
    autoPromotionSeconds: 600,
    previewIngress: true,
    antiAffinity: true,
    scaleDownDelaySeconds: 120,
    previewReplicaCount: 1,
    prePromotionAnalysis: [Analysis.job({ name: 'smoke', image: 'registry.example.com/smoke:v1.0.0', command: ['/smoke', 'http://{{args.service-name}}.{{args.namespace}}'] })],
  });
  const objects = synth({ strategy, previewHost: 'preview.api.example.com', ingressClassName: 'public' });
  const blueGreen = objects.find((o) => o.kind === 'Rollout')!.spec.strategy.blueGreen;

  test('promotes automatically after autoPromotionSeconds, keeps anti-affinity, delay and preview count', () => {
    expect(blueGreen).toMatchObject({
      autoPromotionEnabled: true,
      autoPromotionSeconds: 600,
      scaleDownDelaySeconds: 120,
      previewReplicaCount: 1,
      antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 100 } },
    });
  });
  test('pre-promotion runs the given analyses against the preview, post-promotion the default health check against the active Service', () => {
    expect(blueGreen.prePromotionAnalysis).toEqual({ templates: [{ templateName: 'api-smoke' }], args: [{ name: 'service-name', value: 'api-preview' }, namespaceArg] });
    expect(blueGreen.postPromotionAnalysis).toEqual({ templates: [{ templateName: 'api-health-check' }], args: [{ name: 'service-name', value: 'api' }, namespaceArg] });
  });
  test('the preview Ingress routes its host to the preview Service', async () => {
    const ingress = objects.find((o) => o.kind === 'Ingress')!;
    expect(ingress.metadata.name).toBe('api-preview');
    expect(ingress.spec).toEqual({
      ingressClassName: 'public',
      rules: [{ host: 'preview.api.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api-preview', port: { number: 80 } } } }] } }],
    });
    expect(await validateObjects(objects)).toEqual([]);
  });
  test('no preview Ingress unless asked, or without a host', () => {
    expect(synth({ previewHost: 'preview.api.example.com' }).some((o) => o.kind === 'Ingress')).toBe(false);
    expect(synth({ strategy: RolloutStrategy.blueGreen({ previewIngress: true }) }).some((o) => o.kind === 'Ingress')).toBe(false);
  });
});

describe('ProgressiveRollout errors', () => {
  test('a rolling update throws', () => {
    expect(() => synth({ strategy: RolloutStrategy.rollingUpdate() })).toThrow("test/rollout: 'strategy' is 'rolling-update'; a Rollout needs blue-green or canary");
  });
  test('zero replicas throw', () => {
    expect(() => synth({ replicas: 0 })).toThrow("test/rollout: 'replicas' must be a whole number >= 1, got 0");
  });
  test('nginx routing without the stable Ingress throws, naming both ways out', () => {
    expect(() => synth({ strategy: RolloutStrategy.canary() })).toThrow(
      "test/rollout: canary 'trafficRouting' is nginx, which routes through the service's Ingress, but 'stableIngress' is not set (the service has no host); give the service a host or use TrafficRouting.replicaRatio()",
    );
  });
  test('a preview larger than the rollout throws', () => {
    expect(() => synth({ replicas: 2, strategy: RolloutStrategy.blueGreen({ previewReplicaCount: 3 }) })).toThrow(
      "test/rollout: blue-green 'previewReplicaCount' 3 exceeds 'replicas' 2",
    );
  });
});

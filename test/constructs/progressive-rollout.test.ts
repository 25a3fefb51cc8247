import { Chart, Testing } from 'cdk8s';
import { ProgressiveRollout, type ProgressiveRolloutProps } from '../../constructs/progressive-rollout.js';
import { RolloutStrategy } from '../../model/rollout-strategy.js';
import { validateObjects } from '../../lib/render/schema-validation.js';

function synth(props: Partial<ProgressiveRolloutProps> = {}): Record<string, any>[] {
  const chart = new Chart(Testing.app(), 'test');
  new ProgressiveRollout(chart, 'rollout', {
    name: 'api',
    strategy: RolloutStrategy.blueGreen(),
    replicas: 3,
    selector: { 'app.kubernetes.io/name': 'api' },
    analysisTemplate: 'api-health-check',
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
  const objects = synth({ strategy: RolloutStrategy.canary() });
  const rollout = objects.find((o) => o.kind === 'Rollout')!;

  test('has no preview Service', () => {
    expect(objects.map((o) => o.kind)).toEqual(['Rollout']);
  });
  test('maps the steps, analysis steps checking the stable Service', async () => {
    expect(rollout.spec.strategy.canary).toEqual({
      maxSurge: '25%',
      maxUnavailable: 0,
      steps: [
        { setWeight: 20 },
        { analysis: { templates: [{ templateName: 'api-health-check' }], args: [{ name: 'service-name', value: 'api' }, namespaceArg] } },
        { setWeight: 50 },
        { pause: { duration: '2m' } },
        { setWeight: 100 },
      ],
    });
    expect(await validateObjects(objects)).toEqual([]);
  });
});

describe('ProgressiveRollout errors', () => {
  test('a rolling update throws', () => {
    expect(() => synth({ strategy: RolloutStrategy.rollingUpdate() })).toThrow("test/rollout: 'strategy' is 'rolling-update'; a Rollout needs blue-green or canary");
  });
  test('zero replicas throw', () => {
    expect(() => synth({ replicas: 0 })).toThrow("test/rollout: 'replicas' must be a whole number >= 1, got 0");
  });
  test('a preview larger than the rollout throws', () => {
    expect(() => synth({ replicas: 2, strategy: RolloutStrategy.blueGreen({ previewReplicaCount: 3 }) })).toThrow(
      "test/rollout: blue-green 'previewReplicaCount' 3 exceeds 'replicas' 2",
    );
  });
});

import { rolloutReferenceProblems } from '../../lib/render/rollout-references.js';

const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name } });
const analysis = (serviceName: string, templateName = 'api-health-check') => ({ templates: [{ templateName }], args: [{ name: 'service-name', value: serviceName }] });
const template = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate', metadata: { name: 'api-health-check' } };
const rollout = (strategy: Record<string, unknown>) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'api', namespace: 'prod' }, spec: { strategy } });

describe('rolloutReferenceProblems', () => {
  test('a canary whose Services, Ingress and templates are all in the overlay, measuring the canary, has none', () => {
    const objects = [
      service('api'),
      service('api-canary'),
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'api' } },
      template,
      rollout({ canary: { canaryService: 'api-canary', stableService: 'api', trafficRouting: { nginx: { stableIngress: 'api' } }, analysis: analysis('api-canary'), steps: [{ analysis: analysis('api-canary') }] } }),
    ];
    expect(rolloutReferenceProblems(objects)).toEqual([]);
  });
  test('each missing object and each analysis of the wrong Service is named', () => {
    const objects = [
      service('api'),
      rollout({ canary: { canaryService: 'api-canary', stableService: 'api', trafficRouting: { nginx: { stableIngress: 'api' } }, steps: [{ setWeight: 10 }, { analysis: analysis('api', 'api-smoke') }] } }),
    ];
    expect(rolloutReferenceProblems(objects).map((p) => `${p.object}: ${p.message}`)).toEqual([
      "Rollout/prod/api: canary.canaryService 'api-canary' names no Service of the overlay",
      "Rollout/prod/api: canary.trafficRouting.nginx.stableIngress 'api' names no Ingress of the overlay",
      "Rollout/prod/api: canary.steps[1].analysis template 'api-smoke' names no AnalysisTemplate of the overlay",
      "Rollout/prod/api: canary.steps[1].analysis measures 'api', not 'api-canary'",
    ]);
  });
  test('blue-green: pre-promotion measures the preview, post-promotion the active Service', () => {
    const objects = [
      service('api'),
      service('api-preview'),
      template,
      rollout({ blueGreen: { activeService: 'api', previewService: 'api-preview', prePromotionAnalysis: analysis('api'), postPromotionAnalysis: analysis('api') } }),
    ];
    expect(rolloutReferenceProblems(objects).map((p) => p.message)).toEqual(["blueGreen.prePromotionAnalysis measures 'api', not 'api-preview'"]);
  });
});

import { Chart, Testing } from 'cdk8s';
import { AnalysisTemplate, analysisTemplateName, type AnalysisTemplateProps } from '../../constructs/analysis-template.js';
import { HealthCheckAnalysis } from '../../constructs/health-check-analysis.js';
import { Analysis } from '../../model/analysis.js';
import { validateObjects } from '../../lib/render/schema-validation.js';
import { secureDefaultProblems } from '../../lib/render/verify-tree.js';

const PROMETHEUS = 'http://kube-prom-stack-kube-prome-prometheus.observability.svc.cluster.local:9090';

function synth(analysis: Analysis, props: Partial<AnalysisTemplateProps> = {}): Record<string, any> {
  const chart = new Chart(Testing.app(), 'test');
  new AnalysisTemplate(chart, 'template', {
    name: analysisTemplateName('api', analysis),
    analysis,
    healthPath: '/healthz',
    healthResponse: { jsonPath: '{$.status}', successCondition: 'result == "ok"' },
    prometheusAddress: PROMETHEUS,
    ...props,
  });
  return Testing.synth(chart)[0]!;
}

describe('AnalysisTemplate, web', () => {
  test('Analysis.web() renders exactly the existing health check of the service', () => {
    const chart = new Chart(Testing.app(), 'test');
    new HealthCheckAnalysis(chart, 'check', { name: 'api-health-check', path: '/healthz' });
    expect(synth(Analysis.web())).toEqual(Testing.synth(chart)[0]);
  });
  test('its own path, condition and schedule override the service', () => {
    const template = synth(Analysis.web({ name: 'deep-health', path: '/health/deep', successCondition: 'result == "green"', count: 3, failureLimit: 0, interval: '10s' }));
    expect(template.metadata.name).toBe('api-deep-health');
    expect(template.spec.metrics[0]).toMatchObject({ count: 3, interval: '10s', failureLimit: 0, successCondition: 'result == "green"' });
    expect(template.spec.metrics[0].provider.web.url).toBe('http://{{args.service-name}}.{{args.namespace}}.svc.cluster.local/health/deep');
  });
});

describe('AnalysisTemplate, Prometheus', () => {
  const analysis = Analysis.prometheus({
    name: 'success-rate',
    query: 'sum(rate(x{service="{{args.service-name}}"}[{{args.window}}]))',
    successCondition: 'result[0] >= 0.95',
    failureCondition: 'result[0] < 0.5',
    failureLimit: 2,
    interval: '1m',
    count: 5,
    defaultArgs: { window: '5m' },
  });
  const template = synth(analysis);

  test('validates against the Argo Rollouts schema', async () => {
    expect(await validateObjects([template])).toEqual([]);
  });
  test('declares the built-in arguments and its own, with their defaults', () => {
    expect(template.spec.args).toEqual([{ name: 'service-name' }, { name: 'namespace' }, { name: 'window', value: '5m' }]);
  });
  test('queries the platform Prometheus with the conditions and schedule', () => {
    expect(template.spec.metrics).toEqual([
      {
        name: 'success-rate',
        interval: '1m',
        count: 5,
        failureLimit: 2,
        successCondition: 'result[0] >= 0.95',
        failureCondition: 'result[0] < 0.5',
        provider: { prometheus: { address: PROMETHEUS, query: 'sum(rate(x{service="{{args.service-name}}"}[{{args.window}}]))' } },
      },
    ]);
  });
  test("the analysis's own address wins", () => {
    const own = synth(Analysis.prometheus({ query: 'up', successCondition: 'result[0] == 1', address: 'https://prometheus.example.com' }));
    expect(own.spec.metrics[0].provider.prometheus.address).toBe('https://prometheus.example.com');
  });
  test('without any address it throws with the construct path', () => {
    expect(() => synth(Analysis.prometheus({ query: 'up', successCondition: 'result[0] == 1' }), { prometheusAddress: undefined })).toThrow(
      "test/template: analysis 'prometheus' (Analysis.prometheus) has no 'address' and no 'prometheusAddress' was given; set platform 'prometheusAddress'",
    );
  });
});

describe('AnalysisTemplate, Job', () => {
  const template = synth(Analysis.job({ name: 'smoke', image: 'registry.example.com/smoke:v1.2.0', command: ['/smoke', '--url', 'http://{{args.service-name}}.{{args.namespace}}'] }));
  const job = template.spec.metrics[0].provider.job;
  const pod = job.spec.template.spec;
  const container = pod.containers[0];

  test('validates against the Argo Rollouts schema', async () => {
    expect(await validateObjects([template])).toEqual([]);
  });
  test('runs once, never retried, within the deadline', () => {
    expect(template.spec.metrics[0]).toMatchObject({ name: 'smoke', count: 1, failureLimit: 0 });
    expect([job.spec.backoffLimit, job.spec.activeDeadlineSeconds, pod.restartPolicy]).toEqual([0, 300, 'Never']);
  });
  test('the pod has the secure defaults: non-root, read-only root, no capabilities, no token, limits, a pinned image', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    expect([container.image, container.imagePullPolicy]).toEqual(['registry.example.com/smoke:v1.2.0', 'IfNotPresent']);
  });
  test("ferry validate's secure-default rules hold for the Job pod (no probes for a one-shot pod) and catch a weakened one", () => {
    expect(secureDefaultProblems([template], 'x')).toEqual([]);
    const weakened = JSON.parse(JSON.stringify(template).replace('"readOnlyRootFilesystem":true', '"readOnlyRootFilesystem":false').replace('"automountServiceAccountToken":false', '"automountServiceAccountToken":true'));
    expect(secureDefaultProblems([weakened], 'x').map((p) => `${p.object}: ${p.message}`)).toEqual([
      'AnalysisTemplate/api-smoke: automountServiceAccountToken must be false',
      "AnalysisTemplate/api-smoke: container 'analysis': securityContext.readOnlyRootFilesystem must be true",
    ]);
  });
  test('the measured Service reaches the container', () => {
    expect(container.command).toEqual(['/smoke', '--url', 'http://{{args.service-name}}.{{args.namespace}}']);
    expect(container.env).toEqual([
      { name: 'SERVICE_NAME', value: '{{args.service-name}}' },
      { name: 'NAMESPACE', value: '{{args.namespace}}' },
    ]);
  });
});

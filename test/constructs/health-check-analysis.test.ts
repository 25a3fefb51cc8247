import { Chart, Testing } from 'cdk8s';
import { HealthCheckAnalysis, type HealthCheckAnalysisProps } from '../../constructs/health-check-analysis.js';
import { validateObjects } from '../../lib/render/schema-validation.js';

function synth(props: Partial<HealthCheckAnalysisProps> = {}): Record<string, any> {
  const chart = new Chart(Testing.app(), 'test');
  new HealthCheckAnalysis(chart, 'check', { name: 'api-health-check', path: '/healthz', ...props });
  return Testing.synth(chart)[0]!;
}

describe('HealthCheckAnalysis defaults', () => {
  const template = synth();
  const metric = template.spec.metrics[0];

  test('validates against the Argo Rollouts schema', async () => {
    expect(await validateObjects([template])).toEqual([]);
  });
  test('waits 60 s before the first check', () => {
    expect(metric.initialDelay).toBe('60s');
  });
  test('runs 10 checks 30 s apart: 5 minutes', () => {
    expect([metric.count, metric.interval]).toEqual([10, '30s']);
  });
  test('aborts on the third failure (failureLimit counts tolerated failures)', () => {
    expect(metric.failureLimit).toBe(2);
    expect(metric.consecutiveErrorLimit).toBe(3);
  });
  test('checks the health path through the Service given as argument', () => {
    expect(template.spec.args).toEqual([{ name: 'service-name' }, { name: 'namespace' }]);
    expect(metric.provider.web).toEqual({ url: 'http://{{args.service-name}}.{{args.namespace}}.svc.cluster.local/healthz', jsonPath: '{$.status}', timeoutSeconds: 5 });
  });
  test('succeeds when the status is ok', () => {
    expect(metric.successCondition).toBe('result == "ok"');
  });
});

describe('HealthCheckAnalysis options and errors', () => {
  test('options are taken', () => {
    const metric = synth({ initialDelay: '2m', count: 4, interval: '1m', maxFailures: 1, jsonPath: '{$.healthy}', successCondition: 'result == true' }).spec.metrics[0];
    expect(metric).toMatchObject({ initialDelay: '2m', count: 4, interval: '1m', failureLimit: 0, successCondition: 'result == true' });
    expect(metric.provider.web.jsonPath).toBe('{$.healthy}');
  });
  test('a malformed interval throws', () => {
    expect(() => synth({ interval: '30 seconds' })).toThrow("test/check: 'interval' must look like 30s, 5m or 1h, got '30 seconds'");
  });
  test('maxFailures above count throws', () => {
    expect(() => synth({ count: 2, maxFailures: 3 })).toThrow("test/check: 'maxFailures' must be a whole number from 1 to 'count' (2), got 3");
  });
  test('a zero count throws', () => {
    expect(() => synth({ count: 0 })).toThrow("test/check: 'count' must be a whole number >= 1, got 0");
  });
});

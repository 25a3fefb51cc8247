import { Analysis } from '../../model/analysis.js';
import { TrafficRouting } from '../../model/traffic-routing.js';

const query = 'sum(rate(http_requests_total{service="{{args.service-name}}",code!~"5.."}[5m])) / sum(rate(http_requests_total{service="{{args.service-name}}"}[5m]))';

describe('Analysis.web', () => {
  test('defaults: the health check, 60 s delay, 10 checks 30 s apart, the third failure aborts', () => {
    const web = Analysis.web();
    expect([web.kind, web.name, web.initialDelay, web.interval, web.count, web.failureLimit]).toEqual(['web', 'health-check', '60s', '30s', 10, 2]);
    expect(web.web).toEqual({ path: undefined, jsonPath: undefined, successCondition: undefined });
    expect(web.args).toEqual([]);
  });
  test('a relative path throws', () => {
    expect(() => Analysis.web({ path: 'healthz' })).toThrow("Analysis.web: 'path' \"healthz\" must be an absolute HTTP path like '/healthz'");
  });
});

describe('Analysis.prometheus', () => {
  const analysis = Analysis.prometheus({ name: 'success-rate', query, successCondition: 'result[0] >= 0.95', failureCondition: 'result[0] < 0.5', failureLimit: 3, interval: '2m', count: 6 });

  test('keeps the query, conditions and schedule', () => {
    expect(analysis.prometheus).toEqual({ query, successCondition: 'result[0] >= 0.95', failureCondition: 'result[0] < 0.5', address: undefined });
    expect([analysis.name, analysis.interval, analysis.count, analysis.failureLimit, analysis.initialDelay]).toEqual(['success-rate', '2m', 6, 3, undefined]);
  });
  test('defaults: 5 measurements a minute apart, the second failure aborts', () => {
    const a = Analysis.prometheus({ query, successCondition: 'result[0] >= 0.95' });
    expect([a.name, a.interval, a.count, a.failureLimit]).toEqual(['prometheus', '1m', 5, 1]);
  });
  test('arguments it reads besides service-name and namespace are listed, with their defaults', () => {
    const a = Analysis.prometheus({ query: 'x{service="{{args.service-name}}"}[{{ args.window }}] > {{args.floor}}', successCondition: 'result[0] > 0', defaultArgs: { window: '5m' } });
    expect(a.args).toEqual(['floor', 'window']);
    expect(a.defaultArgs).toEqual({ window: '5m' });
  });
  test('bad input throws naming the key, the value and the rule', () => {
    expect(() => Analysis.prometheus({ query: ' ', successCondition: 'result[0] > 0' })).toThrow("Analysis.prometheus: 'query' \" \" must be a PromQL query");
    expect(() => Analysis.prometheus({ query, successCondition: 'true' })).toThrow("Analysis.prometheus: 'successCondition' \"true\" must test 'result', like 'result[0] >= 0.95'");
    expect(() => Analysis.prometheus({ query, successCondition: 'result[0] > 0', address: 'prometheus:9090' })).toThrow(
      "Analysis.prometheus: 'address': \"prometheus:9090\" must be an http(s) URL like 'http://kube-prom-stack-kube-prome-prometheus.observability.svc.cluster.local:9090'",
    );
    expect(() => Analysis.prometheus({ query, successCondition: 'result[0] > 0', count: 3, failureLimit: 3 })).toThrow(
      "Analysis.prometheus: 'failureLimit' 3 must be a whole number from 0 to 'count' - 1 (2): it counts tolerated failures",
    );
    expect(() => Analysis.prometheus({ query, successCondition: 'result[0] > 0', interval: '1 minute' })).toThrow("Analysis.prometheus: 'interval' \"1 minute\" must look like 30s, 5m or 1h");
    expect(() => Analysis.prometheus({ query, successCondition: 'result[0] > 0', defaultArgs: { window: '5m' } })).toThrow(
      "Analysis.prometheus: 'defaultArgs.window' is not read by the analysis (no {{args.window}})",
    );
    expect(() => Analysis.prometheus({ query, successCondition: 'result[0] > 0', defaultArgs: { 'service-name': 'x' } })).toThrow(
      "Analysis.prometheus: 'defaultArgs.service-name' is set by the Rollout; remove it",
    );
    expect(() => Analysis.prometheus({ query, successCondition: 'result[0] > 0', name: 'Success_Rate' })).toThrow("Analysis.prometheus: 'name'");
  });
});

describe('Analysis.job', () => {
  test('measures once; the measured Service and namespace reach the container as SERVICE_NAME and NAMESPACE', () => {
    const job = Analysis.job({ image: 'registry.example.com/smoke:v1.0.0', command: ['/smoke'] });
    expect([job.name, job.count, job.failureLimit, job.interval]).toEqual(['job', 1, 0, undefined]);
    expect(job.job).toEqual({
      image: 'registry.example.com/smoke:v1.0.0',
      command: ['/smoke'],
      env: { SERVICE_NAME: '{{args.service-name}}', NAMESPACE: '{{args.namespace}}' },
      activeDeadlineSeconds: 300,
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    });
  });
  test('a digest pins the image too', () => {
    expect(Analysis.job({ image: `registry.example.com/smoke@sha256:${'a'.repeat(64)}`, command: ['/smoke'] }).job.image).toContain('@sha256:');
  });
  test('an image without a tag, or with latest, throws', () => {
    expect(() => Analysis.job({ image: 'registry.example.com/smoke', command: ['/smoke'] })).toThrow(
      "Analysis.job: 'image' \"registry.example.com/smoke\" must be a registry image with an explicit tag or digest, like 'registry.example.com/smoke:v1.0.0'",
    );
    expect(() => Analysis.job({ image: 'registry.example.com/smoke:latest', command: ['/smoke'] })).toThrow(
      "Analysis.job: 'image' \"registry.example.com/smoke:latest\" uses the mutable tag 'latest'; tags must be immutable",
    );
  });
  test('an empty command, a bad deadline or several measurements without an interval throw', () => {
    expect(() => Analysis.job({ image: 'r.example.com/s:v1', command: [] })).toThrow("Analysis.job: 'command' [] must be a non-empty list of strings");
    expect(() => Analysis.job({ image: 'r.example.com/s:v1', command: ['/s'], activeDeadlineSeconds: 0 })).toThrow("Analysis.job: 'activeDeadlineSeconds' 0 must be a whole number from 1 to 3600");
    expect(() => Analysis.job({ image: 'r.example.com/s:v1', command: ['/s'], count: 3 })).toThrow("Analysis.job: 'count' 3 needs an 'interval' between the measurements");
  });
  test('asking for the options of another provider throws', () => {
    expect(() => Analysis.job({ image: 'r.example.com/s:v1', command: ['/s'] }).prometheus).toThrow("Analysis 'job': this is a 'job' analysis, not 'prometheus'");
  });
});

describe('TrafficRouting', () => {
  test('nginx routes traffic through the Ingress', () => {
    const nginx = TrafficRouting.nginx();
    expect([nginx.kind, nginx.routesTraffic, nginx.needsIngress, nginx.annotationPrefix]).toEqual(['nginx', true, true, 'nginx.ingress.kubernetes.io']);
  });
  test('replicaRatio needs no Ingress and routes nothing', () => {
    const ratio = TrafficRouting.replicaRatio();
    expect([ratio.kind, ratio.routesTraffic, ratio.needsIngress, ratio.describe()]).toEqual(['replica-ratio', false, false, 'replica ratio']);
  });
  test('a bad annotation prefix throws', () => {
    expect(() => TrafficRouting.nginx({ annotationPrefix: 'Nginx/Ingress' })).toThrow(
      "TrafficRouting.nginx: 'annotationPrefix' \"Nginx/Ingress\" must be a DNS subdomain like 'nginx.ingress.kubernetes.io'",
    );
  });
});

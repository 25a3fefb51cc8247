/** What a platform's progressive strategies need from the rest of the platform (model/platform.ts). */
import { Analysis } from '../../model/analysis.js';
import { Environment, Platform, Profiles, type PlatformProps } from '../../model/platform.js';
import { RolloutStrategy } from '../../model/rollout-strategy.js';
import { TrafficRouting } from '../../model/traffic-routing.js';

const successRate = Analysis.prometheus({ name: 'success-rate', query: 'x{service="{{args.service-name}}"}', successCondition: 'result[0] >= 0.95' });

function platform(strategy: RolloutStrategy, props: Partial<PlatformProps> = {}): Platform {
  return new Platform({
    name: 'shop',
    repoURL: 'https://github.com/example-org/shop.git',
    registry: 'registry.example.com',
    services: [{ name: 'web', host: 'shop.example.com' }, { name: 'api', host: 'api.shop.example.com' }],
    environments: [Environment.of('dev', Profiles.development()), Environment.of('prod', Profiles.production({ strategy }))],
    ...props,
  });
}

describe('platform prometheusAddress', () => {
  test('defaults to none and is kept when set', () => {
    expect(platform(RolloutStrategy.blueGreen()).prometheusAddress).toBeUndefined();
    expect(platform(RolloutStrategy.blueGreen(), { prometheusAddress: 'http://prometheus.observability.svc:9090' }).prometheusAddress).toBe('http://prometheus.observability.svc:9090');
  });
  test('a value that is no URL throws', () => {
    expect(() => platform(RolloutStrategy.blueGreen(), { prometheusAddress: 'prometheus:9090' })).toThrow(
      "platform 'prometheusAddress': \"prometheus:9090\" must be an http(s) URL like 'http://kube-prom-stack-kube-prome-prometheus.observability.svc.cluster.local:9090'",
    );
  });
  test('a Prometheus analysis without an address of its own needs it', () => {
    const strategy = RolloutStrategy.canary({ backgroundAnalysis: { analysis: [successRate] } });
    expect(() => platform(strategy)).toThrow(
      "environment 'prod': analysis 'success-rate' (Analysis.prometheus) has no 'address' and platform 'prometheusAddress' is not set; set one of them (see docs/infrastructure.md for MicroK8s' observability addon)",
    );
    expect(() => platform(strategy, { prometheusAddress: 'http://prometheus.observability.svc:9090' })).not.toThrow();
    const own = Analysis.prometheus({ query: 'up', successCondition: 'result[0] == 1', address: 'http://prometheus.example.com' });
    expect(() => platform(RolloutStrategy.blueGreen({ postPromotionAnalysis: [own] }))).not.toThrow();
  });
});

describe('a canary service without a host', () => {
  const hostless: Partial<PlatformProps> = { services: [{ name: 'web', host: 'shop.example.com' }, { name: 'worker' }] };

  test('is refused under nginx routing, naming the service and both ways out', () => {
    expect(() => platform(RolloutStrategy.canary(), hostless)).toThrow(
      "environment 'prod': the canary routes traffic through nginx, which needs each service's Ingress, but service 'worker' has no 'host'; give it a host, or use RolloutStrategy.canary({ trafficRouting: TrafficRouting.replicaRatio() }) (the weight is then the share of canary pods)",
    );
  });
  test('is accepted with replica-ratio routing', () => {
    expect(() => platform(RolloutStrategy.canary({ trafficRouting: TrafficRouting.replicaRatio() }), hostless)).not.toThrow();
  });
});

describe('blue-green preview hosts', () => {
  test('preview.<host> must be a valid host name', () => {
    const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(54)}.example.com`;
    expect(() => platform(RolloutStrategy.blueGreen({ previewIngress: true }), { services: [{ name: 'web', host: long }] })).toThrow(
      "environment 'prod': preview host of service 'web' (preview.<hostPrefix><host>)",
    );
    expect(() => platform(RolloutStrategy.blueGreen({ previewIngress: false }), { services: [{ name: 'web', host: long }] })).not.toThrow();
  });
});

import { checkChartVersion, HelmChartDefinition, mergeValues, type HelmChartProps } from '../../model/helm-chart.js';
import { Environment, Platform, Profiles, type ServiceProps } from '../../model/platform.js';
import { RolloutStrategy } from '../../model/rollout-strategy.js';
import { TrafficRouting } from '../../model/traffic-routing.js';
import { parseStackConfig, type ConfigSource } from '../../model/stack-config.js';

const chart = (props: Partial<HelmChartProps> = {}) => new HelmChartDefinition({ repository: 'https://charts.example.com', name: 'redis', ...props } as HelmChartProps, "service 'cache'");

function platformWith(...services: ServiceProps[]): Platform {
  return new Platform({
    name: 'shop',
    repoURL: 'https://github.com/example-org/shop.git',
    registry: 'registry.example.com',
    services,
    environments: [Environment.of('dev', Profiles.development()), Environment.of('prod', Profiles.production())],
  });
}

describe('HelmChartDefinition', () => {
  test('defaults: image.tag, no values, no kinds; https and oci repository URLs for Argo CD', () => {
    const https = chart();
    expect({ path: https.imageTagPath, values: https.values, kinds: https.kinds, repo: https.argoRepoURL, oci: https.isOci }).toEqual({
      path: ['image', 'tag'],
      values: {},
      kinds: [],
      repo: 'https://charts.example.com',
      oci: false,
    });
    // Argo CD's Helm OCI form: the registry path without the scheme.
    const oci = chart({ repository: 'oci://registry-1.docker.io/bitnamicharts' });
    expect({ repo: oci.argoRepoURL, oci: oci.isOci }).toEqual({ repo: 'registry-1.docker.io/bitnamicharts', oci: true });
  });

  test.each<[string, Partial<HelmChartProps>, string]>([
    ['http repository', { repository: 'http://charts.example.com' }, `service 'cache': 'chart.repository' "http://charts.example.com" must be an https:// Helm repository URL (e.g. https://charts.example.com) or an oci:// registry path (e.g. oci://registry.example.com/charts), without credentials`],
    ['credentials in the URL', { repository: 'https://user:pw@charts.example.com' }, `service 'cache': 'chart.repository' "https://user:pw@charts.example.com" must be an https:// Helm repository URL (e.g. https://charts.example.com) or an oci:// registry path (e.g. oci://registry.example.com/charts), without credentials`],
    ['oci without a path', { repository: 'oci://registry.example.com' }, `service 'cache': 'chart.repository' "oci://registry.example.com" must be an https:// Helm repository URL (e.g. https://charts.example.com) or an oci:// registry path (e.g. oci://registry.example.com/charts), without credentials`],
    ['chart name with capitals', { name: 'Redis' }, `service 'cache': 'chart.name' "Redis" must be a chart name: lowercase letters, digits and '-', at most 63 characters`],
    ['value path with a space', { imageTagValue: 'image. tag' }, `service 'cache': 'chart.imageTagValue' "image. tag" must be a dotted path of value keys (letters, digits, '_', '-'), like 'image.tag'`],
    ['empty value path segment', { imageTagValue: 'image..tag' }, `service 'cache': 'chart.imageTagValue' "image..tag" must be a dotted path of value keys (letters, digits, '_', '-'), like 'image.tag'`],
    ['values setting the tag', { values: { image: { tag: 'v1' } } }, `service 'cache': 'chart.values' sets 'image.tag', the 'chart.imageTagValue': the tag comes from <project>:images of each environment; remove it from the values`],
    ['values with no room for the tag', { values: { image: 'nginx' } }, `service 'cache': 'chart.values': 'image' is "nginx", but the image tag goes at 'image.tag' inside it; make it a mapping`],
    ['values not a mapping', { values: ['a'] as never }, `service 'cache': 'chart.values': ["a"] must be a mapping of chart values`],
    ['values holding a function', { values: { hook: (() => 1) as never } }, `service 'cache': 'chart.values': 'hook' () => 1 must be plain YAML data (mapping, list, string, number, boolean or null)`],
    ['a kind without group', { kinds: [{ kind: 'StatefulSet' } as never] }, `service 'cache': 'chart.kinds[0]' {"kind":"StatefulSet"} must be { group, kind } with an API group ('' for core) and a kind like 'StatefulSet'`],
  ])('%s is refused', (_, props, message) => {
    expect(() => chart(props)).toThrow(message);
  });

  test('valuesFor: platform values, environment values merged over them (mappings by key, lists replaced), the tag at its path, keys sorted', () => {
    const c = chart({ imageTagValue: 'app.image.tag', values: { replicaCount: 1, app: { image: { repository: 'r/cache' } }, hosts: ['a', 'b'] } });
    const values = c.valuesFor({ replicaCount: 2, hosts: ['c'], app: { extra: true } }, 'v1.2.0');
    expect(values).toEqual({ app: { extra: true, image: { repository: 'r/cache', tag: 'v1.2.0' } }, hosts: ['c'], replicaCount: 2 });
    expect(Object.keys(values)).toEqual(['app', 'hosts', 'replicaCount']);
    expect(Object.keys(values.app as object)).toEqual(['extra', 'image']);
    // The platform's values are not mutated by a merge.
    expect(c.values).toEqual({ replicaCount: 1, app: { image: { repository: 'r/cache' } }, hosts: ['a', 'b'] });
  });

  test('mergeValues: a scalar over a mapping replaces it, like a later helm values file', () => {
    expect(mergeValues({ a: { b: 1 } }, { a: 'x' })).toEqual({ a: 'x' });
  });

  test('checkChartVersion: pinned SemVer 2 only', () => {
    expect(checkChartVersion('18.1.0', 'x')).toBe('18.1.0');
    expect(checkChartVersion('2.0.0-rc.1+build.5', 'x')).toBe('2.0.0-rc.1+build.5');
    for (const bad of ['^18.1.0', '18.1', '18.x', 'v18.1.0', 18.1, '']) {
      expect(() => checkChartVersion(bad, 'Pulumi.dev.yaml: ferry:charts.cache.version')).toThrow(
        `Pulumi.dev.yaml: ferry:charts.cache.version: ${JSON.stringify(bad)} is not a chart version; allowed: SemVer 2 like 18.1.0 or 2.0.0-rc.1 (a pinned version, not a range; quote versions YAML reads as numbers)`,
      );
    }
  });
});

describe('a chart service in the platform', () => {
  test('kustomize-only props are refused with a chart', () => {
    expect(() => platformWith({ name: 'cache', chart: { repository: 'https://charts.example.com', name: 'redis' }, host: 'cache.example.com' })).toThrow(
      `service 'cache': 'host' "cache.example.com" does not apply to a chart service ('chart' is set): set it in 'chart.values' or <project>:charts.cache.values`,
    );
    expect(() => platformWith({ name: 'cache', chart: { repository: 'https://charts.example.com', name: 'redis' }, port: 6379 })).toThrow(`service 'cache': 'port' 6379 does not apply to a chart service`);
  });

  test("a chart service has no Rollout of ferry's, so an nginx canary does not ask it for a host", () => {
    const canary = Environment.of('prod', Profiles.production({ strategy: RolloutStrategy.canary({ trafficRouting: TrafficRouting.nginx() }) }));
    const services: ServiceProps[] = [{ name: 'api', host: 'api.example.com' }, { name: 'cache', chart: { repository: 'https://charts.example.com', name: 'redis' } }];
    const props = { name: 'shop', repoURL: 'https://github.com/example-org/shop.git', registry: 'registry.example.com', environments: [canary] };
    expect(new Platform({ ...props, services }).service('cache').chart?.name).toBe('redis');
    // A kustomize service without a host is still refused.
    expect(() => new Platform({ ...props, services: [...services, { name: 'web' }] })).toThrow("service 'web' has no 'host'");
  });

  test('previews need a kustomize service', () => {
    expect(
      () =>
        new Platform({
          name: 'shop',
          repoURL: 'https://github.com/example-org/shop.git',
          registry: 'registry.example.com',
          services: [{ name: 'cache', chart: { repository: 'https://charts.example.com', name: 'redis' } }],
          environments: [Environment.of('dev')],
          previews: { owner: 'example-org', repo: 'shop' },
        }),
    ).toThrow("platform 'previews': previews run the kustomize services, and every service is a chart service; drop 'previews' or add a kustomize service");
  });
});

describe('ferry:charts in the stack config', () => {
  const platform = platformWith({ name: 'api' }, { name: 'cache', chart: { repository: 'https://charts.example.com', name: 'redis' } });
  const source: ConfigSource = { file: 'Pulumi.dev.yaml', project: 'ferry', platform, environment: platform.environment('dev') };
  const images = { api: 'sha-1a2b3c4d', cache: 'sha-5e6f7a8b' };

  test('version and values are parsed', () => {
    expect(parseStackConfig({ images, charts: { cache: { version: '18.1.0', values: { replicaCount: 2 } } } }, source).charts).toEqual({ cache: { version: '18.1.0', values: { replicaCount: 2 } } });
    expect(parseStackConfig({ images, charts: { cache: { version: '18.1.0' } } }, source).charts).toEqual({ cache: { version: '18.1.0', values: {} } });
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['no charts key', { images }, 'Pulumi.dev.yaml: ferry:charts.cache: missing; every chart service needs a chart version in every environment, like ferry:charts: { cache: { version: 1.0.0 } }'],
    ['a kustomize service', { images, charts: { cache: { version: '1.0.0' }, api: { version: '1.0.0' } } }, "Pulumi.dev.yaml: ferry:charts.api: 'api' is not a chart service; chart services: cache"],
    ['an unknown service', { images, charts: { db: { version: '1.0.0' } } }, "Pulumi.dev.yaml: ferry:charts.db: unknown service 'db'; allowed: api, cache"],
    ['an unknown key', { images, charts: { cache: { version: '1.0.0', chart: 'redis' } } }, 'Pulumi.dev.yaml: ferry:charts.cache.chart: unknown key; allowed: version, values'],
    ['a version range', { images, charts: { cache: { version: '~1.0' } } }, 'Pulumi.dev.yaml: ferry:charts.cache.version: "~1.0" is not a chart version; allowed: SemVer 2'],
    ['values setting the tag', { images, charts: { cache: { version: '1.0.0', values: { image: { tag: 'v9' } } } } }, "Pulumi.dev.yaml: ferry:charts.cache.values: sets 'image.tag', the chart's imageTagValue: the tag comes from <project>:images of each environment; remove it from the values"],
    ['values with no room for the tag', { images, charts: { cache: { version: '1.0.0', values: { image: ['a'] } } } }, `Pulumi.dev.yaml: ferry:charts.cache.values: 'image' is ["a"], but the image tag goes at 'image.tag' inside it; make it a mapping`],
    ['values as a list', { images, charts: { cache: { version: '1.0.0', values: [1] } } }, 'Pulumi.dev.yaml: ferry:charts.cache.values: [1] must be a mapping of chart values'],
    ['a digest of a chart service', { images, charts: { cache: { version: '1.0.0' } }, digests: { cache: `sha256:${'a'.repeat(64)}` } }, "Pulumi.dev.yaml: ferry:digests.cache: 'cache' is a chart service, whose values file carries the tag only; remove the digest"],
  ])('%s is refused', (_, values, message) => {
    expect(() => parseStackConfig(values, source)).toThrow(message);
  });
});

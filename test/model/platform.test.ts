import { RolloutStrategy } from '../../model/rollout-strategy.js';
import { SyncPolicy } from '../../model/sync-policy.js';
import { TagFormat } from '../../model/image-tag.js';
import { Environment, Platform, Profiles, ServiceDefinition, type PlatformProps } from '../../model/platform.js';

function platform(props: Partial<PlatformProps> = {}): Platform {
  return new Platform({
    name: 'shop',
    repoURL: 'https://github.com/example-org/shop.git',
    registry: 'registry.example.com',
    services: [{ name: 'web' }, { name: 'api' }],
    environments: [Environment.of('dev', Profiles.development()), Environment.of('stage', Profiles.staging()), Environment.of('prod', Profiles.production())],
    ...props,
  });
}

describe('ServiceDefinition defaults', () => {
  const s = new ServiceDefinition({ name: 'api' });
  test('repository defaults to the name', () => expect(s.repository).toBe('api'));
  test('port defaults to 8080', () => expect(s.port).toBe(8080));
  test('healthPath defaults to /healthz', () => expect(s.healthPath).toBe('/healthz'));
  test('readinessPath defaults to /readyz', () => expect(s.readinessPath).toBe('/readyz'));
  test('startupPath defaults to the readiness path', () => {
    expect(s.startupPath).toBe('/readyz');
    expect(new ServiceDefinition({ name: 'api', readinessPath: '/ready' }).startupPath).toBe('/ready');
    expect(new ServiceDefinition({ name: 'api', startupPath: '/startup' }).startupPath).toBe('/startup');
  });
  test('host defaults to none', () => expect(s.host).toBeUndefined());
  test('env defaults to empty', () => expect(s.env).toEqual({}));
  test('a healthy response is {"status":"ok"} by default', () => expect(s.healthResponse).toEqual({ jsonPath: '{$.status}', successCondition: 'result == "ok"' }));
});

describe('ServiceDefinition errors', () => {
  test.each<[ConstructorParameters<typeof ServiceDefinition>[0], string]>([
    [{ name: 'API' }, 'service name "API" is not a DNS label of at most 40 characters (lowercase letters, digits, \'-\')'],
    [{ name: 'api', port: 0 }, "service 'api': 'port' 0 must be a whole number from 1 to 65535"],
    [{ name: 'api', port: 65536 }, "service 'api': 'port' 65536 must be a whole number from 1 to 65535"],
    [{ name: 'api', healthPath: 'healthz' }, "service 'api': 'healthPath' \"healthz\" must be an absolute HTTP path like '/healthz'"],
    [{ name: 'api', startupPath: 'startup' }, "service 'api': 'startupPath' \"startup\" must be an absolute HTTP path like '/healthz'"],
    [{ name: 'api', host: 'localhost' }, "service 'api': 'host': \"localhost\" is not a fully qualified host name; rule: a fully qualified host name"],
    [{ name: 'api', env: { 'bad-name': 'x' } }, 'service \'api\': env "bad-name" is not a valid variable name (A-Z, 0-9, _)'],
    [{ name: 'api', env: { LOG_LEVEL: 'DEBUG' } }, "service 'api': env 'LOG_LEVEL' is set per environment by the profile's 'logLevel'; remove it from the service"],
    [{ name: 'api', repository: 'Api' }, "service 'api': 'repository' \"Api\" is not a valid repository name"],
    [{ name: 'api', healthResponse: { jsonPath: '$.ok', successCondition: 'result == true' } }, "service 'api': 'healthResponse.jsonPath' \"$.ok\" must be a JSONPath like '{$.status}'"],
    [{ name: 'api', healthResponse: { jsonPath: '{$.ok}', successCondition: 'true' } }, "service 'api': 'healthResponse.successCondition' \"true\" must test 'result', like 'result == \"ok\"'"],
  ])('%j is refused', (props, message) => {
    expect(() => new ServiceDefinition(props)).toThrow(message);
  });
});

describe('Environment defaults', () => {
  const e = Environment.of('qa');
  test('replicas default to 1', () => expect(e.replicas).toBe(1));
  test('logLevel defaults to INFO', () => expect(e.logLevel).toBe('INFO'));
  test('sync defaults to automated', () => expect(e.syncPolicy.describe()).toBe('automated (prune, self-heal)'));
  test('strategy defaults to rolling update', () => expect(e.strategy.kind).toBe('rolling-update'));
  test('cluster defaults to nonprod', () => expect(e.cluster).toBe('nonprod'));
  test('namespace defaults to the name', () => expect(e.namespace).toBe('qa'));
  test('hostPrefix defaults to <env>.', () => expect(e.hostPrefix).toBe('qa.'));
  test('review is not required by default', () => expect(e.requiresReview).toBe(false));
  test('no soak by default', () => expect(e.soakHours).toBe(0));
  test('every tag format but pull-request builds by default', () => expect(e.tagFormats).toEqual([TagFormat.SHA, TagFormat.SNAPSHOT, TagFormat.RELEASE, TagFormat.RELEASE_CANDIDATE]));
  test('no freeze windows by default', () => expect(e.freezeWindows).toEqual([]));
});

describe('Profiles', () => {
  test('production is reviewed, manual, blue-green, on its own cluster, soaking 24 h, release and sha tags only', () => {
    const prod = Environment.of('prod', Profiles.production());
    expect([prod.requiresReview, prod.syncPolicy.automated, prod.strategy.kind, prod.cluster, prod.soakHours, prod.hostPrefix]).toEqual([true, false, 'blue-green', 'prod', 24, '']);
    expect(prod.tagFormats).toEqual([TagFormat.RELEASE, TagFormat.SHA]);
  });
  test('overrides win over the profile', () => {
    const stage = Environment.of('stage', Profiles.staging({ syncPolicy: SyncPolicy.manual(), strategy: RolloutStrategy.canary() }));
    expect([stage.syncPolicy.automated, stage.strategy.kind, stage.replicas]).toEqual([false, 'canary', 2]);
  });
});

describe('Environment errors', () => {
  test.each<[string, Parameters<typeof Environment.of>[1], string]>([
    ['preview', {}, 'environment name "preview" must be a DNS label of at most 20 characters and not \'preview\' or \'preview-*\' (reserved for pull-request previews)'],
    ['Prod', {}, 'environment name "Prod" must be a DNS label of at most 20 characters and not \'preview\' or \'preview-*\' (reserved for pull-request previews)'],
    ['dev', { replicas: 0 }, "environment 'dev': 'replicas': 0 must be a whole number from 1 to 100"],
    ['dev', { logLevel: 'TRACE' as never }, 'environment \'dev\': \'logLevel\': "TRACE" is not a log level; allowed: DEBUG, INFO, WARN'],
    ['dev', { cluster: 'Non_Prod' }, 'environment \'dev\': \'cluster\': "Non_Prod" is not a safe folder name; rule: one folder name of the rendered tree'],
    ['dev', { hostPrefix: 'dev' }, 'environment \'dev\': \'hostPrefix\' "dev" must be empty or DNS labels each followed by \'.\''],
    ['dev', { soakHours: -1 }, "environment 'dev': 'soakHours' must be a number >= 0, got -1"],
    ['dev', { tagFormats: [] }, "environment 'dev': 'tagFormats' must not be empty"],
  ])('%s %j is refused', (name, profile, message) => {
    expect(() => Environment.of(name, profile)).toThrow(message);
  });
});

describe('Platform', () => {
  test('services are sorted by name whatever the order of definition', () => {
    expect(platform().services.map((s) => s.name)).toEqual(['api', 'web']);
  });
  test('the promotion graph gives upstream and downstream', () => {
    const p = platform();
    expect(p.promotionOrder()).toBe('dev → stage → prod');
    expect(p.upstreamOf('prod')?.name).toBe('stage');
    expect(p.upstreamOf('dev')).toBeUndefined();
    expect(p.downstreamOf('stage')?.name).toBe('prod');
    expect(p.downstreamOf('prod')).toBeUndefined();
  });
  test('clusters in order of first use, previews included', () => {
    expect(platform({ previews: { owner: 'o', repo: 'r' } }).clusters()).toEqual(['nonprod', 'prod']);
  });
  test('previews default the label, cluster and token secret', () => {
    expect(platform({ previews: { owner: 'o', repo: 'r' } }).previews).toEqual({ owner: 'o', repo: 'r', label: 'preview', cluster: 'nonprod', tokenSecret: 'github-token' });
  });
  test('image names join registry and repository', () => {
    const p = platform();
    expect(p.imageOf(p.service('api'))).toBe('registry.example.com/api');
  });
  test.each<[Partial<PlatformProps>, string]>([
    [{ name: 'default' }, "platform 'name' must not be 'default': Argo CD's default AppProject allows everything"],
    [{ repoURL: 'github.com/x' }, 'platform \'repoURL\': "github.com/x" is not an https:// or ssh:// URL or git@host:path; rule: '],
    [{ services: [] }, "platform 'services' [] must be a non-empty list of services"],
    [{ services: [{ name: 'api' }, { name: 'api' }] }, "platform 'services': 'api' appears twice"],
    [{ environments: [Environment.of('dev'), Environment.of('dev')] }, "platform 'environments': 'dev' appears twice"],
    [{ environments: [Environment.of('a', { namespace: 'x' }), Environment.of('b', { namespace: 'x' })] }, "platform 'environments' cluster/namespace: 'nonprod/x' appears twice"],
  ])('%j is refused', (props, message) => {
    expect(() => platform(props)).toThrow(message);
  });
  test('unknown names are refused with the known ones', () => {
    expect(() => platform().service('cart')).toThrow("unknown service 'cart'; services: api, web");
    expect(() => platform().environment('qa')).toThrow("unknown environment 'qa'; environments: dev → stage → prod");
  });
});

import { Environment, Platform, Profiles, type EnvironmentProfileProps } from '../../model/platform.js';
import { formatGraphMermaid, formatGraphText } from '../../lib/promote/graph-view.js';

const platform = (environments: readonly [string, EnvironmentProfileProps?][]) =>
  new Platform({
    name: 'shop',
    repoURL: 'https://github.com/example-org/shop-platform.git',
    registry: 'registry.example.com',
    services: [{ name: 'api' }],
    environments: environments.map(([name, profile], i) => Environment.of(name, { namespace: `ns-${i}`, ...profile })),
  });

test('a plain list is a chain: each environment is promoted from the one before it', () => {
  const p = platform([['dev'], ['stage'], ['prod']]);
  expect(p.upstreamsOf('prod').map((e) => e.name)).toEqual(['stage']);
  expect(p.upstreamsOf('dev')).toEqual([]);
  expect(p.sources().map((e) => e.name)).toEqual(['dev']);
  expect(p.isChain()).toBe(true);
  expect(p.promotionOrder()).toBe('dev → stage → prod');
});

test('fan-out, fan-in (all/any) and parallel environments; upstreamOf never guesses', () => {
  const p = platform([
    ['test'],
    ['ab-test-a', { upstreams: ['test'] }],
    ['ab-test-b', { upstreams: ['test'] }],
    ['prod', { upstreams: ['ab-test-a', 'ab-test-b'], fanIn: 'any' }],
  ]);
  expect(p.downstreamsOf('test').map((e) => e.name)).toEqual(['ab-test-a', 'ab-test-b']);
  expect(p.upstreamsOf('prod').map((e) => e.name)).toEqual(['ab-test-a', 'ab-test-b']);
  expect(p.environment('prod').fanIn).toBe('any');
  expect(p.environment('ab-test-a').fanIn).toBe('all');
  expect(p.isChain()).toBe(false);
  expect(p.promotionOrder()).toBe('test → ab-test-a, ab-test-b; ab-test-a → prod; ab-test-b → prod');
  expect(() => p.upstreamOf('prod')).toThrow("environment 'prod' has 2 upstreams (ab-test-a, ab-test-b); name one");
  expect(() => p.downstreamOf('test')).toThrow("environment 'test' has 2 downstreams (ab-test-a, ab-test-b); name one");
  expect(p.upstreamOf('ab-test-a')?.name).toBe('test');
  expect(formatGraphText(p)).toBe(
    [
      'ENV        UPSTREAMS             FAN-IN  SOAK  REVIEW',
      'test       (source)              -       0h    no',
      'ab-test-a  test                  -       0h    no',
      'ab-test-b  test                  -       0h    no',
      'prod       ab-test-a, ab-test-b  any     0h    no',
      '',
      'test → ab-test-a, ab-test-b; ab-test-a → prod; ab-test-b → prod',
      '',
    ].join('\n'),
  );
  expect(formatGraphMermaid(p)).toBe(
    [
      'flowchart LR',
      '  test["test"]',
      '  ab_test_a["ab-test-a"]',
      '  ab_test_b["ab-test-b"]',
      '  prod["prod"]',
      '  test --> ab_test_a',
      '  test --> ab_test_b',
      '  ab_test_a -. any .-> prod',
      '  ab_test_b -. any .-> prod',
      '',
    ].join('\n'),
  );
});

test('declaration order does not matter: the topological order puts upstreams first; several sources are allowed', () => {
  const p = platform([
    ['prod', { upstreams: ['stage'] }],
    ['stage', { upstreams: ['dev', 'hotfix'] }],
    ['dev', { upstreams: [] }],
    ['hotfix', { upstreams: [] }],
  ]);
  expect(p.topologicalOrder().map((e) => e.name)).toEqual(['dev', 'hotfix', 'stage', 'prod']);
  expect(p.sources().map((e) => e.name)).toEqual(['dev', 'hotfix']);
});

test('a cycle, an unknown upstream or an unreachable environment is refused when the platform loads, naming them', () => {
  expect(() => platform([['dev'], ['stage', { upstreams: ['dev', 'stagin'] }]])).toThrow(
    "platform 'environments': unknown upstream 'stagin' (upstream of 'stage'); environments: dev, stage",
  );
  expect(() => platform([['dev'], ['stage', { upstreams: ['prod'] }], ['prod', { upstreams: ['stage'] }]])).toThrow(
    "platform 'environments': the promotion graph has a cycle stage → prod → stage; unreachable from any source (an environment with no upstreams): stage, prod",
  );
  expect(() => platform([['dev', { upstreams: ['dev'] }]])).toThrow('the promotion graph has a cycle dev → dev; unreachable from any source (an environment with no upstreams): dev');
  expect(() => platform([['dev'], ['a', { upstreams: ['b'] }], ['b', { upstreams: ['a'] }], ['c', { upstreams: ['b'] }]])).toThrow(
    'unreachable from any source (an environment with no upstreams): a, b, c',
  );
  expect(() => platform([['dev'], ['stage', { upstreams: ['dev', 'dev'] }]])).toThrow("environment 'stage': 'upstreams': 'dev' appears twice");
  expect(() => platform([['dev'], ['stage', { fanIn: 'most' as 'all' }]])).toThrow("environment 'stage': 'fanIn' \"most\" is not allowed; allowed: all, any");
  expect(() => Environment.of('x', Profiles.staging({ upstreams: 'dev' as unknown as string[] }))).toThrow("environment 'x': 'upstreams' \"dev\" must be a list of environment names");
});

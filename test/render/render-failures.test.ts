/**
 * renderPlatform synthesises each chart as soon as it is built (its constructs then die young), and
 * must fail exactly as when every chart was built before any was synthesised.
 */
import { renderPlatform } from '../../lib/render/render.js';
import { AddonPlacement, type AddonContext, type ServiceAddon } from '../../model/addon.js';
import { Environment, Platform, Profiles, type ServiceProps } from '../../model/platform.js';
import { parseStackConfig } from '../../model/stack-config.js';

/** An add-on in the base whose ConfigMap holds a Date, which cdk8s refuses to synthesise. */
const clock: ServiceAddon = {
  id: 'clock',
  placement: AddonPlacement.base(),
  manifests: () => [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'clock' }, data: { at: new Date(0) } }] as never,
};

/** An add-on whose construction fails in dev's overlay. */
const broken: ServiceAddon = {
  id: 'broken',
  placement: AddonPlacement.environments('dev'),
  manifests: (context: AddonContext) => {
    throw new Error(`${context.where}: broken on purpose`);
  },
};

function render(services: ServiceProps[]) {
  const platform = new Platform({
    name: 'shop',
    repoURL: 'https://github.com/example-org/shop-platform.git',
    registry: 'registry.example.com',
    services,
    environments: [Environment.of('dev', Profiles.development())],
  });
  const images = Object.fromEntries(services.map((s) => [s.name, 'sha-1a2b3c4d']));
  const config = parseStackConfig({ images }, { file: 'Pulumi.dev.yaml', project: 'ferry', platform, environment: platform.environment('dev') });
  return renderPlatform(platform, new Map([['dev', config]]));
}

test('a chart that cannot be synthesised fails the render with cdk8s\'s message naming the construct', () => {
  expect(() => render([{ name: 'api', port: 8080, addons: [clock] }])).toThrow(
    "Failed serializing construct at path 'base-api/addons/clock/ConfigMap-clock' with name 'clock': Error: can't render non-simple object of type 'Date'",
  );
});

test('a chart that fails to build later wins over an earlier chart that failed to synthesise, as when all were built first', () => {
  expect(() => render([{ name: 'api', port: 8080, addons: [clock] }, { name: 'web', port: 8080, addons: [broken] }])).toThrow(
    "service 'web': add-on 'broken' in environment 'dev': broken on purpose",
  );
});

test('the same platform without the failing add-ons renders every chart', () => {
  const files = render([{ name: 'api', port: 8080 }, { name: 'web', port: 8080 }]).files;
  expect([...files.keys()].filter((path) => path.endsWith('/kustomization.yaml'))).toEqual([
    'manifests/base/api/kustomization.yaml',
    'manifests/base/web/kustomization.yaml',
    'manifests/overlays/dev/api/kustomization.yaml',
    'manifests/overlays/dev/web/kustomization.yaml',
  ]);
});

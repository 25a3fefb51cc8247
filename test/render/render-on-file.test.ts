/**
 * renderPlatform's `onFile`: every file of the output, as each chart is synthesised, with the
 * output's content (a fresh render's writer thread starts on them while the rest is synthesised).
 */
import { renderPlatform } from '../../lib/render/render.js';
import { Environment, Platform, Profiles } from '../../model/platform.js';
import { parseStackConfig } from '../../model/stack-config.js';

const platform = new Platform({
  name: 'shop',
  repoURL: 'https://github.com/example-org/shop-platform.git',
  registry: 'registry.example.com',
  services: [{ name: 'api', port: 8080 }, { name: 'web', port: 3000 }],
  environments: [Environment.of('dev', Profiles.development()), Environment.of('prod', Profiles.production({ approvers: ['@example-org/release-managers'] }))],
  previews: { owner: 'example-org', repo: 'shop-platform', label: 'preview' },
});
const configs = new Map(
  platform.environments.map((environment) => {
    const file = `Pulumi.${environment.name}.yaml`;
    return [environment.name, parseStackConfig({ images: { api: 'v1.2.0', web: 'v1.3.0' } }, { file, project: 'ferry', platform, environment })] as const;
  }),
);

test('each file of the output is handed out once, with its content, in the order the charts are synthesised', () => {
  const seen: [string, string][] = [];
  const output = renderPlatform(platform, configs, undefined, { onFile: (path, content) => seen.push([path, content]) });
  expect(new Map(seen)).toEqual(output.files);
  expect(seen).toHaveLength(output.files.size);
  // Bases first (each as its chart is done), the Argo CD objects last: not the output's sorted order.
  expect(seen[0]![0]).toBe('manifests/base/api/service-account.yaml');
  expect(seen.at(-1)![0]).toMatch(/^manifests\/argocd\//);
  expect(seen.map(([path]) => path)).not.toEqual([...output.files.keys()]);
});

test('without onFile the output is the same', () => {
  expect(renderPlatform(platform, configs).files).toEqual(renderPlatform(platform, configs, undefined, { onFile: () => undefined }).files);
});

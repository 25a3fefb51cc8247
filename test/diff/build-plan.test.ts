import { filesFor, kustomizationInputs, planBuilds, referenceLists } from '../../lib/diff/build-plan.js';

const overlay = (service: string, tag: string) => `resources:\n  - ../../../base/${service}\nimages:\n  - name: ${service}\n    newTag: ${tag}\n`;

function tree(extra: Record<string, string> = {}): Map<string, string> {
  return new Map(
    Object.entries({
      'manifests/base/api/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'manifests/base/api/deployment.yaml': 'kind: Deployment\n',
      'manifests/base/web/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'manifests/base/web/deployment.yaml': 'kind: Deployment\n',
      'manifests/overlays/dev/api/kustomization.yaml': overlay('api', 'sha-1'),
      'manifests/overlays/dev/web/kustomization.yaml': overlay('web', 'sha-1'),
      'manifests/overlays/prod/api/kustomization.yaml': overlay('api', 'v1'),
      'manifests/overlays/prod/web/kustomization.yaml': overlay('web', 'v1'),
      'manifests/argocd/prod/app-project.yaml': 'kind: AppProject\n',
      ...extra,
    }),
  );
}

test('identical trees need no build', () => {
  expect(planBuilds(tree(), tree())).toEqual({ overlays: [], argocdDirs: [], unchangedOverlays: 4 });
});

test('a changed overlay is built alone; the others are skipped', () => {
  const head = tree({ 'manifests/overlays/prod/api/kustomization.yaml': overlay('api', 'v2') });
  expect(planBuilds(tree(), head)).toEqual({
    overlays: [{ environment: 'prod', service: 'api', dir: 'manifests/overlays/prod/api', inBase: true, inHead: true }],
    argocdDirs: [],
    unchangedOverlays: 3,
  });
});

test('a changed base rebuilds every overlay that reads it, in every environment', () => {
  const head = tree({ 'manifests/base/web/deployment.yaml': 'kind: Deployment\nspec: {}\n' });
  expect(planBuilds(tree(), head).overlays.map((o) => o.dir)).toEqual(['manifests/overlays/dev/web', 'manifests/overlays/prod/web']);
});

test('overlays on one side only are built on that side; changed argocd folders are listed', () => {
  const head = tree({ 'manifests/overlays/uat/api/kustomization.yaml': overlay('api', 'v1'), 'manifests/argocd/prod/app-project.yaml': 'kind: AppProject\nspec: {}\n' });
  const plan = planBuilds(tree(), head);
  expect(plan.overlays).toEqual([{ environment: 'uat', service: 'api', dir: 'manifests/overlays/uat/api', inBase: false, inHead: true }]);
  expect(plan.argocdDirs).toEqual(['manifests/argocd/prod']);
});

test('a remote resource makes the inputs unknown, so the overlay is always built', () => {
  const remote = 'resources:\n  - https://github.com/example/repo//base?ref=v1\n';
  const files = tree({ 'manifests/overlays/dev/api/kustomization.yaml': remote, 'manifests/base/web/deployment.yaml': 'x' });
  expect(kustomizationInputs(files, 'manifests/overlays/dev/api')).toBeUndefined();
  expect(planBuilds(tree({ 'manifests/overlays/dev/api/kustomization.yaml': remote }), files).overlays.map((o) => o.dir)).toContain('manifests/overlays/dev/api');
});

test('filesFor writes only what the builds read', () => {
  expect([...filesFor(tree(), ['manifests/overlays/prod/api']).keys()]).toEqual([
    'manifests/base/api/kustomization.yaml',
    'manifests/base/api/deployment.yaml',
    'manifests/overlays/prod/api/kustomization.yaml',
  ]);
});

describe('referenceLists', () => {
  test('reads block lists of plain paths line by line', () => {
    expect(referenceLists('# header\napiVersion: v1\nresources:\n  - ../../../base/api\n  - rollout.yaml\npatches:\n  - patch: |-\n      resources: x\n')).toEqual({
      resources: ['../../../base/api', 'rollout.yaml'],
    });
  });

  test('falls back to the YAML parser for anything else, with the same meaning', () => {
    expect(referenceLists('resources: [a, "b"]\ncomponents:\n  - "c"\n')).toMatchObject({ resources: ['a', 'b'], components: ['c'] });
    expect(referenceLists('resources:\n  - a # comment\n')).toMatchObject({ resources: ['a'] });
    expect(referenceLists('resources: [unclosed\n')).toBeUndefined();
  });
});

import { notRenderedFlags } from '../../lib/diff/compute-diff.js';

test('only touched rendered files that differ from their render are flagged, grouped by place, each saying how', () => {
  const rendered = new Map([
    ['manifests/overlays/dev/api/kustomization.yaml', 'render'],
    ['manifests/overlays/dev/web/kustomization.yaml', 'render'],
    ['manifests/base/api/deployment.yaml', 'render'],
    ['manifests/argocd/prod/app-project.yaml', 'render'],
  ]);
  const committed: Record<string, string> = {
    'manifests/overlays/dev/api/kustomization.yaml': 'hand edit',
    'manifests/overlays/dev/web/kustomization.yaml': 'render',
    'manifests/overlays/dev/extra/kustomization.yaml': 'added by hand',
    'manifests/argocd/prod/app-project.yaml': 'hand edit',
  };
  const touched = [
    'manifests/overlays/dev/web/kustomization.yaml',
    'manifests/overlays/dev/extra/kustomization.yaml',
    'manifests/overlays/dev/api/kustomization.yaml',
    'manifests/base/api/deployment.yaml',
  ];
  const flags = notRenderedFlags(touched, rendered, (path) => committed[path]);
  expect(flags.map((f) => [f.code, f.environment, f.message.replace(/^.*what is committed: (.*); run .*$/, '$1')])).toEqual([
    ['not-rendered', 'base/api', 'manifests/base/api/deployment.yaml (missing)'],
    ['not-rendered', 'dev', 'manifests/overlays/dev/api/kustomization.yaml (edited), manifests/overlays/dev/extra/kustomization.yaml (not rendered)'],
  ]);
  // The hand-edited Argo CD file is not touched by this change: the drift check reports it, not the diff.
  expect(flags.some((f) => f.environment === 'argocd')).toBe(false);
});

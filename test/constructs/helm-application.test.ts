import { Chart, Testing } from 'cdk8s';
import { HelmApplication, type HelmApplicationProps } from '../../constructs/helm-application.js';
import { PlatformAppProject } from '../../constructs/app-project.js';
import { SyncPolicy } from '../../model/sync-policy.js';
import { validateObjects } from '../../lib/render/schema-validation.js';

const REPO = 'https://github.com/example-org/platform.git';

function application(props: Partial<HelmApplicationProps> = {}) {
  const chart = new Chart(Testing.app(), 'test');
  new HelmApplication(chart, 'cache', {
    name: 'cache-dev',
    argocdNamespace: 'argocd',
    project: 'shop',
    chartRepoURL: 'https://charts.example.com',
    chart: 'redis',
    chartVersion: '18.1.0',
    valuesRepoURL: REPO,
    valuesRevision: 'main',
    valuesFile: 'manifests/helm/dev/cache/values.yaml',
    namespace: 'dev',
    syncPolicy: SyncPolicy.automated(),
    ...props,
  });
  return Testing.synth(chart)[0]!;
}

describe('HelmApplication', () => {
  test('two sources: the chart at its pinned version with the values file of the platform repository ($values)', async () => {
    const app = application({ labels: { 'ferry.dev/service': 'cache' } });
    expect(app.metadata).toEqual({ name: 'cache-dev', namespace: 'argocd', labels: { 'ferry.dev/service': 'cache' } });
    expect(app.spec.project).toBe('shop');
    expect(app.spec.source).toBeUndefined();
    expect(app.spec.sources).toEqual([
      { repoURL: 'https://charts.example.com', chart: 'redis', targetRevision: '18.1.0', helm: { releaseName: 'redis', valueFiles: ['$values/manifests/helm/dev/cache/values.yaml'] } },
      { repoURL: REPO, targetRevision: 'main', ref: 'values' },
    ]);
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'dev' });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=true', 'PruneLast=true']);
    expect(await validateObjects([app])).toEqual([]);
  });

  test('a manual environment gets no automated sync; releaseName is settable', async () => {
    const app = application({ syncPolicy: SyncPolicy.manual(), releaseName: 'cache' });
    expect(app.spec.syncPolicy.automated).toBeUndefined();
    expect(app.spec.sources[0].helm.releaseName).toBe('cache');
    expect(await validateObjects([app])).toEqual([]);
  });

  test.each<[string, Partial<HelmApplicationProps>, string]>([
    ['a values path with ..', { valuesFile: 'manifests/../secrets.yaml' }, "test/cache: 'valuesFile' 'manifests/../secrets.yaml' must be a repository-relative path to a .yaml file, without '..'"],
    ['an absolute values path', { valuesFile: '/etc/values.yaml' }, "test/cache: 'valuesFile' '/etc/values.yaml' must be a repository-relative path to a .yaml file, without '..'"],
    ['a version range', { chartVersion: '^18.0.0' }, "test/cache: 'chartVersion' '^18.0.0' must be one pinned version, not a range"],
    ['a repository pattern', { chartRepoURL: 'https://*.example.com' }, "test/cache: 'chartRepoURL' 'https://*.example.com' must be the chart's own repository, an exact URL"],
  ])('%s is refused', (_, props, message) => {
    expect(() => application(props)).toThrow(message);
  });
});

describe('PlatformAppProject chartRepos', () => {
  test('chart repositories are admitted after the platform repository, each once; patterns are refused', async () => {
    const chart = new Chart(Testing.app(), 'test');
    new PlatformAppProject(chart, 'project', { name: 'shop', argocdNamespace: 'argocd', sourceRepo: REPO, destinationNamespaces: ['dev'], namespacedKinds: [{ group: 'apps', kind: 'Deployment' }], chartRepos: ['https://charts.example.com', 'registry-1.docker.io/bitnamicharts', 'https://charts.example.com'] });
    const project = Testing.synth(chart)[0]!;
    expect(project.spec.sourceRepos).toEqual([REPO, 'https://charts.example.com', 'registry-1.docker.io/bitnamicharts']);
    expect(await validateObjects([project])).toEqual([]);
    const other = new Chart(Testing.app(), 'test');
    expect(() => new PlatformAppProject(other, 'project', { name: 'shop', argocdNamespace: 'argocd', sourceRepo: REPO, destinationNamespaces: ['dev'], namespacedKinds: [{ group: 'apps', kind: 'Deployment' }], chartRepos: ['https://charts.example.com/*'] })).toThrow(
      "test/project: 'chartRepos' 'https://charts.example.com/*' must be an exact repository URL, not a pattern",
    );
  });
});

import { ApiObject, Chart, Testing } from 'cdk8s';
import { namespacedKindsOf, PlatformAppProject, type PlatformAppProjectProps, type ResourceKind } from '../../constructs/app-project.js';
import { EnvironmentApplicationSet, type EnvironmentApplicationSetProps } from '../../constructs/environment-application-set.js';
import { PreviewApplicationSet, type PreviewApplicationSetProps } from '../../constructs/preview-application-set.js';
import { SyncPolicy } from '../../model/sync-policy.js';
import { validateObjects } from '../../lib/render/schema-validation.js';

const REPO = 'https://github.com/example-org/platform.git';
const KINDS: readonly ResourceKind[] = [
  { group: '', kind: 'Service' },
  { group: 'apps', kind: 'Deployment' },
];

function project(props: Partial<PlatformAppProjectProps> = {}) {
  const chart = new Chart(Testing.app(), 'test');
  new PlatformAppProject(chart, 'project', { name: 'shop', argocdNamespace: 'argocd', sourceRepo: REPO, destinationNamespaces: ['dev', 'stage'], namespacedKinds: KINDS, ...props });
  return Testing.synth(chart)[0]!;
}

function environments(props: Partial<EnvironmentApplicationSetProps> = {}) {
  const chart = new Chart(Testing.app(), 'test');
  new EnvironmentApplicationSet(chart, 'envs', {
    name: 'shop-environments',
    argocdNamespace: 'argocd',
    project: 'shop',
    repoURL: REPO,
    targetRevision: 'main',
    overlaysPath: 'manifests/overlays',
    services: ['api', 'web'],
    environments: [
      { name: 'dev', namespace: 'dev', syncPolicy: SyncPolicy.automated() },
      { name: 'prod', namespace: 'prod', syncPolicy: SyncPolicy.manual() },
    ],
    ...props,
  });
  return Testing.synth(chart)[0]!;
}

function previews(props: Partial<PreviewApplicationSetProps> = {}) {
  const chart = new Chart(Testing.app(), 'test');
  new PreviewApplicationSet(chart, 'previews', {
    name: 'shop-previews',
    argocdNamespace: 'argocd',
    project: 'shop',
    repoURL: REPO,
    targetRevision: 'main',
    overlayPath: 'manifests/overlays/preview',
    services: [{ name: 'api', image: 'registry.example.com/api', host: 'api.example.com' }],
    owner: 'example-org',
    repo: 'app',
    label: 'preview',
    tokenSecret: 'github-token',
    ...props,
  });
  return Testing.synth(chart)[0]!;
}

describe('PlatformAppProject', () => {
  const p = project();
  test('validates', async () => {
    expect(await validateObjects([p])).toEqual([]);
  });
  test('allows exactly the one source repository', () => {
    expect(p.spec.sourceRepos).toEqual([REPO]);
  });
  test('allows exactly the given namespaces on the in-cluster server by default', () => {
    expect(p.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'dev' },
      { server: 'https://kubernetes.default.svc', namespace: 'stage' },
    ]);
  });
  test('allows no cluster-scoped kind but Namespace', () => {
    expect(p.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
  });
  test('allows exactly the namespaced kinds it is given', () => {
    expect(p.spec.namespaceResourceWhitelist).toEqual([
      { group: '', kind: 'Service' },
      { group: 'apps', kind: 'Deployment' },
    ]);
  });
  test('namespacedKindsOf lists the kinds rendered under the scopes, sorted, once each, without Namespace', () => {
    const chart = new Chart(Testing.app(), 'kinds');
    new ApiObject(chart, 'a', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'a' } });
    new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b' } });
    new ApiObject(chart, 'c', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'c' } });
    new ApiObject(chart, 'd', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'd' } });
    new ApiObject(chart, 'e', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'e' } });
    expect(namespacedKindsOf([chart])).toEqual([
      { group: '', kind: 'Service' },
      { group: 'argoproj.io', kind: 'Rollout' },
      { group: 'batch', kind: 'CronJob' },
    ]);
  });
  test('lives in the Argo CD namespace and warns on orphans', () => {
    expect(p.metadata).toEqual({ name: 'shop', namespace: 'argocd' });
    expect(p.spec.orphanedResources).toEqual({ warn: true });
  });
  test("'default' is refused", () => {
    expect(() => project({ name: 'default' })).toThrow("test/project: 'name' must not be 'default': Argo CD's default project allows every repository and destination");
  });
  test('a repository pattern is refused', () => {
    expect(() => project({ sourceRepo: 'https://github.com/example-org/*' })).toThrow("test/project: 'sourceRepo' 'https://github.com/example-org/*' must be an exact repository URL, not a pattern");
  });
  test('a wildcard or system destination is refused', () => {
    expect(() => project({ destinationNamespaces: ['*'] })).toThrow("test/project: 'destinationNamespaces' must not include '*'");
    expect(() => project({ destinationNamespaces: ['kube-system'] })).toThrow("test/project: 'destinationNamespaces' must not include 'kube-system'");
    expect(() => project({ destinationNamespaces: ['argocd'] })).toThrow("test/project: 'destinationNamespaces' must not include 'argocd'");
  });
  test('no destinations is refused', () => {
    expect(() => project({ destinationNamespaces: [] })).toThrow("test/project: 'destinationNamespaces' must not be empty");
  });
});

describe('EnvironmentApplicationSet', () => {
  const set = environments();
  test('validates', async () => {
    expect(await validateObjects([set])).toEqual([]);
  });
  test('uses Go templates that fail on a missing key', () => {
    expect(set.spec.goTemplate).toBe(true);
    expect(set.spec.goTemplateOptions).toEqual(['missingkey=error']);
  });
  test('crosses environments with services', () => {
    const [envs, services] = set.spec.generators[0].matrix.generators;
    expect(envs.list.elements).toEqual([
      { env: 'dev', namespace: 'dev', automated: 'true', prune: 'true', selfHeal: 'true' },
      { env: 'prod', namespace: 'prod', automated: 'false', prune: 'false', selfHeal: 'false' },
    ]);
    expect(services.list.elements).toEqual([{ service: 'api' }, { service: 'web' }]);
  });
  test('names Applications <service>-<env> in the fixed project, from the overlay path', () => {
    expect(set.spec.template.metadata.name).toBe('{{.service}}-{{.env}}');
    expect(set.spec.template.spec.project).toBe('shop');
    expect(set.spec.template.spec.source).toEqual({ repoURL: REPO, targetRevision: 'main', path: 'manifests/overlays/{{.env}}/{{.service}}' });
    expect(set.spec.template.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: '{{.namespace}}' });
  });
  test('creates namespaces and retries with back-off; manual by default', () => {
    expect(set.spec.template.spec.syncPolicy).toEqual({
      syncOptions: ['CreateNamespace=true', 'PruneLast=true'],
      retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
    });
  });
  test('adds automated sync only where the environment has it', () => {
    expect(set.spec.templatePatch).toBe(
      ['{{- if eq .automated "true" }}', 'spec:', '  syncPolicy:', '    automated:', '      prune: {{ .prune }}', '      selfHeal: {{ .selfHeal }}', '{{- end }}', ''].join('\n'),
    );
  });
  test('never deletes workloads when the ApplicationSet goes', () => {
    expect(set.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
  });
  test('empty environments or services throw', () => {
    expect(() => environments({ environments: [] })).toThrow("test/envs: 'environments' must not be empty");
    expect(() => environments({ services: [] })).toThrow("test/envs: 'services' must not be empty");
  });
});

describe('PreviewApplicationSet', () => {
  const set = previews();
  test('validates', async () => {
    expect(await validateObjects([set])).toEqual([]);
  });
  test('generates from labelled pull requests, polling every 5 minutes by default', () => {
    expect(set.spec.generators[0].matrix.generators[0].pullRequest).toEqual({
      github: { owner: 'example-org', repo: 'app', labels: ['preview'], tokenRef: { secretName: 'github-token', key: 'token' } },
      requeueAfterSeconds: 300,
    });
  });
  // Changed on purpose (issue 14): a platform pull request runs the preview overlay's images (the
  // first environment's); only an application pull request's own service runs pr-<n>-<sha8>.
  test('a platform pull request runs its overlays in preview-<number>, with no image override', () => {
    expect(set.spec.template.metadata.name).toBe('{{.service}}-preview-{{.number}}');
    expect(set.spec.template.spec.source.kustomize).toBeUndefined();
    expect(set.spec.template.spec.destination.namespace).toBe('preview-{{.number}}');
    expect(set.spec.templatePatch).not.toContain('images:');
  });
  test('an application pull request runs its service at pr-<number>-<head sha8> from the preview repository, in preview-<service>-<number>', () => {
    const app = previews({ build: { service: 'api', previewImage: 'registry.example.com/api-preview' }, services: [{ name: 'api', image: 'registry.example.com/api' }, { name: 'web', image: 'registry.example.com/web' }] });
    expect(app.metadata.labels).toEqual({ 'ferry.dev/preview-service': 'api' });
    expect(app.spec.template.metadata.name).toBe('{{.service}}-preview-api-{{.number}}');
    expect(app.spec.template.spec.destination.namespace).toBe('preview-api-{{.number}}');
    expect(app.spec.templatePatch).toBe(
      ['{{- if eq .service "api" }}', 'spec:', '  source:', '    kustomize:', '      images:', '        - "registry.example.com/api=registry.example.com/api-preview:pr-{{.number}}-{{.head_short_sha}}"', '{{- end }}', ''].join('\n'),
    );
    expect(() => previews({ build: { service: 'nope', previewImage: 'x' } })).toThrow("test/previews: 'build.service' 'nope' is not one of the services");
  });
  test('the namespace owner renames the placeholder Namespace of its overlay to the preview namespace', () => {
    const owned = previews({ services: [{ name: 'api', image: 'registry.example.com/api', ownsNamespace: true }] });
    expect(owned.spec.templatePatch).toContain('- target: { kind: Namespace, name: "preview" }');
    expect(owned.spec.templatePatch).toMatch(/path: \/metadata\/name\n\s+value: preview-\{\{\.number\}\}\n/);
    expect(() => previews({ services: [{ name: 'a', image: 'i', ownsNamespace: true }, { name: 'b', image: 'j', ownsNamespace: true }] })).toThrow("services 'a', 'b' all own the namespace; one may");
  });
  test('is deleted with its resources when the pull request closes', () => {
    expect(set.spec.template.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(set.spec.template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });
  test('serves hosts on preview-<number>.<host>', () => {
    // Changed on purpose: the host is written per service rather than read from a list parameter.
    expect(set.spec.templatePatch).toContain('value: preview-{{.number}}.api.example.com');
  });
  test('no services throw', () => {
    expect(() => previews({ services: [] })).toThrow("test/previews: 'services' must not be empty");
  });
});

import { Chart, Testing } from 'cdk8s';
import { ServiceBase } from '../../constructs/service-base.js';
import { ServiceDefinition } from '../../model/platform.js';
import { validateObjects } from '../../lib/render/schema-validation.js';

type Obj = Record<string, any>;

function synth(props: Partial<ConstructorParameters<typeof ServiceBase>[2]> & { serviceProps?: ConstructorParameters<typeof ServiceDefinition>[0] } = {}): Obj[] {
  const chart = new Chart(Testing.app(), 'test');
  const { serviceProps, ...rest } = props;
  new ServiceBase(chart, 'api', {
    service: new ServiceDefinition(serviceProps ?? { name: 'api', host: 'api.example.com' }),
    image: 'registry.example.com/api',
    ...rest,
  });
  return Testing.synth(chart) as Obj[];
}

const byKind = (objects: Obj[], kind: string) => objects.find((o) => o.kind === kind)!;
const container = (objects: Obj[]) => byKind(objects, 'Deployment').spec.template.spec.containers[0];

describe('ServiceBase defaults', () => {
  const objects = synth();

  test('renders ServiceAccount, Deployment, Service, Ingress, PodDisruptionBudget and NetworkPolicy named after the service', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/api',
      'Deployment/api',
      'Service/api',
      'Ingress/api',
      'PodDisruptionBudget/api',
      'NetworkPolicy/api',
    ]);
  });
  test('every object validates against the Kubernetes schemas', async () => {
    expect(await validateObjects(objects)).toEqual([]);
  });
  test('the image has no tag: overlays set it', () => {
    expect(container(objects).image).toBe('registry.example.com/api');
  });
  test('containers run as non-root', () => {
    expect(container(objects).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 });
    expect(byKind(objects, 'Deployment').spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
  });
  test('the root filesystem is read-only with a writable /tmp', () => {
    expect(container(objects).securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container(objects).volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }]);
  });
  test('all capabilities are dropped and privilege escalation is off', () => {
    expect(container(objects).securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(container(objects).securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container(objects).securityContext.privileged).toBe(false);
  });
  test('seccomp is RuntimeDefault', () => {
    expect(container(objects).securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });
  test('no service-account token is mounted', () => {
    expect(byKind(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(byKind(objects, 'Deployment').spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(byKind(objects, 'Deployment').spec.template.spec.serviceAccountName).toBe('api');
  });
  test('requests and limits default to 100m/128Mi and 500m/256Mi', () => {
    expect(container(objects).resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });
  test('readiness probes the readiness path', () => {
    expect(container(objects).readinessProbe.httpGet).toEqual({ path: '/readyz', port: 8080, scheme: 'HTTP' });
  });
  test('liveness probes the health path', () => {
    expect(container(objects).livenessProbe.httpGet).toEqual({ path: '/healthz', port: 8080, scheme: 'HTTP' });
  });
  test('LOG_LEVEL defaults to INFO', () => {
    expect(container(objects).env).toContainEqual({ name: 'LOG_LEVEL', value: 'INFO' });
  });
  test('replicas default to 1', () => {
    expect(byKind(objects, 'Deployment').spec.replicas).toBe(1);
  });
  test('pods are selected by app.kubernetes.io/name only, with no cdk8s address label', () => {
    const deployment = byKind(objects, 'Deployment');
    expect(deployment.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'api' } });
    expect(deployment.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/part-of': 'api' });
    expect(byKind(objects, 'Service').spec.selector).toEqual({ 'app.kubernetes.io/name': 'api' });
  });
  test('the Service exposes port 80 to the container port', () => {
    expect(byKind(objects, 'Service').spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }]);
  });
  test('the ingress class defaults to nginx', () => {
    expect(byKind(objects, 'Ingress').spec.ingressClassName).toBe('nginx');
  });
  test('the PodDisruptionBudget allows one pod down', () => {
    expect(byKind(objects, 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } } });
  });
  test('the NetworkPolicy admits the same namespace, ingress and argo-rollouts, on the container port only', () => {
    expect(byKind(objects, 'NetworkPolicy').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            { podSelector: {} },
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'argo-rollouts' } } },
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } },
          ],
          ports: [{ protocol: 'TCP', port: 8080 }],
        },
      ],
    });
  });
  test('images are pulled only when missing: tags are immutable', () => {
    expect(container(objects).imagePullPolicy).toBe('IfNotPresent');
  });
});

describe('ServiceBase options', () => {
  test('a service without host has no Ingress', () => {
    expect(synth({ serviceProps: { name: 'api' } }).map((o) => o.kind)).not.toContain('Ingress');
  });
  test('service env vars are sorted and kept beside LOG_LEVEL', () => {
    const env = container(synth({ serviceProps: { name: 'api', env: { ZED: '1', ALPHA: '2' } } })).env;
    expect(env).toEqual([
      { name: 'ALPHA', value: '2' },
      { name: 'ZED', value: '1' },
      { name: 'LOG_LEVEL', value: 'INFO' },
    ]);
  });
  test('resources, replicas, log level, part-of and namespaces are taken from props', () => {
    const objects = synth({
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
      replicas: 4,
      logLevel: 'WARN',
      partOf: 'shop',
      ingressClassName: 'public',
      allowedIngressNamespaces: ['gateway'],
    });
    expect(container(objects).resources).toEqual({ requests: { cpu: '1000m', memory: '1024Mi' }, limits: { cpu: '2000m', memory: '2048Mi' } });
    expect(byKind(objects, 'Deployment').spec.replicas).toBe(4);
    expect(container(objects).env).toContainEqual({ name: 'LOG_LEVEL', value: 'WARN' });
    expect(byKind(objects, 'Service').metadata.labels['app.kubernetes.io/part-of']).toBe('shop');
    expect(byKind(objects, 'Ingress').spec.ingressClassName).toBe('public');
    expect(byKind(objects, 'NetworkPolicy').spec.ingress[0].from[1]).toEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } } });
  });
});

describe('ServiceBase errors', () => {
  test('an image with a tag throws', () => {
    expect(() => synth({ image: 'registry.example.com/api:latest' })).toThrow("test/api: 'image' 'registry.example.com/api:latest' must have no tag or digest; overlays set the tag");
  });
  test('zero replicas throw', () => {
    expect(() => synth({ replicas: 0 })).toThrow("test/api: 'replicas' must be a whole number >= 1, got 0");
  });
  test('requests above limits throw', () => {
    expect(() => synth({ resources: { requests: { cpu: '2', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } } })).toThrow(
      "test/api: 'resources': requests.cpu '2' exceeds limits.cpu '1'",
    );
  });
});

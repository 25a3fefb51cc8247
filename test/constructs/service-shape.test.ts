import { Chart, Testing } from 'cdk8s';
import { ServiceBase } from '../../constructs/service-base.js';
import { Environment, Platform, Profiles, ServiceDefinition, type ServiceProps } from '../../model/platform.js';
import { VolumeSource } from '../../model/service-shape.js';
import { validateObjects } from '../../lib/render/schema-validation.js';
import { secureDefaultProblems } from '../../lib/render/verify-tree.js';

type Obj = Record<string, any>;

function synth(service: ServiceProps, servicePorts?: Record<string, number>): Obj[] {
  const chart = new Chart(Testing.app(), 'test');
  new ServiceBase(chart, service.name, { service: new ServiceDefinition(service), image: 'registry.example.com/api', ...(servicePorts ? { servicePorts } : {}) });
  return Testing.synth(chart) as Obj[];
}

const byKind = (objects: Obj[], kind: string) => objects.find((o) => o.kind === kind)!;
const pod = (objects: Obj[]) => byKind(objects, 'Deployment').spec.template.spec;

describe('service and container ports', () => {
  test('the Service exposes port 80 by default, targeting the container port', () => {
    const objects = synth({ name: 'api', port: 8080, host: 'api.example.com' });
    expect(byKind(objects, 'Service').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
    expect(byKind(objects, 'Ingress').spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'api', port: { number: 80 } } });
    expect(pod(objects).securityContext.sysctls).toBeUndefined();
  });
  test('servicePort is its own: 8000 on the Service and the Ingress, the container keeps 3001', () => {
    const objects = synth({ name: 'api', port: 3001, servicePort: 8000, host: 'api.example.com' });
    expect(byKind(objects, 'Service').spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 3001, protocol: 'TCP' }]);
    expect(byKind(objects, 'Ingress').spec.rules[0].http.paths[0].backend.service.port).toEqual({ number: 8000 });
    expect(pod(objects).containers[0].ports).toEqual([{ containerPort: 3001 }]);
  });
  test('a container port below 1024 gets the safe unprivileged-port sysctl, not a capability, and stays non-root', async () => {
    const objects = synth({ name: 'api', port: 80 });
    expect(pod(objects).securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '80' }]);
    expect(pod(objects).containers[0].securityContext).toMatchObject({ runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(await validateObjects(objects)).toEqual([]);
    expect(secureDefaultProblems(objects, 'base', { tagsSetByArgo: true })).toEqual([]);
  });
  test('ports outside 1..65535 are refused', () => {
    expect(() => new ServiceDefinition({ name: 'api', port: 0 })).toThrow("service 'api': 'port' 0 must be a whole number from 1 to 65535");
    expect(() => new ServiceDefinition({ name: 'api', servicePort: 70000 })).toThrow("service 'api': 'servicePort' 70000 must be a whole number from 1 to 65535");
  });
});

describe('sidecars, init containers and volumes', () => {
  const objects = synth({
    name: 'api',
    port: 8080,
    sidecars: [{ name: 'proxy', image: 'envoyproxy/envoy:v1.31.0', port: 443 }, { name: 'logs', image: 'fluent/fluent-bit:3.1.4', check: { exec: ['/fluent-bit/bin/fluent-bit', '--version'] } }],
    initContainers: [{ name: 'wait-db', image: 'busybox:1.36.1', command: ['sh', '-c', 'until nc -z api-database 5432; do sleep 1; done'] }],
    volumes: [
      { name: 'config', source: VolumeSource.configMap('api-config'), mountPath: '/etc/api', containers: ['api', 'proxy'] },
      { name: 'tls', source: VolumeSource.secret('api-tls'), mountPath: '/etc/tls', containers: ['proxy'] },
      { name: 'cache', source: VolumeSource.emptyDir('256Mi'), mountPath: '/var/cache/api' },
    ],
  });
  const containers: Record<string, Obj> = Object.fromEntries([...pod(objects).containers, ...pod(objects).initContainers].map((c: Obj) => [c.name, c]));

  test('every container keeps the secure defaults, the objects validate', async () => {
    expect(Object.keys(containers)).toEqual(['api', 'proxy', 'logs', 'wait-db']);
    expect(await validateObjects(objects)).toEqual([]);
    expect(secureDefaultProblems(objects, 'base', { tagsSetByArgo: true })).toEqual([]);
    for (const c of Object.values(containers)) {
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.resources.limits).toBeDefined();
    }
  });
  test('a sidecar is probed on its port or by its own check; the lowest port sets the sysctl', () => {
    expect(containers.proxy.readinessProbe.tcpSocket).toEqual({ port: 443 });
    expect(containers.logs.livenessProbe.exec).toEqual({ command: ['/fluent-bit/bin/fluent-bit', '--version'] });
    expect(pod(objects).securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '443' }]);
  });
  test('volumes are mounted into the containers named, ConfigMaps and Secrets read-only', () => {
    expect(containers.api.volumeMounts).toEqual([
      { mountPath: '/tmp', name: 'tmp' },
      { mountPath: '/etc/api', name: 'config', readOnly: true },
      { mountPath: '/var/cache/api', name: 'cache', readOnly: false },
    ]);
    expect(containers.proxy.volumeMounts).toEqual([
      { mountPath: '/tmp', name: 'tmp' },
      { mountPath: '/etc/api', name: 'config', readOnly: true },
      { mountPath: '/etc/tls', name: 'tls', readOnly: true },
    ]);
    const volumes = Object.fromEntries(pod(objects).volumes.map((v: Obj) => [v.name, v]));
    expect(volumes.config.configMap.name).toBe('api-config');
    expect(volumes.tls.secret.secretName).toBe('api-tls');
    expect(volumes.cache.emptyDir).toEqual({ sizeLimit: '256Mi' });
  });
  test('mistakes are refused naming the service, the container or volume, and what is allowed', () => {
    expect(() => new ServiceDefinition({ name: 'api', sidecars: [{ name: 'proxy', image: 'envoyproxy/envoy:latest', port: 9901 }] })).toThrow(
      `service 'api': sidecar 'proxy': 'image': "envoyproxy/envoy:latest" must be an image pinned by a tag or digest, never 'latest' or untagged`,
    );
    expect(() => new ServiceDefinition({ name: 'api', initContainers: [{ name: 'init', image: 'busybox' }] })).toThrow(`service 'api': init container 'init': 'image': "busybox" must be an image pinned`);
    expect(() => new ServiceDefinition({ name: 'api', sidecars: [{ name: 'logs', image: 'fluent/fluent-bit:3.1.4' }] })).toThrow(
      "service 'api': sidecar 'logs': give it a 'port' or a 'check' (readiness and liveness probes), e.g. { exec: ['/bin/healthy'] }",
    );
    expect(() => new ServiceDefinition({ name: 'api', sidecars: [{ name: 'api', image: 'busybox:1.36.1', port: 1 }] })).toThrow(
      "service 'api': sidecar 'api': the name is taken (the service's container or another sidecar or init container)",
    );
    expect(() => new ServiceDefinition({ name: 'api', volumes: [{ name: 'config', source: VolumeSource.configMap('c'), mountPath: '/etc/c', containers: ['proxy'] }] })).toThrow(
      `service 'api': volume 'config': 'containers' names "proxy", not a container of the service; containers: api`,
    );
    expect(() => new ServiceDefinition({ name: 'api', volumes: [{ name: 'tmp', source: VolumeSource.emptyDir(), mountPath: '/scratch' }] })).toThrow("service 'api': volume 'tmp': the name is taken (the service's own /tmp)");
    expect(() => VolumeSource.secret('Bad_Name')).toThrow(`VolumeSource.secret(): "Bad_Name" is not an object name (lowercase letters, digits, '-')`);
  });
});

describe('several paths per ingress host', () => {
  const platform = (web: Partial<ServiceProps>) =>
    new Platform({
      name: 'shop',
      repoURL: 'https://github.com/example-org/shop-platform.git',
      registry: 'registry.example.com',
      services: [
        { name: 'api', port: 3001, servicePort: 8000 },
        { name: 'web', port: 3000, host: 'shop.example.com', ...web },
      ],
      environments: [Environment.of('dev', Profiles.development())],
    });

  test("'/api' goes to api at its service port, '/' to web", async () => {
    const p = platform({ ingressPaths: [{ path: '/api', service: 'api' }, { path: '/' }] });
    const objects = synth(
      { name: 'web', port: 3000, host: 'shop.example.com', ingressPaths: [{ path: '/api', service: 'api' }, { path: '/' }] },
      Object.fromEntries(p.services.map((s) => [s.name, s.servicePort])),
    );
    expect(byKind(objects, 'Ingress').spec.rules).toEqual([
      {
        host: 'shop.example.com',
        http: {
          paths: [
            { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8000 } } } },
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
          ],
        },
      },
    ]);
    expect(await validateObjects(objects)).toEqual([]);
  });
  test('an unknown service, a repeated path and paths without a host are refused', () => {
    expect(() => platform({ ingressPaths: [{ path: '/api', service: 'payments' }] })).toThrow("service 'web': ingress path '/api' routes to unknown service 'payments'; services: api, web");
    expect(() => platform({ ingressPaths: [{ path: '/' }, { path: '/' }] })).toThrow("service 'web': ingress path '/' appears twice");
    expect(() => new ServiceDefinition({ name: 'api', ingressPaths: [{ path: '/' }] })).toThrow("service 'api': 'ingressPaths' needs a 'host' (there is no Ingress without one)");
    expect(() => platform({ ingressPaths: [{ path: '/', pathType: 'Regex' as never }] })).toThrow(`service 'web': ingress path '/': 'pathType' "Regex" is not allowed; allowed: Prefix, Exact`);
  });
});

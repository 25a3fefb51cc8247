/**
 * Service shape rendered into a real platform repository and built with the real
 * `kubectl kustomize`: a port below 1024 behind service port 8000, a sidecar, an init container,
 * volumes, and a host whose '/api' goes to api and '/' to web.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kustomizeBuild } from '../../lib/kustomize/kustomize-runner.js';
import { verifyRenderedTree } from '../../lib/render/verify-tree.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

type Obj = Record<string, any>;

function edit(root: string): void {
  const path = join(root, 'platform/platform.ts');
  const text = readFileSync(path, 'utf8');
  const api = "{ name: 'api', port: 8080,";
  const web = "{ name: 'web', port: 3000,";
  if (!text.includes(api) || !text.includes(web)) throw new Error('fixture text not found');
  writeFileSync(
    path,
    text
      .replace("import { Environment, Platform, Profiles } from 'ferry';", "import { Environment, Platform, Profiles, VolumeSource } from 'ferry';")
      .replace(
        api,
        `{ servicePort: 8000, sidecars: [{ name: 'metrics', image: 'prom/statsd-exporter:v0.27.1', port: 9102 }], initContainers: [{ name: 'wait', image: 'busybox:1.36.1', command: ['true'] }], volumes: [{ name: 'config', source: VolumeSource.configMap('api-config'), mountPath: '/etc/api', containers: ['api', 'wait'] }], name: 'api', port: 80,`,
      )
      .replace(web, `{ ingressPaths: [{ path: '/api', service: 'api' }, { path: '/' }], name: 'web', port: 3000,`),
  );
}

const one = (objects: Obj[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

describe('service shape on real kustomize output', () => {
  let repo: PlatformRepo;
  beforeAll(async () => {
    repo = await createPlatformRepo({ git: false, edit });
  });
  afterAll(() => repo.cleanup());

  test('prod (blue-green): active and preview Services expose 8000 to container port 80, whose pod binds it through the sysctl', async () => {
    const objects = await kustomizeBuild(join(repo.root, 'manifests/overlays/prod/api'));
    for (const name of ['api', 'api-preview']) expect(one(objects, 'Service', name).spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 80, protocol: 'TCP' }]);
    const pod = one(objects, 'Deployment', 'api').spec.template.spec;
    expect(pod.securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '80' }]);
    expect(pod.containers.map((c: Obj) => c.name)).toEqual(['api', 'metrics']);
    // The overlay's patch sets LOG_LEVEL and resources on the service's container only.
    expect(pod.containers[0].env).toContainEqual({ name: 'LOG_LEVEL', value: 'WARN' });
    expect(pod.containers[1].env).toBeUndefined();
    expect(pod.initContainers[0].volumeMounts).toContainEqual({ mountPath: '/etc/api', name: 'config', readOnly: true });
  });

  test("each environment's host routes '/api' to api at 8000 and '/' to web", async () => {
    for (const [env, host] of [['dev', 'dev.shop.example.com'], ['prod', 'shop.example.com']] as const) {
      const ingress = one(await kustomizeBuild(join(repo.root, `manifests/overlays/${env}/web`)), 'Ingress', 'web');
      expect(ingress.spec.rules).toEqual([
        {
          host,
          http: {
            paths: [
              { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8000 } } } },
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ]);
    }
  });

  test('every overlay builds and validates against the schemas and the secure defaults', async () => {
    const result = await verifyRenderedTree(repo.root);
    expect(result.problems).toEqual([]);
  });
});

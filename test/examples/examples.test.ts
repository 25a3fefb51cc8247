/**
 * The examples under examples/ model real repositories (the KDU cloud-native CI/CD blueprint and
 * DEX): each is current (its committed tree equals a fresh render), passes `ferry validate` (real
 * `kubectl kustomize` of every overlay, the schemas, the secure defaults), and its render holds
 * every object kind of the original's kustomize output for that environment, with the facts that
 * matter. The originals are read only from examples/<name>/original/ (copied there with SOURCE.txt).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { kustomizeBuild } from '../../lib/kustomize/kustomize-runner.js';
import { REPO_ROOT } from '../helpers/platform-repo.js';

type K8sObject = Record<string, any>;

const KDU = join(REPO_ROOT, 'examples', 'kdu-blueprint');
const DEX = join(REPO_ROOT, 'examples', 'dex');

function ferry(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'ferry.js'), ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, output: `${result.stdout}\n${result.stderr}` };
}

function readObjects(file: string): K8sObject[] {
  return YAML.parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: false })
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null && typeof object === 'object');
}

/** The builds of each environment, made once: the examples' overlays do not change during the suite. */
const builtEnvironments = new Map<string, Promise<K8sObject[]>>();

/**
 * Every object of an environment of an example: `kubectl kustomize` of each of its service
 * overlays, built on the first call for that environment; each call gets a copy of its own.
 */
async function renderedEnvironment(example: string, env: string): Promise<K8sObject[]> {
  const overlays = join(example, 'manifests', 'overlays', env);
  let built = builtEnvironments.get(overlays);
  if (built === undefined) {
    built = Promise.all(readdirSync(overlays).map((service) => kustomizeBuild(join(overlays, service)))).then((builds) => builds.flat());
    builtEnvironments.set(overlays, built);
  }
  return structuredClone(await built);
}

const kinds = (objects: readonly K8sObject[]) => [...new Set(objects.map((object) => object.kind as string))].sort();
const named = (objects: readonly K8sObject[], kind: string, name: string) => objects.filter((o) => o.kind === kind && o.metadata.name === name);
const one = (objects: readonly K8sObject[], kind: string, name: string): K8sObject => {
  const found = named(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0]!;
};

/** `<secret>/<key>` of every secretKeyRef in the objects. */
function secretKeyRefs(objects: readonly K8sObject[]): string[] {
  const refs = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, any>;
      if (record.secretKeyRef) refs.add(`${record.secretKeyRef.name}/${record.secretKeyRef.key}`);
      Object.values(record).forEach(walk);
    }
  };
  walk(objects);
  return [...refs].sort();
}

/** The pod template's first container of the workload that runs a service's pods (the Deployment; a Rollout takes it by workloadRef). */
function container(objects: readonly K8sObject[], service: string): K8sObject {
  return one(objects, 'Deployment', service).spec.template.spec.containers[0];
}

function envValue(c: K8sObject, name: string): K8sObject {
  const found = (c.env as K8sObject[]).find((e) => e.name === name);
  if (!found) throw new Error(`container ${c.name} has no env ${name}`);
  return found;
}

describe.each([
  ['kdu-blueprint', KDU],
  ['dex', DEX],
])('example %s', (_name, example) => {
  it('is current: its committed tree equals a fresh render (render --check in the example)', () => {
    const check = ferry(example, 'render', '--check');
    expect(check.output).not.toContain('differs');
    expect(check.code).toBe(0);
  });

  it('passes ferry validate: every overlay builds with kubectl kustomize and every object meets the schemas and secure defaults', () => {
    const validate = ferry(example, 'validate');
    expect(validate.output).toMatch(/\d+ overlays and \d+ objects are valid/);
    expect(validate.code).toBe(0);
  });
});

describe('examples/kdu-blueprint against the blueprint', () => {
  const ENVIRONMENTS = ['dev', 'staging', 'prod'];
  const original = (env: string) => readObjects(join(KDU, 'original', `infra__k8s__overlays__${env}.yaml`));

  it.each(ENVIRONMENTS)('%s: every object kind of the original is rendered', async (env) => {
    expect(kinds(await renderedEnvironment(KDU, env))).toEqual(expect.arrayContaining(kinds(original(env))));
  });

  it.each(ENVIRONMENTS)('%s: postgres is a StatefulSet with a 10Gi volume claim and a headless Service on 5432, credentials by secretKeyRef', async (env) => {
    const rendered = await renderedEnvironment(KDU, env);
    const originalSet = one(original(env), 'StatefulSet', 'postgres');
    const statefulSet = one(rendered, 'StatefulSet', 'backend-postgres');
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(originalSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage);
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    const postgres = statefulSet.spec.template.spec.containers[0];
    expect(postgres.image).toBe(originalSet.spec.template.spec.containers[0].image);
    expect(postgres.resources).toEqual(originalSet.spec.template.spec.containers[0].resources);
    expect(envValue(postgres, 'POSTGRES_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'postgres-secret', key: 'password' });
    const headless = one(rendered, 'Service', 'backend-postgres');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.ports[0].port).toBe(5432);
  });

  it.each(ENVIRONMENTS)("%s: the backend's ConfigMap holds the original's keys and values (the database host is ferry's postgres Service; LOG_LEVEL is the profile's env)", async (env) => {
    const rendered = await renderedEnvironment(KDU, env);
    const originalData = one(original(env), 'ConfigMap', 'backend-config').data as Record<string, string>;
    const configMaps = rendered.filter((o) => o.kind === 'ConfigMap' && /^backend-config-[a-z0-9]{10}$/.test(o.metadata.name));
    expect(configMaps).toHaveLength(1);
    const data = configMaps[0]!.data as Record<string, string>;
    const { LOG_LEVEL: originalLogLevel, DATABASE_HOST: _originalHost, ...sameValues } = originalData;
    expect(data).toEqual(expect.objectContaining(sameValues));
    expect(data.DATABASE_HOST).toBe('backend-postgres');
    one(rendered, 'Service', data.DATABASE_HOST!);
    expect(envValue(container(rendered, 'backend'), 'LOG_LEVEL').value).toBe(originalLogLevel!.toUpperCase());
    expect(envValue(container(rendered, 'backend'), 'NODE_ENV').valueFrom.configMapKeyRef.name).toBe(configMaps[0]!.metadata.name);
  });

  it.each(ENVIRONMENTS)('%s: every secretKeyRef of the original (postgres-secret, backend-secret) is rendered', async (env) => {
    const originalRefs = secretKeyRefs(original(env));
    expect(originalRefs).toEqual(['backend-secret/openai-api-key', 'postgres-secret/password', 'postgres-secret/username']);
    expect(secretKeyRefs(await renderedEnvironment(KDU, env))).toEqual(originalRefs);
  });

  it.each(ENVIRONMENTS)("%s: one Ingress host routes /api to the backend's Service port 3001 and / to the frontend's port 80; containers listen on 3001 and 8080", async (env) => {
    const rendered = await renderedEnvironment(KDU, env);
    const originalIngress = one(original(env), 'Ingress', 'ai-incident-assistant');
    const routes = (ingress: K8sObject) =>
      (ingress.spec.rules as K8sObject[]).map((rule) => ({ host: rule.host, paths: rule.http.paths.map((p: K8sObject) => [p.path, p.backend.service.name, p.backend.service.port.number]) }));
    const ingresses = rendered.filter((o) => o.kind === 'Ingress' && !o.metadata.name.endsWith('-preview'));
    expect(ingresses).toHaveLength(1);
    // The same paths to the same Services and ports; the original's dev Ingress has no host (any host), ferry's names dev.<host>.
    expect(routes(ingresses[0]!).map((rule) => rule.paths)).toEqual(routes(originalIngress).map((rule) => rule.paths));
    expect(routes(ingresses[0]!)[0]!.host).toBe(routes(originalIngress)[0]!.host ?? 'dev.174.138.120.13.nip.io');
    expect(routes(ingresses[0]!)[0]!.paths).toEqual([
      ['/api', 'backend', 3001],
      ['/', 'frontend', 80],
    ]);
    expect(one(rendered, 'Service', 'backend').spec.ports[0]).toMatchObject({ port: 3001, targetPort: 3001 });
    expect(one(rendered, 'Service', 'frontend').spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080 });
    expect(container(rendered, 'backend').ports[0].containerPort).toBe(3001);
    expect(container(rendered, 'frontend').ports[0].containerPort).toBe(8080);
  });

  it.each(ENVIRONMENTS)("%s: the original's tags (40-hex commit SHAs), replicas and resources", async (env) => {
    const rendered = await renderedEnvironment(KDU, env);
    const originals = original(env);
    for (const service of ['backend', 'frontend']) {
      const workload = originals.find((o) => (o.kind === 'Deployment' || o.kind === 'Rollout') && o.metadata.name === service)!;
      const originalContainer = workload.spec.template.spec.containers[0];
      const ours = container(rendered, service);
      expect(ours.image).toBe(originalContainer.image);
      expect(ours.image).toMatch(/:[0-9a-f]{40}$/);
      expect(ours.resources).toEqual(originalContainer.resources);
      const scaled = env === 'prod' ? one(rendered, 'Rollout', service) : one(rendered, 'Deployment', service);
      expect(scaled.spec.replicas).toBe(workload.spec.replicas);
    }
  });

  it("prod: blue-green with manual promotion, 2 preview replicas, 300 s scale-down delay and anti-affinity, as the original's Rollouts", async () => {
    const rendered = await renderedEnvironment(KDU, 'prod');
    for (const service of ['backend', 'frontend']) {
      const originalBlueGreen = one(original('prod'), 'Rollout', service).spec.strategy.blueGreen;
      const blueGreen = one(rendered, 'Rollout', service).spec.strategy.blueGreen;
      for (const key of ['autoPromotionEnabled', 'previewReplicaCount', 'scaleDownDelaySeconds'] as const) expect(blueGreen[key]).toBe(originalBlueGreen[key]);
      expect(blueGreen.antiAffinity).toBeDefined();
      one(rendered, 'Service', blueGreen.previewService);
    }
  });

  it("prod syncs automatically with prune and without self-heal, as the original's ai-incident-prod Application", () => {
    const originalProd = readObjects(join(KDU, 'original', 'argocd-applications.yaml')).find((o) => o.metadata.name === 'ai-incident-prod')!;
    expect(originalProd.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: false });
    const applicationSet = readObjects(join(KDU, 'manifests', 'argocd', 'doks', 'application-set-kdu-environments.yaml'))[0]!;
    const environments = applicationSet.spec.generators[0].matrix.generators[0].list.elements as K8sObject[];
    expect(environments.find((e) => e.env === 'prod')).toEqual({ env: 'prod', namespace: 'prod', automated: 'true', prune: 'true', selfHeal: 'false' });
    expect(environments.filter((e) => e.selfHeal === 'true').map((e) => e.env)).toEqual(['dev', 'staging']);
  });
});

describe('examples/dex against DEX', () => {
  const ENVIRONMENTS = ['dev', 'stage', 'prod'];
  const original = (env: string) => readObjects(join(DEX, 'original', `infra__argocd__overlays__${env}.yaml`));
  const originalBase = readObjects(join(DEX, 'original', 'head-2env__base.yaml'));

  it.each([...ENVIRONMENTS, 'preview'])("%s: every object kind of the original's overlay and of its base at HEAD (HPA, PDB, NetworkPolicy, Ingress) is rendered", async (env) => {
    const rendered = kinds(await renderedEnvironment(DEX, env));
    const base = env === 'preview' ? ['Deployment', 'Service'] : kinds(originalBase);
    expect(rendered).toEqual(expect.arrayContaining([...kinds(original(env)), ...base]));
  });

  it.each(ENVIRONMENTS)('%s: port 8000, /health liveness, /ready readiness and /startup startup, the sha-<8 hex> tag, LOG_LEVEL, resources and replicas of the original', async (env) => {
    const rendered = await renderedEnvironment(DEX, env);
    const originalContainer = one(original(env), 'Deployment', 'dex').spec.template.spec.containers[0];
    const dex = container(rendered, 'dex');
    expect(dex.ports[0].containerPort).toBe(8000);
    expect(one(rendered, 'Service', 'dex').spec.ports[0]).toMatchObject({ port: 8000, targetPort: 8000 });
    expect(dex.livenessProbe.httpGet).toMatchObject({ path: '/health', port: 8000 });
    expect(dex.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 8000 });
    expect(dex.startupProbe.httpGet).toMatchObject({ path: originalContainer.startupProbe.httpGet.path, port: 8000 });
    expect(originalContainer.startupProbe.httpGet.path).toBe('/startup');
    expect(dex.image.split(':')[1]).toBe(originalContainer.image.split(':')[1]);
    expect(dex.image).toMatch(/^ghcr\.io\/data-literate\/dex:sha-[0-9a-f]{8}$/);
    expect(envValue(dex, 'LOG_LEVEL').value).toBe(envValue(originalContainer, 'LOG_LEVEL').value.toUpperCase());
    expect(dex.resources).toEqual(originalContainer.resources);
    // The autoscaler owns the replicas: the original's count is its floor.
    const autoscaler = one(rendered, 'HorizontalPodAutoscaler', 'dex');
    expect(autoscaler.spec.minReplicas).toBe(one(original(env), 'Deployment', 'dex').spec.replicas);
    expect(one(rendered, 'Deployment', 'dex').spec.replicas).toBeUndefined();
  });

  it.each(ENVIRONMENTS)("%s: the autoscaler has the original's CPU 70 % and memory 80 % targets, bounds and behaviour", async (env) => {
    const originalHpa = one(originalBase, 'HorizontalPodAutoscaler', 'dex-hpa').spec;
    const autoscaler = one(await renderedEnvironment(DEX, env), 'HorizontalPodAutoscaler', 'dex').spec;
    expect(autoscaler.metrics).toEqual(originalHpa.metrics);
    expect(autoscaler.behavior).toEqual(originalHpa.behavior);
    expect(autoscaler.maxReplicas).toBe(originalHpa.maxReplicas);
    expect(autoscaler.scaleTargetRef).toEqual(originalHpa.scaleTargetRef);
  });

  it("the original's environments ApplicationSet: dev, stage and prod in their namespaces, automated with prune and self-heal, in an AppProject of their own", () => {
    const originals = readObjects(join(DEX, 'original', 'argocd-application.yaml'));
    const originalElements = one(originals, 'ApplicationSet', 'dex-multienv').spec.generators[0].list.elements as K8sObject[];
    expect(one(originals, 'ApplicationSet', 'dex-multienv').spec.template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    const argocd = join(DEX, 'manifests', 'argocd', 'main');
    const rendered = readdirSync(argocd).flatMap((file) => readObjects(join(argocd, file)));
    expect(kinds(rendered)).toEqual(expect.arrayContaining(kinds(originals.filter((o) => o.kind !== 'Application'))));
    const elements = one(rendered, 'ApplicationSet', 'dex-environments').spec.generators[0].matrix.generators[0].list.elements as K8sObject[];
    expect(elements).toEqual(originalElements.map((e) => ({ env: e.environment, namespace: e.namespace, automated: 'true', prune: 'true', selfHeal: 'true' })));
    expect(one(rendered, 'AppProject', 'dex').spec.destinations.map((d: K8sObject) => d.namespace)).toEqual(expect.arrayContaining(['dex-dev', 'dex-stage', 'dex-prod']));
  });

  it("previews come from a pull-request generator for the original's owner, repository and label", () => {
    const originalGenerator = readObjects(join(DEX, 'original', 'argocd-application.yaml')).find((o) => o.metadata.name === 'dex-pr-preview')!.spec.generators[0].pullRequest.github;
    const previews = readObjects(join(DEX, 'manifests', 'argocd', 'main', 'application-set-dex-previews.yaml'))[0]!;
    const github = previews.spec.generators[0].matrix.generators[0].pullRequest.github;
    expect({ owner: github.owner, repo: github.repo, labels: github.labels }).toEqual({ owner: originalGenerator.owner, repo: originalGenerator.repo, labels: originalGenerator.labels });
  });
});

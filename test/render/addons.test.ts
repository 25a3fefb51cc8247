/**
 * Add-ons rendered into a real platform repository and built with the real `kubectl kustomize`:
 * where each one lands, what the autoscaler targets in a blue-green environment, and the
 * AppProject kinds derived from what is rendered.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { kustomizeBuild } from '../../lib/kustomize/kustomize-runner.js';
import { verifyRenderedTree } from '../../lib/render/verify-tree.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

type Obj = Record<string, any>;

const API_SERVICE = "    { name: 'api', port: 8080,";

/** Adds `addons` (source text) to the api service of the shop fixture, importing every add-on class. */
function withApiAddons(addons: string): (root: string) => void {
  return (root) => {
    const path = join(root, 'platform/platform.ts');
    let text = readFileSync(path, 'utf8');
    text = text.replace("import { Environment, Platform, Profiles } from 'ferry';", "import { AddonPlacement, AutoscalerAddon, CronJobAddon, Environment, JobAddon, Platform, Profiles, StatefulSetAddon } from 'ferry';");
    if (!text.includes(API_SERVICE)) throw new Error('fixture text not found');
    text = text.replace(API_SERVICE, `    { addons: [${addons}], name: 'api', port: 8080,`);
    writeFileSync(path, text);
  };
}

const POSTGRES = `new StatefulSetAddon({ image: 'postgres:16.4', port: 5432, dataPath: '/var/lib/postgresql/data', storage: '5Gi', env: { PGDATA: '/var/lib/postgresql/data/pgdata' }, secretEnv: { POSTGRES_PASSWORD: { secretName: 'api-db', key: 'password' } }, writablePaths: ['/tmp', '/var/run/postgresql'] })`;
const MIGRATE = `new JobAddon({ id: 'migrate', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/api-migrate:v1.2.0', args: ['migrate'] })`;
const REPORT = `new CronJobAddon({ id: 'report', schedule: '0 3 * * *', image: 'busybox:1.36.1', command: ['true'], placement: AddonPlacement.environments('prod') })`;

const byKind = (objects: Obj[], kind: string, name = 'api') => objects.filter((o) => o.kind === kind && o.metadata.name === name);

describe('a service with an autoscaler, a database, a migration job and a prod-only cron job', () => {
  let repo: PlatformRepo;
  beforeAll(async () => {
    repo = await createPlatformRepo({ git: false, edit: withApiAddons(`new AutoscalerAddon({ maxReplicas: 8 }), ${POSTGRES}, ${MIGRATE}, ${REPORT}`) });
  });
  afterAll(() => repo.cleanup());

  test('the built prod overlay (blue-green) has the autoscaler pointing at the Rollout, from the environment replicas up', async () => {
    const objects = await kustomizeBuild(join(repo.root, 'manifests/overlays/prod/api'));
    const [hpa] = byKind(objects, 'HorizontalPodAutoscaler');
    expect(hpa.metadata.namespace).toBe('prod');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' });
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.maxReplicas).toBe(8);
    // The autoscaler owns the Rollout's replicas: git holds none, so Argo CD never resets them.
    expect(byKind(objects, 'Rollout')[0].spec.replicas).toBeUndefined();
    // The Deployment it does not target is the Rollout's template, at zero replicas.
    expect(byKind(objects, 'Deployment')[0].spec.replicas).toBe(0);
  });

  test('in rolling-update environments it targets the Deployment', async () => {
    // Pulumi.stage.yaml gives web 3 replicas.
    for (const [env, replicas, webReplicas] of [['dev', 1, 1], ['stage', 2, 3]] as const) {
      const objects = await kustomizeBuild(join(repo.root, `manifests/overlays/${env}/api`));
      expect(byKind(objects, 'HorizontalPodAutoscaler')[0].spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: replicas });
      expect(byKind(objects, 'Deployment')[0].spec.replicas).toBeUndefined();
      // A service without an autoscaler keeps its replicas in git.
      expect(byKind(await kustomizeBuild(join(repo.root, `manifests/overlays/${env}/web`)), 'Deployment', 'web')[0].spec.replicas).toBe(webReplicas);
    }
  });

  test('the base holds the database (StatefulSet with claim templates, headless Service, NetworkPolicy) and the job, in their own files', () => {
    const base = 'manifests/base/api';
    expect(YAML.parse(repo.read(`${base}/kustomization.yaml`)).resources).toEqual([
      'service-account.yaml',
      'deployment.yaml',
      'service.yaml',
      'ingress.yaml',
      'pod-disruption-budget.yaml',
      'network-policy.yaml',
      'service-api-database.yaml',
      'stateful-set-api-database.yaml',
      'network-policy-api-database.yaml',
      'job-api-migrate.yaml',
    ]);
    const statefulSet = YAML.parse(repo.read(`${base}/stateful-set-api-database.yaml`));
    expect(statefulSet.spec.serviceName).toBe('api-database');
    expect(statefulSet.spec.volumeClaimTemplates).toEqual([{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } } }]);
    expect(statefulSet.spec.template.spec.containers[0].volumeMounts).toEqual([
      { mountPath: '/var/lib/postgresql/data', name: 'data' },
      { mountPath: '/tmp', name: 'writable-0' },
      { mountPath: '/var/run/postgresql', name: 'writable-1' },
    ]);
    expect(statefulSet.spec.template.spec.containers[0].env).toEqual([
      { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
      { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'api-db', key: 'password' } } },
    ]);
    expect(YAML.parse(repo.read(`${base}/service-api-database.yaml`)).spec).toMatchObject({ clusterIP: 'None', selector: { 'app.kubernetes.io/name': 'api-database' } });
    expect(YAML.parse(repo.read(`${base}/network-policy-api-database.yaml`)).spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } } }], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
    expect(YAML.parse(repo.read(`${base}/job-api-migrate.yaml`)).spec.template.spec.restartPolicy).toBe('Never');
  });

  test('the cron job is only in prod', () => {
    expect(existsSync(join(repo.root, 'manifests/overlays/prod/api/cron-job-api-report.yaml'))).toBe(true);
    for (const env of ['dev', 'stage']) expect(existsSync(join(repo.root, `manifests/overlays/${env}/api/cron-job-api-report.yaml`))).toBe(false);
  });

  test('every overlay builds, and every object validates against the real schemas and the secure defaults', async () => {
    const result = await verifyRenderedTree(repo.root);
    expect(result.problems).toEqual([]);
    expect(result.overlays).toBe(8);
  });

  test("each AppProject admits exactly the kinds rendered for its cluster: CronJob only where prod's overlay renders it", () => {
    const kinds = (cluster: string) => (YAML.parse(repo.read(`manifests/argocd/${cluster}/app-project-shop.yaml`)).spec.namespaceResourceWhitelist as Obj[]).map((k) => `${k.group}/${k.kind}`);
    const common = ['/Service', '/ServiceAccount', 'apps/Deployment', 'apps/StatefulSet', 'autoscaling/HorizontalPodAutoscaler', 'batch/Job', 'networking.k8s.io/Ingress', 'networking.k8s.io/NetworkPolicy', 'policy/PodDisruptionBudget'];
    expect(kinds('nonprod')).toEqual(common);
    expect(kinds('prod')).toEqual([
      '/Service',
      '/ServiceAccount',
      'apps/Deployment',
      'apps/StatefulSet',
      'argoproj.io/AnalysisTemplate',
      'argoproj.io/Rollout',
      'autoscaling/HorizontalPodAutoscaler',
      'batch/CronJob',
      'batch/Job',
      'networking.k8s.io/Ingress',
      'networking.k8s.io/NetworkPolicy',
      'policy/PodDisruptionBudget',
    ]);
  });
});

describe('without add-ons', () => {
  let repo: PlatformRepo;
  beforeAll(async () => {
    repo = await createPlatformRepo({ git: false });
  });
  afterAll(() => repo.cleanup());

  test('no AppProject admits a kind no add-on renders', () => {
    for (const cluster of ['nonprod', 'prod']) {
      const kinds = (YAML.parse(repo.read(`manifests/argocd/${cluster}/app-project-shop.yaml`)).spec.namespaceResourceWhitelist as Obj[]).map((k) => k.kind);
      for (const kind of ['CronJob', 'Job', 'StatefulSet', 'HorizontalPodAutoscaler']) expect(kinds).not.toContain(kind);
    }
  });

  test("an autoscaler whose minReplicas is below an environment's replicas is refused, naming service, add-on and environment, and nothing is written", () => {
    const before = repo.read('manifests/argocd/prod/app-project-shop.yaml');
    withApiAddons('new AutoscalerAddon({ minReplicas: 2, maxReplicas: 8 })')(repo.root);
    const result = repo.ferrySpawn(['render']);
    expect(result.stderr).toContain("service 'api': add-on 'autoscaler' in environment 'prod': 'minReplicas' 2 is below the environment's replicas 3; set it to at least 3 (or leave it out to use the replicas)");
    expect(result.code).toBe(1);
    expect(repo.read('manifests/argocd/prod/app-project-shop.yaml')).toBe(before);
    expect(existsSync(join(repo.root, 'manifests/overlays/dev/api/horizontal-pod-autoscaler-api.yaml'))).toBe(false);
  });
});

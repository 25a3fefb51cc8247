import { Chart, Testing } from 'cdk8s';
import { AddonPlacement, type AddonContext, type ServiceAddon } from '../../model/addon.js';
import { AutoscalerAddon } from '../../model/autoscaler-addon.js';
import { JobAddon } from '../../model/batch-job-addon.js';
import { CronJobAddon } from '../../model/cron-job-addon.js';
import { Environment, Platform, Profiles, type ServiceProps } from '../../model/platform.js';
import { checkPinnedImage } from '../../model/secure-pod.js';
import { StatefulSetAddon } from '../../model/stateful-set-addon.js';
import { ServiceAddons } from '../../constructs/service-addons.js';
import { validateObjects } from '../../lib/render/schema-validation.js';
import { secureDefaultProblems } from '../../lib/render/verify-tree.js';

type Obj = Record<string, any>;

function platform(service: Partial<ServiceProps> = {}, prod: Parameters<typeof Profiles.production>[0] = {}): Platform {
  return new Platform({
    name: 'shop',
    repoURL: 'https://github.com/example-org/shop-platform.git',
    registry: 'registry.example.com',
    services: [{ name: 'api', ...service }],
    environments: [Environment.of('dev', Profiles.development()), Environment.of('prod', Profiles.production(prod))],
  });
}

function context(overrides: Partial<AddonContext> = {}): AddonContext {
  return {
    serviceName: 'api',
    labels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/part-of': 'shop' },
    selector: { 'app.kubernetes.io/name': 'api' },
    environment: 'prod',
    replicas: 3,
    workload: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' },
    where: "service 'api': add-on 'x' in environment 'prod'",
    ...overrides,
  };
}

/** Renders add-ons through the construct the charts use. */
function synth(addons: ServiceAddon[], props: { environment?: string; replicas?: number; progressive?: boolean } = {}): Obj[] {
  const chart = new Chart(Testing.app(), 'test');
  new ServiceAddons(chart, 'addons', { addons, serviceName: 'api', labels: { 'app.kubernetes.io/name': 'api' }, selector: { 'app.kubernetes.io/name': 'api' }, ...props });
  return Testing.synth(chart) as Obj[];
}

describe('AddonPlacement', () => {
  test('base, every environment, named environments', () => {
    expect(AddonPlacement.base().inBase).toBe(true);
    expect(AddonPlacement.everyEnvironment().appliesTo('qa')).toBe(true);
    expect(AddonPlacement.environments('prod').appliesTo('prod')).toBe(true);
    expect(AddonPlacement.environments('prod').appliesTo('dev')).toBe(false);
    expect(AddonPlacement.base().appliesTo('dev')).toBe(false);
  });
  test('bad environment lists are refused', () => {
    expect(() => AddonPlacement.environments()).toThrow('AddonPlacement.environments(): name at least one environment');
    expect(() => AddonPlacement.environments('Prod')).toThrow('AddonPlacement.environments(): "Prod" is not an environment name (a DNS label of at most 20 characters)');
    expect(() => AddonPlacement.environments('prod', 'prod')).toThrow('AddonPlacement.environments(): prod, prod names an environment twice');
  });
});

describe('add-ons in the platform model', () => {
  test('a placement naming an unknown environment is refused with the environments allowed', () => {
    expect(() => platform({ addons: [new AutoscalerAddon({ maxReplicas: 5, placement: AddonPlacement.environments('qa') })] })).toThrow(
      "service 'api': add-on 'autoscaler': placement names unknown environment 'qa'; environments: dev, prod",
    );
  });
  test('two add-ons with one id are refused', () => {
    expect(() => platform({ addons: [new AutoscalerAddon({ maxReplicas: 5 }), new AutoscalerAddon({ maxReplicas: 6 })] })).toThrow("service 'api': add-on id 'autoscaler' appears twice; give each add-on its own 'id'");
  });
  test('an environment add-on must go to that environment', () => {
    expect(() => Environment.of('prod', { addons: [new JobAddon({ id: 'seed', image: 'busybox:1.36.1' })] })).toThrow(
      "environment 'prod': add-on 'seed' has placement base; an environment's add-ons go to its own overlays: give it AddonPlacement.everyEnvironment() or AddonPlacement.environments('prod')",
    );
  });
  test('an environment add-on and a service add-on with one id in one overlay are refused', () => {
    expect(() => platform({ addons: [new AutoscalerAddon({ maxReplicas: 5 })] }, { addons: [new AutoscalerAddon({ maxReplicas: 9 })] })).toThrow(
      "service 'api': add-on id 'autoscaler' is also an add-on of environment 'prod'; give one of them another 'id'",
    );
  });
  test('something that is not an add-on is refused', () => {
    expect(() => platform({ addons: [{ id: 'x' } as never] })).toThrow(`service 'api': 'addons[0]' {"id":"x"} must be an add-on (an object with id, placement and manifests(context))`);
  });
});

describe('AutoscalerAddon', () => {
  test('targets the workload of the place, from its replicas', () => {
    const [hpa] = new AutoscalerAddon({ maxReplicas: 10 }).manifests(context()) as Obj[];
    expect(hpa!.spec).toEqual({
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' },
      minReplicas: 3,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
  });
  test('through the construct, a progressive environment gets the Rollout and a rolling one the Deployment', async () => {
    const progressive = synth([new AutoscalerAddon({ maxReplicas: 10 })], { environment: 'prod', replicas: 3, progressive: true });
    expect(progressive[0]!.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' });
    const rolling = synth([new AutoscalerAddon({ maxReplicas: 10 })], { environment: 'dev', replicas: 1 });
    expect(rolling[0]!.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' });
    expect(await validateObjects([...progressive, ...rolling])).toEqual([]);
  });
  test('the base is refused', () => {
    expect(() => new AutoscalerAddon({ maxReplicas: 5, placement: AddonPlacement.base() })).toThrow(
      "AutoscalerAddon 'autoscaler': 'placement' base is refused: where an environment rolls out progressively its Deployment is scaled to zero under the Rollout, so the autoscaler is built per environment; use AddonPlacement.everyEnvironment() or AddonPlacement.environments('prod')",
    );
  });
  test('contradictory bounds are refused', () => {
    expect(() => new AutoscalerAddon({ maxReplicas: 2, minReplicas: 3 })).toThrow("AutoscalerAddon 'autoscaler': 'minReplicas' 3 exceeds 'maxReplicas' 2");
    expect(() => new AutoscalerAddon({ maxReplicas: 0 })).toThrow("AutoscalerAddon 'autoscaler': 'maxReplicas' 0 must be a whole number from 1 to 1000");
    expect(() => new AutoscalerAddon({ maxReplicas: 5, cpuUtilization: 150 })).toThrow("AutoscalerAddon 'autoscaler': 'cpuUtilization' 150 must be a whole percentage from 1 to 100");
    expect(() => new AutoscalerAddon({ maxReplicas: 2 }).manifests(context())).toThrow("service 'api': add-on 'x' in environment 'prod': 'maxReplicas' 2 is below the environment's replicas 3; raise it to at least 3");
  });
});

describe('StatefulSetAddon, JobAddon, CronJobAddon', () => {
  const database = new StatefulSetAddon({ image: 'postgres:16.4', port: 5432, dataPath: '/var/lib/postgresql/data' });
  const job = new JobAddon({ id: 'migrate', image: 'registry.example.com/api-migrate:v1.2.0', args: ['migrate'] });
  const cron = new CronJobAddon({ id: 'report', schedule: '*/15 3 * * 1-5', image: 'busybox@sha256:' + 'a'.repeat(64), command: ['true'] });
  const objects = synth([database, job, cron]);

  test('render validating objects with the secure defaults (probes on the database, none on the run-to-completion pods)', async () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/api-database', 'StatefulSet/api-database', 'NetworkPolicy/api-database', 'Job/api-migrate', 'CronJob/api-report']);
    expect(await validateObjects(objects)).toEqual([]);
    expect(secureDefaultProblems(objects, 'base')).toEqual([]);
    const db = objects[1]!.spec.template.spec.containers[0];
    expect(db.readinessProbe).toEqual({ tcpSocket: { port: 5432 }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 });
    expect(objects[4]!.spec).toMatchObject({ schedule: '*/15 3 * * 1-5', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
  });
  test('the verifier checks CronJob pods too', () => {
    const broken = structuredClone(objects[4]!);
    broken.spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsNonRoot = false;
    expect(secureDefaultProblems([broken], 'base')).toEqual([{ where: 'base', object: 'CronJob/api-report', message: "container 'report': securityContext.runAsNonRoot must be true" }]);
  });
  test('images must be pinned by tag or digest', () => {
    const rule = "must be an image pinned by a tag or digest, never 'latest' or untagged; e.g. 'postgres:16.4' or 'postgres@sha256:<64 hex>'";
    expect(() => new StatefulSetAddon({ image: 'postgres', port: 5432, dataPath: '/data' })).toThrow(`StatefulSetAddon 'database': 'image': "postgres" ${rule}`);
    expect(() => new JobAddon({ id: 'seed', image: 'busybox:latest' })).toThrow(`JobAddon 'seed': 'image': "busybox:latest" ${rule}`);
    expect(checkPinnedImage('registry.example.com:5000/team/app:v1.2.0', 'x')).toBe('registry.example.com:5000/team/app:v1.2.0');
    expect(checkPinnedImage('app@sha256:' + '0'.repeat(64), 'x')).toBe('app@sha256:' + '0'.repeat(64));
  });
  test('a schedule that is not five cron fields is refused', () => {
    expect(() => new CronJobAddon({ id: 'report', schedule: '@daily; rm', image: 'busybox:1.36.1' })).toThrow(
      `CronJobAddon 'report': 'schedule' "@daily; rm" must be a cron schedule of five fields (minute hour day-of-month month day-of-week), e.g. '0 3 * * *'`,
    );
  });
  test('an add-on that yields something other than an object with a name is refused, naming service, add-on and place', () => {
    const bad: ServiceAddon = { id: 'bad', placement: AddonPlacement.base(), manifests: () => [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_A_Name' } }] };
    expect(() => synth([bad])).toThrow(`service 'api': add-on 'bad' in the base: {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Not_A_Name"}} is not a Kubernetes object with apiVersion, kind and a DNS-1123 metadata.name`);
  });
});

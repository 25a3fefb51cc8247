/**
 * Replica ownership is the add-on's declaration (`ownsReplicas`), read through the add-on's
 * placement and the environment's own add-ons, never a name of its objects; bad declarations are
 * refused naming the owner, the add-on, the key, the value and what is allowed.
 */
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { AddonPlacement, type AddonContext, type AddonManifest, type ServiceAddon } from '../../model/addon.js';
import { AutoscalerAddon } from '../../model/autoscaler-addon.js';
import { JobAddon } from '../../model/batch-job-addon.js';
import { Environment, Platform, Profiles, type ServiceProps } from '../../model/platform.js';
import { overlayAddons, replicaOwners, replicasOwnedByAddon } from '../../model/replica-ownership.js';

/** An autoscaler of one's own whose HorizontalPodAutoscaler is not named after the service. */
class NamedScaler implements ServiceAddon {
  public constructor(
    public readonly id: string,
    public readonly placement: AddonPlacement,
    public readonly ownsReplicas?: boolean,
  ) {}

  public manifests(context: AddonContext): AddonManifest[] {
    const hpa: IHorizontalPodAutoscaler & AddonManifest = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: `${context.serviceName}-${this.id}` },
      spec: { scaleTargetRef: { ...context.workload }, minReplicas: context.replicas, maxReplicas: 10 },
    };
    return [hpa];
  }
}

function platform(service: Partial<ServiceProps> = {}, prod: Parameters<typeof Profiles.production>[0] = {}): Platform {
  return new Platform({
    name: 'shop',
    repoURL: 'https://github.com/example-org/shop-platform.git',
    registry: 'registry.example.com',
    services: [{ name: 'api', ...service }, { name: 'web' }],
    environments: [Environment.of('dev', Profiles.development()), Environment.of('stage', Profiles.staging()), Environment.of('prod', Profiles.production(prod))],
  });
}

/** environment name → whether an add-on owns the service's replicas there. */
function ownership(p: Platform, service: string): Record<string, boolean> {
  return Object.fromEntries(p.environments.map((env) => [env.name, replicasOwnedByAddon(p.service(service), env)]));
}

describe('replicasOwnedByAddon', () => {
  test('a service add-on that declares ownsReplicas owns them in every environment it is placed in, whatever its objects are called', () => {
    const p = platform({ addons: [new NamedScaler('keda', AddonPlacement.everyEnvironment(), true)] });
    expect(ownership(p, 'api')).toEqual({ dev: true, stage: true, prod: true });
    // Another service of the platform keeps its replicas in git.
    expect(ownership(p, 'web')).toEqual({ dev: false, stage: false, prod: false });
  });

  test('placed in prod only, it owns them in prod only', () => {
    const p = platform({ addons: [new NamedScaler('keda', AddonPlacement.environments('prod'), true)] });
    expect(ownership(p, 'api')).toEqual({ dev: false, stage: false, prod: true });
  });

  test('an add-on that does not declare it owns nothing, though it yields a HorizontalPodAutoscaler', () => {
    const undeclared = new NamedScaler('hpa', AddonPlacement.everyEnvironment());
    const declaredFalse = new NamedScaler('other', AddonPlacement.everyEnvironment(), false);
    const p = platform({ addons: [undeclared, declaredFalse] });
    expect(ownership(p, 'api')).toEqual({ dev: false, stage: false, prod: false });
    expect(replicaOwners(p.service('api'), p.environment('prod'))).toEqual([]);
  });

  test("an environment's add-on that declares it owns the replicas of every service there, and only there", () => {
    const p = platform({}, { addons: [new NamedScaler('keda', AddonPlacement.everyEnvironment(), true)] });
    expect(ownership(p, 'api')).toEqual({ dev: false, stage: false, prod: true });
    expect(ownership(p, 'web')).toEqual({ dev: false, stage: false, prod: true });
  });

  test('AutoscalerAddon declares it; the ready-made add-ons that do not scale do not', () => {
    expect(new AutoscalerAddon({ maxReplicas: 5 }).ownsReplicas).toBe(true);
    const job: ServiceAddon = new JobAddon({ id: 'migrate', image: 'busybox:1.36.1' });
    expect(job.ownsReplicas).toBeUndefined();
    const p = platform({ addons: [new AutoscalerAddon({ maxReplicas: 5, placement: AddonPlacement.environments('stage', 'prod') })] });
    expect(ownership(p, 'api')).toEqual({ dev: false, stage: true, prod: true });
  });

  test("the overlay's add-ons, the environment's first, are the ones the owners are read from", () => {
    const own = new NamedScaler('keda', AddonPlacement.environments('prod'), true);
    const job = new JobAddon({ id: 'seed', image: 'busybox:1.36.1', placement: AddonPlacement.everyEnvironment() });
    const p = platform({ addons: [own] }, { addons: [job] });
    expect(overlayAddons(p.service('api'), p.environment('prod')).map((a) => a.id)).toEqual(['seed', 'keda']);
    expect(overlayAddons(p.service('api'), p.environment('dev')).map((a) => a.id)).toEqual([]);
    expect(replicaOwners(p.service('api'), p.environment('prod')).map((a) => a.id)).toEqual(['keda']);
  });
});

describe('bad ownsReplicas declarations', () => {
  test('a value that is not a boolean is refused, naming service, add-on, key, value and the values allowed', () => {
    const addon = new NamedScaler('keda', AddonPlacement.everyEnvironment(), 'yes' as unknown as boolean);
    expect(() => platform({ addons: [addon] })).toThrow("service 'api': add-on 'keda': 'ownsReplicas' \"yes\" must be true or false (or left out: false)");
  });

  test("the same check applies to an environment's add-ons", () => {
    const addon = new NamedScaler('keda', AddonPlacement.everyEnvironment(), 1 as unknown as boolean);
    expect(() => Environment.of('prod', { addons: [addon] })).toThrow("environment 'prod': add-on 'keda': 'ownsReplicas' 1 must be true or false (or left out: false)");
  });

  test('an add-on placed in the base cannot own the replicas', () => {
    expect(() => platform({ addons: [new NamedScaler('keda', AddonPlacement.base(), true)] })).toThrow(
      "service 'api': add-on 'keda': 'ownsReplicas' true with placement base is refused: the base is shared by previews and by progressive environments, whose Deployment is scaled to zero under the Rollout; use AddonPlacement.everyEnvironment() or AddonPlacement.environments('prod')",
    );
  });

  test('two owners of one overlay are refused; in different environments they are fine', () => {
    expect(() => platform({ addons: [new AutoscalerAddon({ maxReplicas: 5 }), new NamedScaler('keda', AddonPlacement.environments('prod'), true)] })).toThrow(
      "service 'api': add-ons 'autoscaler' and 'keda' both declare 'ownsReplicas' in environment 'prod'; two autoscalers of one workload fight over its replicas: keep one, or place them in different environments",
    );
    expect(() => platform({ addons: [new NamedScaler('keda', AddonPlacement.environments('prod'), true)] }, { addons: [new AutoscalerAddon({ maxReplicas: 5 })] })).toThrow(
      "service 'api': add-ons 'autoscaler' and 'keda' both declare 'ownsReplicas' in environment 'prod'",
    );
    const p = platform({ addons: [new AutoscalerAddon({ maxReplicas: 5, placement: AddonPlacement.environments('dev', 'stage') }), new NamedScaler('keda', AddonPlacement.environments('prod'), true)] });
    expect(replicaOwners(p.service('api'), p.environment('stage')).map((a) => a.id)).toEqual(['autoscaler']);
    expect(replicaOwners(p.service('api'), p.environment('prod')).map((a) => a.id)).toEqual(['keda']);
  });
});

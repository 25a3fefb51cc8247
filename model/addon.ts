/**
 * Add-ons: extra typed objects a service or an environment lists, which the charts place in the
 * service's base or in the overlays of named environments, so a platform grows new kinds
 * (autoscalers, databases, jobs) without editing the engine. An add-on is a pure factory of typed
 * manifests: the model stays free of cdk8s, and `ferry promote` (which loads only the model)
 * stays fast.
 */
import { isDnsLabel, showValue } from './names.js';

/** A Kubernetes or CRD object an add-on yields; type it with its kubernetes-models interface. */
export interface AddonManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string } & Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** The object that runs a service's pods in one place. */
export interface WorkloadReference {
  readonly apiVersion: 'apps/v1' | 'argoproj.io/v1alpha1';
  readonly kind: 'Deployment' | 'Rollout';
  readonly name: string;
}

/** What an add-on knows about the place its objects go to. */
export interface AddonContext {
  /** Name of the service the add-on belongs to. */
  readonly serviceName: string;
  /** Labels of the service's objects (`app.kubernetes.io/name`, `app.kubernetes.io/part-of`). */
  readonly labels: Readonly<Record<string, string>>;
  /** The selector of the service's pods (`app.kubernetes.io/name`). */
  readonly selector: Readonly<Record<string, string>>;
  /** Environment whose overlay the objects go to; undefined for the base. */
  readonly environment: string | undefined;
  /** Replicas of the service there (profile, then stack overrides); 1 in the base. */
  readonly replicas: number;
  /** What runs the pods there: the Rollout where the environment is progressive, else the Deployment. */
  readonly workload: WorkloadReference;
  /** Prefix of error messages, e.g. "service 'api': add-on 'autoscaler' in environment 'prod'". */
  readonly where: string;
}

/** Where an add-on's objects go. */
export class AddonPlacement {
  /** Once, in `manifests/base/<service>/`: every environment and every preview gets them. */
  public static base(): AddonPlacement {
    return new AddonPlacement('base', []);
  }

  /** In the overlay of every environment (not previews), built for each environment. */
  public static everyEnvironment(): AddonPlacement {
    return new AddonPlacement('every-environment', []);
  }

  /** In the overlays of the named environments only. */
  public static environments(...names: string[]): AddonPlacement {
    if (names.length === 0) throw new Error('AddonPlacement.environments(): name at least one environment');
    for (const name of names) {
      if (!isDnsLabel(name, 20)) throw new Error(`AddonPlacement.environments(): ${showValue(name)} is not an environment name (a DNS label of at most 20 characters)`);
    }
    if (new Set(names).size !== names.length) throw new Error(`AddonPlacement.environments(): ${names.join(', ')} names an environment twice`);
    return new AddonPlacement('environments', names);
  }

  private constructor(
    public readonly kind: 'base' | 'every-environment' | 'environments',
    /** The named environments of `environments(...)`; empty otherwise. */
    public readonly environmentNames: readonly string[],
  ) {}

  /** Whether the objects go to the base. */
  public get inBase(): boolean {
    return this.kind === 'base';
  }

  /** Whether the objects go to the overlay of `environment`. */
  public appliesTo(environment: string): boolean {
    return this.kind === 'every-environment' || this.environmentNames.includes(environment);
  }

  public toString(): string {
    return this.kind === 'environments' ? `environments(${this.environmentNames.join(', ')})` : this.kind;
  }
}

/**
 * An extra construct of a service (ServiceProps `addons`) or of an environment (profile `addons`:
 * the environment's overlay of every service). Implement it to add a kind of one's own; the
 * ready-made ones are AutoscalerAddon, StatefulSetAddon, JobAddon and CronJobAddon.
 */
export interface ServiceAddon {
  /** DNS label naming the add-on among the service's add-ons (and in errors). */
  readonly id: string;
  /** Where its objects go. An environment's add-ons go to that environment's overlays whatever this says, but never to the base. */
  readonly placement: AddonPlacement;
  /**
   * Whether the add-on's objects set the replica count of the service's workload (an autoscaler:
   * a HorizontalPodAutoscaler or a KEDA ScaledObject, whatever its name): in every overlay the
   * add-on goes to, git then holds no `replicas` for the workload, so Argo CD's self-heal never
   * undoes the scaling. A flag, not a function of the environment, because the placement already
   * says which environments get the objects and ownership goes wherever they go. Refused with
   * `AddonPlacement.base()` (the base is shared by previews and by progressive environments,
   * whose Deployment is scaled to zero) and for two add-ons of one overlay.
   * @default false
   */
  readonly ownsReplicas?: boolean;
  /**
   * The objects for one place, typed (e.g. `IHorizontalPodAutoscaler`). Called once per place;
   * throws, starting with `context.where`, when the place contradicts the add-on.
   */
  manifests(context: AddonContext): readonly AddonManifest[];
}

/** Throws unless `value` is a list of add-ons with distinct ids; `where` names the owner ("service 'api'"). */
export function checkAddons(value: unknown, where: string): readonly ServiceAddon[] {
  if (!Array.isArray(value)) throw new Error(`${where}: 'addons' ${showValue(value)} must be a list of add-ons like [new AutoscalerAddon({ maxReplicas: 10 })]`);
  const seen = new Set<string>();
  value.forEach((addon: unknown, i) => {
    const a = addon as Partial<ServiceAddon> | null;
    if (a === null || typeof a !== 'object' || typeof a.manifests !== 'function') {
      throw new Error(`${where}: 'addons[${i}]' ${showValue(addon)} must be an add-on (an object with id, placement and manifests(context))`);
    }
    if (!isDnsLabel(a.id, 40)) throw new Error(`${where}: 'addons[${i}].id' ${showValue(a.id)} must be a DNS label of at most 40 characters`);
    if (!(a.placement instanceof AddonPlacement)) {
      throw new Error(`${where}: add-on '${a.id}': 'placement' ${showValue(a.placement)} must be AddonPlacement.base(), AddonPlacement.everyEnvironment() or AddonPlacement.environments('prod')`);
    }
    if (a.ownsReplicas !== undefined && typeof a.ownsReplicas !== 'boolean') {
      throw new Error(`${where}: add-on '${a.id}': 'ownsReplicas' ${showValue(a.ownsReplicas)} must be true or false (or left out: false)`);
    }
    if (a.ownsReplicas === true && a.placement.inBase) {
      throw new Error(`${where}: add-on '${a.id}': 'ownsReplicas' true with placement base is refused: the base is shared by previews and by progressive environments, whose Deployment is scaled to zero under the Rollout; use AddonPlacement.everyEnvironment() or AddonPlacement.environments('prod')`);
    }
    if (seen.has(a.id!)) throw new Error(`${where}: add-on id '${a.id}' appears twice; give each add-on its own 'id'`);
    seen.add(a.id!);
  });
  return value as readonly ServiceAddon[];
}

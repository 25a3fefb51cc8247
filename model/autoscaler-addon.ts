import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { AddonPlacement, type AddonContext, type AddonManifest, type ServiceAddon } from './addon.js';
import { showValue } from './names.js';

/** Props of {@link AutoscalerAddon}. */
export interface AutoscalerAddonProps {
  /** Most replicas the autoscaler may run. */
  readonly maxReplicas: number;
  /**
   * Fewest replicas; never below the environment's replicas (refused otherwise).
   * @default - the environment's replicas
   */
  readonly minReplicas?: number;
  /**
   * Average CPU utilization (percent of the requests) the autoscaler keeps.
   * @default 70
   */
  readonly cpuUtilization?: number;
  /**
   * Environments whose overlays get the autoscaler; never the base, whose Deployment a
   * progressive environment scales to zero.
   * @default AddonPlacement.everyEnvironment()
   */
  readonly placement?: AddonPlacement;
  /**
   * Id among the service's add-ons.
   * @default 'autoscaler'
   */
  readonly id?: string;
}

/**
 * A HorizontalPodAutoscaler (autoscaling/v2, CPU) of the service, in environment overlays: it
 * targets the Rollout where the environment rolls out progressively (the Deployment there is only
 * the Rollout's template, scaled to zero) and the Deployment otherwise, and never scales below the
 * environment's replicas.
 */
export class AutoscalerAddon implements ServiceAddon {
  public readonly id: string;
  public readonly placement: AddonPlacement;
  /** The HorizontalPodAutoscaler sets the workload's replicas: the overlays it goes to hold none. */
  public readonly ownsReplicas = true;
  public readonly maxReplicas: number;
  public readonly minReplicas: number | undefined;
  public readonly cpuUtilization: number;

  public constructor(props: AutoscalerAddonProps) {
    this.id = props.id ?? 'autoscaler';
    const where = `AutoscalerAddon '${this.id}'`;
    this.placement = props.placement ?? AddonPlacement.everyEnvironment();
    if (this.placement.inBase) {
      throw new Error(`${where}: 'placement' base is refused: where an environment rolls out progressively its Deployment is scaled to zero under the Rollout, so the autoscaler is built per environment; use AddonPlacement.everyEnvironment() or AddonPlacement.environments('prod')`);
    }
    this.maxReplicas = props.maxReplicas;
    checkCount(this.maxReplicas, `${where}: 'maxReplicas'`);
    this.minReplicas = props.minReplicas;
    if (this.minReplicas !== undefined) {
      checkCount(this.minReplicas, `${where}: 'minReplicas'`);
      if (this.minReplicas > this.maxReplicas) throw new Error(`${where}: 'minReplicas' ${this.minReplicas} exceeds 'maxReplicas' ${this.maxReplicas}`);
    }
    this.cpuUtilization = props.cpuUtilization ?? 70;
    if (!Number.isInteger(this.cpuUtilization) || this.cpuUtilization < 1 || this.cpuUtilization > 100) {
      throw new Error(`${where}: 'cpuUtilization' ${showValue(this.cpuUtilization)} must be a whole percentage from 1 to 100`);
    }
  }

  public manifests(context: AddonContext): AddonManifest[] {
    const minReplicas = this.minReplicas ?? context.replicas;
    if (minReplicas < context.replicas) {
      throw new Error(`${context.where}: 'minReplicas' ${minReplicas} is below the environment's replicas ${context.replicas}; set it to at least ${context.replicas} (or leave it out to use the replicas)`);
    }
    if (this.maxReplicas < minReplicas) {
      throw new Error(`${context.where}: 'maxReplicas' ${this.maxReplicas} is below the environment's replicas ${minReplicas}; raise it to at least ${minReplicas}`);
    }
    const hpa: IHorizontalPodAutoscaler & AddonManifest = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: context.serviceName, labels: { ...context.labels } },
      spec: {
        scaleTargetRef: { ...context.workload },
        minReplicas,
        maxReplicas: this.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: this.cpuUtilization } } }],
      },
    };
    return [hpa];
  }
}

function checkCount(value: unknown, where: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1000) throw new Error(`${where} ${showValue(value)} must be a whole number from 1 to 1000`);
}

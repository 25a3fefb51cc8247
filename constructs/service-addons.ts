import { Construct } from 'constructs';
import type { AddonContext, ServiceAddon, WorkloadReference } from '../model/addon.js';
import { isDnsSubdomain, showValue } from '../model/names.js';
import { typedObject } from './model-object.js';

/** Props of {@link ServiceAddons}. */
export interface ServiceAddonsProps {
  /** The add-ons to render here, in order. */
  readonly addons: readonly ServiceAddon[];
  readonly serviceName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  /**
   * Environment whose overlay this is.
   * @default - the base
   */
  readonly environment?: string;
  /**
   * Replicas of the service there.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Where the environment rolls out progressively, so the Rollout, not the Deployment, runs the pods.
   * @default false
   */
  readonly progressive?: boolean;
}

/**
 * The objects of a service's add-ons in one place (its base or one environment's overlay), each
 * under a construct named after the add-on's id.
 */
export class ServiceAddons extends Construct {
  public constructor(scope: Construct, id: string, props: ServiceAddonsProps) {
    super(scope, id);
    const workload: WorkloadReference = props.progressive
      ? { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: props.serviceName }
      : { apiVersion: 'apps/v1', kind: 'Deployment', name: props.serviceName };
    for (const addon of props.addons) {
      const where = `service '${props.serviceName}': add-on '${addon.id}' in ${props.environment === undefined ? 'the base' : `environment '${props.environment}'`}`;
      const context: AddonContext = {
        serviceName: props.serviceName,
        labels: { ...props.labels },
        selector: { ...props.selector },
        environment: props.environment,
        replicas: props.replicas ?? 1,
        workload,
        where,
      };
      const manifests = addon.manifests(context);
      if (!Array.isArray(manifests)) throw new Error(`${where}: manifests() returned ${showValue(manifests)}, not a list of objects`);
      const holder = new Construct(this, addon.id);
      for (const manifest of manifests) {
        const m = manifest as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
        if (typeof m?.apiVersion !== 'string' || typeof m.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(m.kind) || !isDnsSubdomain(m.metadata?.name)) {
          throw new Error(`${where}: ${showValue(manifest)} is not a Kubernetes object with apiVersion, kind and a DNS-1123 metadata.name`);
        }
        typedObject(holder, `${manifest.kind}-${manifest.metadata.name}`, manifest);
      }
    }
  }
}

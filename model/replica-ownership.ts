/**
 * Who sets a service's replica count in one environment: git (the overlay's `replicas`) or an
 * add-on that declares `ownsReplicas` (an autoscaler). The one home of that fact, so render, the
 * promote fast path and the platform's checks cannot disagree about it.
 */
import type { ServiceAddon } from './addon.js';

/** What the functions below read of a service (a ServiceDefinition). */
export interface ServiceWithAddons {
  readonly addons: readonly ServiceAddon[];
}

/** What the functions below read of an environment (an Environment). */
export interface EnvironmentWithAddons {
  readonly name: string;
  readonly addons: readonly ServiceAddon[];
}

/**
 * The add-ons in the overlay of `service` in `environment`, in render order: the environment's
 * own (which go to each of its overlays), then the service's whose placement names the environment.
 */
export function overlayAddons(service: ServiceWithAddons, environment: EnvironmentWithAddons): readonly ServiceAddon[] {
  return [...environment.addons, ...service.addons.filter((a) => a.placement.appliesTo(environment.name))];
}

/** The add-ons of that overlay that declare `ownsReplicas`; the platform refuses more than one. */
export function replicaOwners(service: ServiceWithAddons, environment: EnvironmentWithAddons): readonly ServiceAddon[] {
  // Most overlays have no owner: the platform asks for every service in every environment, so no list is built for them.
  if (!replicasOwnedByAddon(service, environment)) return [];
  return overlayAddons(service, environment).filter((a) => a.ownsReplicas === true);
}

/**
 * Whether an add-on (an autoscaler) owns the replicas of `service`'s workload in `environment`:
 * then the overlay holds none, so Argo CD's self-heal never resets what the autoscaler set.
 */
export function replicasOwnedByAddon(service: ServiceWithAddons, environment: EnvironmentWithAddons): boolean {
  // The same add-ons as replicaOwners, without building lists: render asks once per overlay.
  return environment.addons.some((a) => a.ownsReplicas === true) || service.addons.some((a) => a.ownsReplicas === true && a.placement.appliesTo(environment.name));
}

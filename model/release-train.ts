/**
 * A release train: several services promoted together as one named unit through the promotion
 * graph (one diff, one commit, one rollback that restores every member).
 */
import { isDnsLabel, showValue } from './names.js';

/** A release train as the platform declares it. */
export interface ReleaseTrainProps {
  /** DNS label; `ferry promote --train <name>`. */
  readonly name: string;
  /** The member services (names of platform services); at least one, each at most once. */
  readonly services: readonly string[];
}

/** A checked release train. */
export class ReleaseTrain {
  /**
   * Checks every train against the platform's services: names are DNS labels and unique, members
   * known and listed once, and a service rides at most one train (a train's rollback restores every
   * member, and `status` names the one train an environment's service runs with; a service in two
   * trains would make both ambiguous).
   */
  public static all(trains: unknown, serviceNames: readonly string[]): ReleaseTrain[] {
    if (trains === undefined) return [];
    if (!Array.isArray(trains)) throw new Error(`platform 'releaseTrains' ${showValue(trains)} must be a list like [{ name: 'checkout', services: ['api', 'web'] }]`);
    const out: ReleaseTrain[] = [];
    const riding = new Map<string, string>();
    trains.forEach((props: unknown, i) => {
      const train = new ReleaseTrain(props, `platform 'releaseTrains[${i}]'`, serviceNames);
      if (out.some((t) => t.name === train.name)) throw new Error(`platform 'releaseTrains[${i}]': 'name' '${train.name}' appears twice`);
      for (const service of train.services) {
        const other = riding.get(service);
        if (other !== undefined) {
          throw new Error(`platform 'releaseTrains[${i}]' (${train.name}): service '${service}' already rides train '${other}'; a service rides at most one train`);
        }
        riding.set(service, train.name);
      }
      out.push(train);
    });
    return out;
  }

  public readonly name: string;
  /** As declared. */
  public readonly services: readonly string[];

  private constructor(props: unknown, where: string, serviceNames: readonly string[]) {
    if (props === null || typeof props !== 'object' || Array.isArray(props)) throw new Error(`${where}: ${showValue(props)} must be a train like { name: 'checkout', services: ['api', 'web'] }`);
    const { name, services } = props as { name?: unknown; services?: unknown };
    if (!isDnsLabel(name, 40)) throw new Error(`${where}: 'name' ${showValue(name)} must be a DNS label of at most 40 characters`);
    if (!Array.isArray(services) || services.length === 0) throw new Error(`${where} (${name}): 'services' ${showValue(services)} must be a non-empty list of service names`);
    const seen = new Set<string>();
    for (const service of services) {
      if (typeof service !== 'string' || !serviceNames.includes(service)) {
        throw new Error(`${where} (${name}): 'services' names unknown service ${showValue(service)}; services: ${serviceNames.join(', ')}`);
      }
      if (seen.has(service)) throw new Error(`${where} (${name}): 'services' lists '${service}' twice`);
      seen.add(service);
    }
    this.name = name as string;
    this.services = services as string[];
  }
}

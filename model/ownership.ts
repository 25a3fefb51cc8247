/**
 * Which stack creates the things several environments share. Pure: a function of the platform
 * definition only, so every stack (and `ferry userdata`) reaches the same answer.
 *
 * - The registry (one ECR repository per service) and the account's GitHub OIDC provider are
 *   created by the FIRST environment in promotion order: images are built once and promoted, so
 *   the registry exists before anything is promoted. Other stacks look them up.
 * - The MicroK8s host of a cluster is created by the first environment (in promotion order) that
 *   runs on that cluster. A cluster used only by pull-request previews is created by the first
 *   environment too.
 * - Every stack creates its own CI role (`<platform>-ci-<env>`), so each environment's trust can
 *   be pinned separately (prod: only the protected GitHub environment).
 */
import type { Platform } from './platform.js';

export interface InfrastructureOwnership {
  /** Environment whose stack creates the ECR repositories and the GitHub OIDC provider. */
  readonly registryOwner: string;
  /** cluster → environment whose stack creates its host, in order of first use. */
  readonly clusterOwners: Readonly<Record<string, string>>;
}

export function infrastructureOwnership(platform: Platform): InfrastructureOwnership {
  const registryOwner = platform.environments[0]!.name;
  const clusterOwners: Record<string, string> = {};
  for (const env of platform.environments) clusterOwners[env.cluster] ??= env.name;
  for (const cluster of platform.clusters()) clusterOwners[cluster] ??= registryOwner;
  return { registryOwner, clusterOwners };
}

/** What one stack creates. */
export interface StackPlan {
  readonly environment: string;
  /** Whether this stack creates the ECR repositories and the GitHub OIDC provider. */
  readonly ownsRegistry: boolean;
  readonly registryOwner: string;
  /** Clusters whose host this stack creates. */
  readonly hostClusters: readonly string[];
  /** Cluster the environment runs on. */
  readonly cluster: string;
  /** Environment whose stack creates this environment's cluster host. */
  readonly clusterOwner: string;
}

export function stackPlan(platform: Platform, environment: string): StackPlan {
  const env = platform.environment(environment);
  const ownership = infrastructureOwnership(platform);
  return {
    environment: env.name,
    ownsRegistry: ownership.registryOwner === env.name,
    registryOwner: ownership.registryOwner,
    hostClusters: Object.keys(ownership.clusterOwners).filter((c) => ownership.clusterOwners[c] === env.name),
    cluster: env.cluster,
    clusterOwner: ownership.clusterOwners[env.cluster]!,
  };
}

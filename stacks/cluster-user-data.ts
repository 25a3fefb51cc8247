import { infrastructureOwnership } from '../model/ownership.js';
import type { Platform } from '../model/platform.js';
import { readProjectName, readStackConfig } from '../model/stack-config.js';
import { githubTokenParameterName, microk8sCloudInit } from './cloud-init.js';
import { resolveInfraSettings, type HostSettings } from './infra-settings.js';
import { parseEcrRegistry } from './naming.js';

/** The cloud-init document of `cluster`'s host: what `pulumi up` sends and `ferry userdata` prints. */
export function clusterUserData(platform: Platform, cluster: string, host: HostSettings): string {
  if (!platform.clusters().includes(cluster)) {
    throw new Error(`unknown cluster '${cluster}'; clusters of platform '${platform.name}': ${platform.clusters().join(', ')}`);
  }
  const registry = parseEcrRegistry(platform.registry);
  return microk8sCloudInit({
    cluster,
    repoURL: platform.repoURL,
    targetRevision: platform.targetRevision,
    registry: registry.host,
    region: registry.region,
    argocdNamespace: platform.argocdNamespace,
    microk8sChannel: host.microk8sChannel,
    argocdVersion: host.argocdVersion,
    argoRolloutsVersion: host.argoRolloutsVersion,
    ...(platform.previews?.cluster === cluster
      ? { githubToken: { parameter: githubTokenParameterName(platform.name), secretName: platform.previews.tokenSecret } }
      : {}),
  });
}

/**
 * The cloud-init document `pulumi up` gives the host of `cluster` in the repository at `root`,
 * with the host settings of the stack that creates it (Pulumi.<owner>.yaml), so what is printed
 * is exactly what the host runs.
 */
export function clusterUserDataOf(root: string, platform: Platform, cluster: string): string {
  const clusters = platform.clusters();
  if (!clusters.includes(cluster)) throw new Error(`unknown cluster '${cluster}'; clusters: ${clusters.join(', ')}`);
  const owner = platform.environment(infrastructureOwnership(platform).clusterOwners[cluster]!);
  const project = readProjectName(root);
  const config = readStackConfig(root, platform, owner, project);
  return clusterUserData(platform, cluster, resolveInfraSettings(platform, config, project).host);
}

import type { Platform } from '../model/platform.js';
import { microk8sCloudInit } from './cloud-init.js';
import type { HostSettings } from './infra-settings.js';
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
  });
}

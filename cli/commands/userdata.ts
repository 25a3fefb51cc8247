import { loadPlatform } from '../../lib/loader/load-platform.js';
import type { Platform } from '../../model/platform.js';
import { clusterUserDataOf } from '../../stacks/cluster-user-data.js';
import { parseFlags, UsageError, type CliCommand } from '../command.js';

/** `ferry userdata <cluster>`: the cluster must be one of the platform's (a usage error otherwise). */
export function userDataOf(root: string, platform: Platform, cluster: string): string {
  const clusters = platform.clusters();
  if (!clusters.includes(cluster)) throw new UsageError(`ferry userdata: unknown cluster '${cluster}'; clusters: ${clusters.join(', ')}`);
  return clusterUserDataOf(root, platform, cluster);
}

export const userdataCommand: CliCommand = {
  name: 'userdata',
  summary: 'Print the cloud-init document of a cluster host, exactly what it runs at first boot',
  help: `Usage: ferry userdata <cluster>

Prints the #cloud-config user data that \`pulumi up\` gives the MicroK8s host of <cluster>:
MicroK8s from a pinned snap channel, pinned Argo CD and Argo Rollouts, the ECR credential
refresh timer, and the script that registers the repository and applies
manifests/argocd/<cluster>/. Host settings (microk8sChannel, argocdVersion, ...) come from
the stack that creates the host: the first environment on that cluster in promotion order.
The document holds no secrets.
`,
  async run(argv, io) {
    const { positionals } = parseFlags('userdata', argv, {}, true);
    if (positionals.length !== 1) throw new UsageError("ferry userdata: give exactly one cluster, e.g. 'ferry userdata nonprod'");
    const platform = await loadPlatform(io.cwd);
    io.out(userDataOf(io.cwd, platform, positionals[0]!));
    return 0;
  },
};

/**
 * The exact commands a user runs to reach a host through SSM Session Manager (no SSH, no open
 * Kubernetes API). Pure, so the stack outputs and docs/infrastructure.md say the same thing.
 */

/** Local port the Argo CD UI is forwarded to. */
export const ARGOCD_LOCAL_PORT = 8443;
/** Local port the Kubernetes API is forwarded to. */
export const KUBE_API_LOCAL_PORT = 16443;

/**
 * Runs `microk8s config -l` (API server on 127.0.0.1:16443, in the certificate) on the host as
 * root through SSM Run Command and writes its output to `kubeconfig-<cluster>`.
 */
export function kubeconfigCommand(instanceId: string, region: string, cluster: string): string {
  const target = `--region ${region} --instance-id ${instanceId}`;
  return [
    `id=$(aws ssm send-command --region ${region} --instance-ids ${instanceId} --document-name AWS-RunShellScript`,
    `--parameters 'commands=["microk8s config -l"]' --query Command.CommandId --output text)`,
    `&& aws ssm wait command-executed ${target} --command-id "$id"`,
    `&& aws ssm get-command-invocation ${target} --command-id "$id" --query StandardOutputContent --output text > kubeconfig-${cluster}`,
  ].join(' ');
}

/** Forwards `localPort` on the user's machine to `remotePort` on the host. */
export function portForwardCommand(instanceId: string, region: string, remotePort: number, localPort: number): string {
  return `aws ssm start-session --region ${region} --target ${instanceId} --document-name AWS-StartPortForwardingSession --parameters portNumber=${remotePort},localPortNumber=${localPort}`;
}

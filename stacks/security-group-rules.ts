/** The ingress rules of a MicroK8s host, as a pure function. There is never a rule for SSH (22). */

export const HTTP_PORT = 80;
export const HTTPS_PORT = 443;
/** MicroK8s serves the Kubernetes API on 16443. */
export const KUBE_API_PORT = 16443;

export interface IngressRule {
  /** Unique within the host: `<purpose>-<index>`. */
  readonly name: string;
  readonly description: string;
  readonly port: number;
  readonly cidr: string;
  readonly family: 'ipv4' | 'ipv6';
}

export interface HostIngressProps {
  /** Who may reach 80 and 443. */
  readonly ingressCidrs: readonly string[];
  /** Who may reach the Kubernetes API; none by default (SSM port forwarding instead). */
  readonly adminCidrs: readonly string[];
}

export function hostIngressRules(props: HostIngressProps): IngressRule[] {
  const family = (cidr: string) => (cidr.includes(':') ? 'ipv6' : 'ipv4') as IngressRule['family'];
  const open = props.adminCidrs.find((cidr) => cidr.endsWith('/0'));
  if (open) throw new Error(`hostIngressRules: adminCidrs ${JSON.stringify(open)} would open the Kubernetes API to the internet`);
  const rules: IngressRule[] = [];
  for (const [purpose, port, description, cidrs] of [
    ['http', HTTP_PORT, 'HTTP to the ingress controller', props.ingressCidrs],
    ['https', HTTPS_PORT, 'HTTPS to the ingress controller', props.ingressCidrs],
    ['kube-api', KUBE_API_PORT, 'Kubernetes API for administrators', props.adminCidrs],
  ] as const) {
    cidrs.forEach((cidr, i) => rules.push({ name: `${purpose}-${i}`, description: `${description} from ${cidr}`, port, cidr, family: family(cidr) }));
  }
  return rules;
}

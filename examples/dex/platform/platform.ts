/**
 * DEX, the DataEngineX API (data-literate/DEX), modelled with ferry: one service on port 8000 in
 * dev, stage and prod, autoscaled on CPU and memory, with pull-request previews. original/ holds
 * the original's `kubectl kustomize` output; ../../docs/fidelity.md compares the two object by object.
 */
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { AddonPlacement, Environment, Platform, Profiles, RolloutStrategy, SyncPolicy, TagFormat, type AddonContext, type AddonManifest, type ServiceAddon } from 'ferry/model';

export interface CpuMemoryAutoscalerProps {
  /** Most replicas. */
  readonly maxReplicas: number;
  /** @default 70 */
  readonly cpuUtilization?: number;
  /** @default 80 */
  readonly memoryUtilization?: number;
}

/**
 * DEX's HorizontalPodAutoscaler: CPU 70 % and memory 80 %, scaling up by at most 2 pods a minute
 * and down by 1 every 2 minutes after 5 minutes of calm. The ready-made AutoscalerAddon measures
 * CPU only. It declares `ownsReplicas`, so the overlays leave the replicas to it.
 */
export class CpuMemoryAutoscaler implements ServiceAddon {
  public readonly id = 'autoscaler';
  public readonly placement = AddonPlacement.everyEnvironment();
  public readonly ownsReplicas = true;
  private readonly maxReplicas: number;
  private readonly cpuUtilization: number;
  private readonly memoryUtilization: number;

  public constructor(props: CpuMemoryAutoscalerProps) {
    this.maxReplicas = props.maxReplicas;
    if (!Number.isInteger(this.maxReplicas) || this.maxReplicas < 1 || this.maxReplicas > 1000) throw new Error(`CpuMemoryAutoscaler: 'maxReplicas' ${String(this.maxReplicas)} must be a whole number from 1 to 1000`);
    this.cpuUtilization = props.cpuUtilization ?? 70;
    this.memoryUtilization = props.memoryUtilization ?? 80;
    for (const [prop, value] of [['cpuUtilization', this.cpuUtilization], ['memoryUtilization', this.memoryUtilization]] as const) {
      if (!Number.isInteger(value) || value < 1 || value > 100) throw new Error(`CpuMemoryAutoscaler: '${prop}' ${String(value)} must be a whole percentage from 1 to 100`);
    }
  }

  public manifests(context: AddonContext): AddonManifest[] {
    if (this.maxReplicas < context.replicas) {
      throw new Error(`${context.where}: 'maxReplicas' ${this.maxReplicas} is below the environment's replicas ${context.replicas}`);
    }
    const autoscaler: IHorizontalPodAutoscaler & AddonManifest = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: context.serviceName, labels: { ...context.labels } },
      spec: {
        scaleTargetRef: { ...context.workload },
        minReplicas: context.replicas,
        maxReplicas: this.maxReplicas,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: this.cpuUtilization } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: this.memoryUtilization } } },
        ],
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
          scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] },
        },
      },
    };
    return [autoscaler];
  }
}

/**
 * DEX's egress rules: DNS, HTTPS to public addresses only, and PostgreSQL, Redis and the
 * OpenTelemetry collector (Jaeger) in the namespace. ferry's own NetworkPolicy restricts ingress;
 * policies add up, so this one restricts egress alongside it.
 */
export class DexEgressPolicy implements ServiceAddon {
  public readonly id = 'egress';
  public readonly placement = AddonPlacement.base();

  public manifests(context: AddonContext): AddonManifest[] {
    const toPods = (app: string, port: number) => ({ to: [{ podSelector: { matchLabels: { app } } }], ports: [{ protocol: 'TCP' as const, port }] });
    const policy: INetworkPolicy & AddonManifest = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${context.serviceName}-egress`, labels: { ...context.labels } },
      spec: {
        podSelector: { matchLabels: { ...context.selector } },
        policyTypes: ['Egress'],
        egress: [
          { to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
          { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 443 }] },
          toPods('postgres', 5432),
          toPods('redis', 6379),
          toPods('jaeger', 4317),
        ],
      },
    };
    return [policy];
  }
}

export const platform = new Platform({
  name: 'dex',
  repoURL: 'https://github.com/data-literate/DEX.git',
  registry: 'ghcr.io/data-literate',
  services: [
    {
      name: 'dex',
      port: 8000,
      servicePort: 8000,
      healthPath: '/health',
      readinessPath: '/ready',
      startupPath: '/startup',
      host: 'api.thedataenginex.org',
      addons: [new CpuMemoryAutoscaler({ maxReplicas: 10 }), new DexEgressPolicy()],
    },
  ],
  // The original's ApplicationSet syncs every environment automatically with self-heal; prod rolls out like the others.
  environments: [
    Environment.of('dev', Profiles.development({ cluster: 'main', namespace: 'dex-dev', tagFormats: [TagFormat.SHA] })),
    Environment.of('stage', Profiles.staging({ cluster: 'main', namespace: 'dex-stage', tagFormats: [TagFormat.SHA] })),
    Environment.of(
      'prod',
      Profiles.production({
        cluster: 'main',
        namespace: 'dex-prod',
        tagFormats: [TagFormat.SHA],
        approvers: ['@data-literate/maintainers'],
        syncPolicy: SyncPolicy.automated(),
        strategy: RolloutStrategy.rollingUpdate(),
      }),
    ),
  ],
  previews: { owner: 'data-literate', repo: 'DEX', label: 'preview', cluster: 'main' },
  // The original's NetworkPolicy admits the ingress controller and Prometheus (monitoring).
  allowedIngressNamespaces: ['ingress-nginx', 'monitoring'],
});

import { Construct } from 'constructs';
import type { IRollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import type { IRolloutAnalysis } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/RolloutAnalysis';
import type { ICanaryStep } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/CanaryStep';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IService } from 'kubernetes-models/v1/Service';
import { analysisTemplateName } from './analysis-template.js';
import { typedObject } from './model-object.js';
import type { Analysis } from '../model/analysis.js';
import type { RolloutStrategy } from '../model/rollout-strategy.js';

/** Props of {@link ProgressiveRollout}. */
export interface ProgressiveRolloutProps {
  /** Name of the Rollout, the Deployment it takes its pod template from, and the active (stable) Service. */
  readonly name: string;
  /** A blue-green or canary strategy. */
  readonly strategy: RolloutStrategy;
  readonly replicas: number;
  /** Pod selector, the same as the Deployment's. */
  readonly selector: Readonly<Record<string, string>>;
  /**
   * Labels of the objects.
   * @default - the selector
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** Port of the Service and container port it targets (for the preview and canary Services). */
  readonly servicePort: number;
  readonly targetPort: number;
  /**
   * Old ReplicaSets kept for rollbacks.
   * @default 5
   */
  readonly revisionHistoryLimit?: number;
  /**
   * The service's Ingress (to the active Service) in the same overlay, which nginx canary routing
   * copies into a canary Ingress. Required by `TrafficRouting.nginx()`.
   * @default - none: the service has no host
   */
  readonly stableIngress?: string;
  /**
   * Host of the preview Ingress where the blue-green strategy asks for one (`previewIngress`).
   * @default - no preview Ingress: the service has no host
   */
  readonly previewHost?: string;
  /**
   * Ingress class of the preview Ingress.
   * @default 'nginx'
   */
  readonly ingressClassName?: string;
}

/**
 * An Argo Rollout that takes its pod template from the base Deployment (`workloadRef`), so the
 * base stays one pod spec for every environment and kustomize's image tag applies to it.
 * The overlay scales that Deployment to zero; the Rollout owns the pods.
 *
 * Blue-green adds the preview Service (and, if asked, its Ingress); analyses measure the preview
 * before the switch and the active Service after it. Canary adds the canary Service `<name>-canary`
 * beside the stable Service `<name>`: Argo points each at its own pods, nginx shifts the weight
 * between them, and every analysis measures the canary Service, never the mixed one.
 * Analyses use the AnalysisTemplates `<name>-<analysis name>`; a failure aborts (rolls back).
 */
export class ProgressiveRollout extends Construct {
  /** Name of the preview Service (blue-green only). */
  public readonly previewServiceName: string | undefined;
  /** Name of the canary Service (canary only). */
  public readonly canaryServiceName: string | undefined;

  public constructor(scope: Construct, id: string, props: ProgressiveRolloutProps) {
    super(scope, id);
    if (!props.strategy.progressive) {
      throw new Error(`${this.node.path}: 'strategy' is '${props.strategy.kind}'; a Rollout needs blue-green or canary`);
    }
    if (!Number.isInteger(props.replicas) || props.replicas < 1) {
      throw new Error(`${this.node.path}: 'replicas' must be a whole number >= 1, got ${props.replicas}`);
    }
    const labels = { ...(props.labels ?? props.selector) };
    // The preview or canary Service: the same pods and ports as the active Service; Argo narrows its selector to one version.
    const service = (id: string, name: string) =>
      typedObject<IService>(this, id, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, labels },
        spec: {
          type: 'ClusterIP',
          selector: { ...props.selector },
          ports: [{ name: 'http', port: props.servicePort, targetPort: props.targetPort, protocol: 'TCP' }],
        },
      });
    // Argo's preferred anti-affinity keeps the two versions' pods on different nodes where it can.
    const antiAffinity = { antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 100 } } };

    let strategy: NonNullable<IRollout['spec']>['strategy'];
    if (props.strategy.kind === 'blue-green') {
      const bg = props.strategy.blueGreen;
      const analysis = (analyses: readonly Analysis[], serviceName: string) => this.analysis(props.name, analyses, serviceName, bg.analysisArgs);
      this.previewServiceName = `${props.name}-preview`;
      if (bg.previewReplicaCount !== undefined && bg.previewReplicaCount > props.replicas) {
        throw new Error(`${this.node.path}: blue-green 'previewReplicaCount' ${bg.previewReplicaCount} exceeds 'replicas' ${props.replicas}`);
      }
      strategy = {
        blueGreen: {
          activeService: props.name,
          previewService: this.previewServiceName,
          autoPromotionEnabled: bg.autoPromotionEnabled,
          ...(bg.autoPromotionSeconds !== undefined ? { autoPromotionSeconds: bg.autoPromotionSeconds } : {}),
          scaleDownDelaySeconds: bg.scaleDownDelaySeconds,
          ...(bg.previewReplicaCount !== undefined ? { previewReplicaCount: bg.previewReplicaCount } : {}),
          ...(bg.antiAffinity ? antiAffinity : {}),
          ...(bg.prePromotionAnalysis ? { prePromotionAnalysis: analysis(bg.prePromotionAnalyses, this.previewServiceName) } : {}),
          ...(bg.postPromotionAnalysis ? { postPromotionAnalysis: analysis(bg.postPromotionAnalyses, props.name) } : {}),
        },
      };
      service('PreviewService', this.previewServiceName);
      if (bg.previewIngress && props.previewHost !== undefined) {
        typedObject<IIngress>(this, 'PreviewIngress', {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: this.previewServiceName, labels },
          spec: {
            ingressClassName: props.ingressClassName ?? 'nginx',
            rules: [
              {
                host: props.previewHost,
                http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: this.previewServiceName, port: { number: props.servicePort } } } }] },
              },
            ],
          },
        });
      }
    } else {
      const canary = props.strategy.canary;
      const canaryServiceName = `${props.name}-canary`;
      this.canaryServiceName = canaryServiceName;
      const analysis = (analyses: readonly Analysis[]) => this.analysis(props.name, analyses, canaryServiceName, canary.analysisArgs);
      let trafficRouting: NonNullable<NonNullable<typeof strategy>['canary']>['trafficRouting'];
      if (canary.trafficRouting.kind === 'nginx') {
        if (props.stableIngress === undefined) {
          throw new Error(
            `${this.node.path}: canary 'trafficRouting' is nginx, which routes through the service's Ingress, but 'stableIngress' is not set (the service has no host); give the service a host or use TrafficRouting.replicaRatio()`,
          );
        }
        const annotationPrefix = canary.trafficRouting.annotationPrefix;
        trafficRouting = { nginx: { stableIngress: props.stableIngress, ...(annotationPrefix !== 'nginx.ingress.kubernetes.io' ? { annotationPrefix } : {}) } };
      }
      const steps = canary.steps.map((step): ICanaryStep => {
        if ('setWeight' in step) return { setWeight: step.setWeight };
        if ('pause' in step) return { pause: step.pause.duration ? { duration: step.pause.duration } : {} };
        if ('setCanaryScale' in step) return { setCanaryScale: { ...step.setCanaryScale } };
        return { analysis: analysis(step.analysis === true ? canary.analysis : step.analysis) };
      });
      const background = canary.backgroundAnalysis;
      strategy = {
        canary: {
          canaryService: canaryServiceName,
          stableService: props.name,
          ...(trafficRouting ? { trafficRouting } : {}),
          maxSurge: canary.maxSurge,
          maxUnavailable: canary.maxUnavailable,
          ...(canary.dynamicStableScale ? { dynamicStableScale: true } : {}),
          ...(canary.antiAffinity ? antiAffinity : {}),
          ...(background ? { analysis: { ...analysis(background.analysis), startingStep: background.startingStep } } : {}),
          steps,
        },
      };
      service('CanaryService', canaryServiceName);
    }

    typedObject<IRollout>(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: props.name, labels },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: props.revisionHistoryLimit ?? 5,
        selector: { matchLabels: { ...props.selector } },
        workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.name, scaleDown: 'never' },
        strategy,
      },
    });
  }

  /**
   * The templates of `analyses` measuring `serviceName`, with the built-in arguments and the
   * environment's values of the arguments these templates read (the others keep their defaults).
   */
  private analysis(rolloutName: string, analyses: readonly Analysis[], serviceName: string, analysisArgs: Readonly<Record<string, string>>): IRolloutAnalysis {
    const read = [...new Set(analyses.flatMap((a) => a.args))].sort().filter((name) => analysisArgs[name] !== undefined);
    return {
      templates: analyses.map((a) => ({ templateName: analysisTemplateName(rolloutName, a) })),
      args: [
        { name: 'service-name', value: serviceName },
        { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        ...read.map((name) => ({ name, value: analysisArgs[name]! })),
      ],
    };
  }
}

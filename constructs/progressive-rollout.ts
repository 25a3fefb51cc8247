import { Construct } from 'constructs';
import type { IRollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import type { IService } from 'kubernetes-models/v1/Service';
import { typedObject } from './model-object.js';
import type { RolloutStrategy } from '../model/rollout-strategy.js';

/** Props of {@link ProgressiveRollout}. */
export interface ProgressiveRolloutProps {
  /** Name of the Rollout, the Deployment it takes its pod template from, and the active Service. */
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
  /** AnalysisTemplate the strategy runs where it analyses. */
  readonly analysisTemplate: string;
  /** Port of the Service and container port it targets (for the preview Service). */
  readonly servicePort: number;
  readonly targetPort: number;
  /**
   * Old ReplicaSets kept for rollbacks.
   * @default 5
   */
  readonly revisionHistoryLimit?: number;
}

/**
 * An Argo Rollout that takes its pod template from the base Deployment (`workloadRef`), so the
 * base stays one pod spec for every environment and kustomize's image tag applies to it.
 * The overlay scales that Deployment to zero; the Rollout owns the pods. Blue-green adds the
 * preview Service; both strategies run the health-check analysis and abort (roll back) on failure.
 */
export class ProgressiveRollout extends Construct {
  /** Name of the preview Service (blue-green only). */
  public readonly previewServiceName: string | undefined;

  public constructor(scope: Construct, id: string, props: ProgressiveRolloutProps) {
    super(scope, id);
    if (!props.strategy.progressive) {
      throw new Error(`${this.node.path}: 'strategy' is '${props.strategy.kind}'; a Rollout needs blue-green or canary`);
    }
    if (!Number.isInteger(props.replicas) || props.replicas < 1) {
      throw new Error(`${this.node.path}: 'replicas' must be a whole number >= 1, got ${props.replicas}`);
    }
    const labels = { ...(props.labels ?? props.selector) };
    const analysis = (serviceName: string) => ({
      templates: [{ templateName: props.analysisTemplate }],
      args: [
        { name: 'service-name', value: serviceName },
        { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ],
    });

    let strategy: NonNullable<IRollout['spec']>['strategy'];
    if (props.strategy.kind === 'blue-green') {
      const bg = props.strategy.blueGreen;
      this.previewServiceName = `${props.name}-preview`;
      if (bg.previewReplicaCount !== undefined && bg.previewReplicaCount > props.replicas) {
        throw new Error(`${this.node.path}: blue-green 'previewReplicaCount' ${bg.previewReplicaCount} exceeds 'replicas' ${props.replicas}`);
      }
      strategy = {
        blueGreen: {
          activeService: props.name,
          previewService: this.previewServiceName,
          autoPromotionEnabled: bg.autoPromotionEnabled,
          scaleDownDelaySeconds: bg.scaleDownDelaySeconds,
          ...(bg.previewReplicaCount !== undefined ? { previewReplicaCount: bg.previewReplicaCount } : {}),
          ...(bg.prePromotionAnalysis ? { prePromotionAnalysis: analysis(this.previewServiceName) } : {}),
          ...(bg.postPromotionAnalysis ? { postPromotionAnalysis: analysis(props.name) } : {}),
        },
      };
      typedObject<IService>(this, 'PreviewService', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: this.previewServiceName, labels },
        spec: {
          type: 'ClusterIP',
          selector: { ...props.selector },
          ports: [{ name: 'http', port: props.servicePort, targetPort: props.targetPort, protocol: 'TCP' }],
        },
      });
    } else {
      const canary = props.strategy.canary;
      strategy = {
        canary: {
          maxSurge: canary.maxSurge,
          maxUnavailable: 0,
          steps: canary.steps.map((step) => {
            if ('setWeight' in step) return { setWeight: step.setWeight };
            if ('pause' in step) return { pause: step.pause.duration ? { duration: step.pause.duration } : {} };
            return { analysis: analysis(props.name) };
          }),
        },
      };
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
}

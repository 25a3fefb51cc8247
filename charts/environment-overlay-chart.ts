import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { HealthCheckAnalysis } from '../constructs/health-check-analysis.js';
import { ProgressiveRollout } from '../constructs/progressive-rollout.js';
import type { RolloutStrategy } from '../model/rollout-strategy.js';
import { SERVICE_PORT } from '../constructs/service-base.js';
import type { Platform } from '../model/platform.js';
import type { ResolvedService } from '../model/resolve.js';

/** Props of {@link EnvironmentOverlayChart}. */
export interface EnvironmentOverlayChartProps {
  readonly platform: Platform;
  readonly resolved: ResolvedService;
  readonly strategy: RolloutStrategy;
}

/**
 * The objects an overlay adds to its base where the environment rolls out progressively:
 * the Rollout (with the preview Service for blue-green) and the health-check AnalysisTemplate.
 * Empty for rolling updates: the overlay's kustomization.yaml alone configures the base.
 */
export class EnvironmentOverlayChart extends Chart {
  public constructor(scope: Construct, id: string, props: EnvironmentOverlayChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    if (!props.strategy.progressive) return;
    const service = props.resolved.service;
    const selector = { 'app.kubernetes.io/name': service.name };
    const labels = { ...selector, 'app.kubernetes.io/part-of': props.platform.name };
    const analysis = props.strategy.usesAnalysis
      ? new HealthCheckAnalysis(this, 'HealthCheck', {
          name: `${service.name}-health-check`,
          path: service.healthPath,
          labels,
          jsonPath: service.healthResponse.jsonPath,
          successCondition: service.healthResponse.successCondition,
        })
      : undefined;
    new ProgressiveRollout(this, 'Rollout', {
      name: service.name,
      strategy: props.strategy,
      replicas: props.resolved.replicas,
      selector,
      labels,
      analysisTemplate: analysis?.name ?? `${service.name}-health-check`,
      servicePort: SERVICE_PORT,
      targetPort: service.port,
    });
  }
}

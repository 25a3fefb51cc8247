import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { HealthCheckAnalysis } from '../constructs/health-check-analysis.js';
import { ProgressiveRollout } from '../constructs/progressive-rollout.js';
import { ServiceAddons } from '../constructs/service-addons.js';
import type { RolloutStrategy } from '../model/rollout-strategy.js';
import type { Environment, Platform } from '../model/platform.js';
import type { ResolvedService } from '../model/resolve.js';

/** Props of {@link EnvironmentOverlayChart}. */
export interface EnvironmentOverlayChartProps {
  readonly platform: Platform;
  readonly resolved: ResolvedService;
  readonly strategy: RolloutStrategy;
  /**
   * The environment, whose add-ons (and the service's add-ons placed in it) the overlay carries.
   * @default - no add-ons
   */
  readonly environment?: Environment;
}

/**
 * The objects an overlay adds to its base where the environment rolls out progressively:
 * the Rollout (with the preview Service for blue-green) and the health-check AnalysisTemplate.
 * For rolling updates the overlay's kustomization.yaml alone configures the base. Either way it
 * carries the add-ons of the environment and the service's add-ons placed in it.
 */
export class EnvironmentOverlayChart extends Chart {
  public constructor(scope: Construct, id: string, props: EnvironmentOverlayChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const service = props.resolved.service;
    const selector = { 'app.kubernetes.io/name': service.name };
    const labels = { ...selector, 'app.kubernetes.io/part-of': props.platform.name };
    const env = props.environment;
    const addons = env ? [...env.addons, ...service.addons.filter((a) => a.placement.appliesTo(env.name))] : [];
    if (env && addons.length > 0) {
      new ServiceAddons(this, 'addons', {
        addons,
        serviceName: service.name,
        labels,
        selector,
        environment: env.name,
        replicas: props.resolved.replicas,
        progressive: props.strategy.progressive,
      });
    }
    if (!props.strategy.progressive) return;
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
      servicePort: service.servicePort,
      targetPort: service.port,
    });
  }
}

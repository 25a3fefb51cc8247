import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { AnalysisTemplate, analysisTemplateName } from '../constructs/analysis-template.js';
import { ProgressiveRollout } from '../constructs/progressive-rollout.js';
import { ServiceAddons } from '../constructs/service-addons.js';
import { overlayAddons } from '../model/replica-ownership.js';
import type { RolloutStrategy } from '../model/rollout-strategy.js';
import type { Environment, Platform } from '../model/platform.js';
import type { ResolvedService } from '../model/resolve.js';

/** Props of {@link EnvironmentOverlayChart}. */
export interface EnvironmentOverlayChartProps {
  readonly platform: Platform;
  readonly resolved: ResolvedService;
  readonly strategy: RolloutStrategy;
  /**
   * Host the service answers on in this environment (`<hostPrefix><host>`).
   * @default - the service's host; none without one
   */
  readonly host?: string;
  /**
   * The environment, whose add-ons (and the service's add-ons placed in it) the overlay carries.
   * @default - no add-ons
   */
  readonly environment?: Environment;
}

/**
 * The objects an overlay adds to its base where the environment rolls out progressively:
 * the Rollout (with the preview or canary Service, and a preview Ingress if asked) and one
 * AnalysisTemplate per analysis the strategy runs; for rolling updates the overlay's
 * kustomization.yaml alone configures the base. Either way it carries the add-ons of the
 * environment and the service's add-ons placed in it.
 */
export class EnvironmentOverlayChart extends Chart {
  public constructor(scope: Construct, id: string, props: EnvironmentOverlayChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const service = props.resolved.service;
    const selector = { 'app.kubernetes.io/name': service.name };
    const labels = { ...selector, 'app.kubernetes.io/part-of': props.platform.name };
    const env = props.environment;
    const addons = env ? overlayAddons(service, env) : [];
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
    for (const analysis of props.strategy.analyses) {
      new AnalysisTemplate(this, `Analysis-${analysis.name}`, {
        name: analysisTemplateName(service.name, analysis),
        analysis,
        healthPath: service.healthPath,
        healthResponse: service.healthResponse,
        prometheusAddress: props.platform.prometheusAddress,
        labels,
      });
    }
    const host = props.host ?? service.host;
    new ProgressiveRollout(this, 'Rollout', {
      name: service.name,
      strategy: props.strategy,
      replicas: props.resolved.replicas,
      selector,
      labels,
      servicePort: service.servicePort,
      targetPort: service.port,
      // The base's Ingress (named after the service) is in every overlay of a service with a host.
      stableIngress: service.host !== undefined ? service.name : undefined,
      previewHost: host !== undefined ? `preview.${host}` : undefined,
      ingressClassName: props.platform.ingressClassName,
    });
  }
}

/**
 * What a built overlay's Rollouts name must be in that overlay: Argo Rollouts only finds the
 * Services, Ingress and AnalysisTemplates of its own namespace, and a canary analysis must measure
 * the canary's own Service, not the stable one that mixes both versions.
 */
type Obj = Record<string, any>;

/** One Rollout reference that does not hold. */
export interface RolloutReferenceProblem {
  /** `Rollout/namespace/name`. */
  readonly object: string;
  readonly message: string;
}

/** Problems of every Rollout among `objects` (one overlay's kustomize output). */
export function rolloutReferenceProblems(objects: readonly Obj[]): RolloutReferenceProblem[] {
  const problems: RolloutReferenceProblem[] = [];
  const names = (kind: string) => new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata?.name));
  const services = names('Service');
  const ingresses = names('Ingress');
  const templates = names('AnalysisTemplate');
  for (const rollout of objects.filter((o) => o.kind === 'Rollout')) {
    const id = ['Rollout', rollout.metadata?.namespace, rollout.metadata?.name].filter(Boolean).join('/');
    const add = (message: string) => problems.push({ object: id, message });
    const needService = (key: string, name: unknown) => {
      if (name !== undefined && !services.has(name)) add(`${key} '${String(name)}' names no Service of the overlay`);
    };
    const checkAnalysis = (key: string, analysis: Obj | undefined, measured: unknown) => {
      if (!analysis) return;
      for (const ref of analysis.templates ?? []) {
        if (!templates.has(ref.templateName)) add(`${key} template '${ref.templateName}' names no AnalysisTemplate of the overlay`);
      }
      const arg = (analysis.args ?? []).find((a: Obj) => a.name === 'service-name');
      if (measured !== undefined && arg !== undefined && arg.value !== measured) {
        add(`${key} measures '${String(arg.value)}', not '${String(measured)}'`);
      }
    };
    const blueGreen = rollout.spec?.strategy?.blueGreen;
    if (blueGreen) {
      needService('blueGreen.activeService', blueGreen.activeService);
      needService('blueGreen.previewService', blueGreen.previewService);
      checkAnalysis('blueGreen.prePromotionAnalysis', blueGreen.prePromotionAnalysis, blueGreen.previewService);
      checkAnalysis('blueGreen.postPromotionAnalysis', blueGreen.postPromotionAnalysis, blueGreen.activeService);
    }
    const canary = rollout.spec?.strategy?.canary;
    if (canary) {
      needService('canary.canaryService', canary.canaryService);
      needService('canary.stableService', canary.stableService);
      const stableIngress = canary.trafficRouting?.nginx?.stableIngress;
      if (stableIngress !== undefined && !ingresses.has(stableIngress)) add(`canary.trafficRouting.nginx.stableIngress '${String(stableIngress)}' names no Ingress of the overlay`);
      checkAnalysis('canary.analysis', canary.analysis, canary.canaryService);
      (canary.steps ?? []).forEach((step: Obj, i: number) => checkAnalysis(`canary.steps[${i}].analysis`, step?.analysis, canary.canaryService));
    }
  }
  return problems;
}

import type { Construct } from 'constructs';
import { HelmApplication } from '../constructs/helm-application.js';
import type { ResourceKind } from '../constructs/app-project.js';
import type { Environment, Platform, ServiceDefinition } from '../model/platform.js';

/** Environment → chart service → the chart version it installs there. */
export type ChartVersions = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** `manifests/helm/<env>/<service>/values.yaml`, relative to the repository root. */
export function helmValuesFile(helmPath: string, env: string, service: string): string {
  return `${helmPath}/${env}/${service}/values.yaml`;
}

/** The platform's chart services, by name. */
export function chartServices(platform: Platform): ServiceDefinition[] {
  return platform.services.filter((s) => s.chart !== undefined);
}

/** Chart repositories (Argo CD repoURLs) an AppProject must admit, in service order, each once. */
export function chartRepositories(platform: Platform): string[] {
  return [...new Set(chartServices(platform).map((s) => s.chart!.argoRepoURL))];
}

/** Kinds the chart services' templates create, beyond `kinds`, each once. */
export function withChartKinds(platform: Platform, kinds: readonly ResourceKind[]): ResourceKind[] {
  const out = [...kinds];
  for (const kind of chartServices(platform).flatMap((s) => s.chart!.kinds)) {
    if (!out.some((k) => k.group === kind.group && k.kind === kind.kind)) out.push({ group: kind.group, kind: kind.kind });
  }
  return out;
}

/** One HelmApplication `<service>-<env>` per chart service and environment. */
export function addHelmApplications(scope: Construct, props: { platform: Platform; environments: readonly Environment[]; project: string; helmPath: string; chartVersions: ChartVersions }): void {
  const { platform } = props;
  for (const env of props.environments) {
    for (const service of chartServices(platform)) {
      const version = props.chartVersions[env.name]?.[service.name];
      if (version === undefined) throw new Error(`${scope.node.path}: no chart version of '${service.name}' for environment '${env.name}' (<project>:charts.${service.name}.version of Pulumi.${env.name}.yaml)`);
      new HelmApplication(scope, `Helm-${service.name}-${env.name}`, {
        name: `${service.name}-${env.name}`,
        argocdNamespace: platform.argocdNamespace,
        project: props.project,
        chartRepoURL: service.chart!.argoRepoURL,
        chart: service.chart!.name,
        chartVersion: version,
        releaseName: service.name,
        valuesRepoURL: platform.repoURL,
        valuesRevision: platform.targetRevision,
        valuesFile: helmValuesFile(props.helmPath, env.name, service.name),
        namespace: env.namespace,
        syncPolicy: env.syncPolicy,
        labels: { 'ferry.dev/service': service.name, 'ferry.dev/environment': env.name },
      });
    }
  }
}

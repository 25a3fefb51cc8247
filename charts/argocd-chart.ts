import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { PlatformAppProject, type ResourceKind } from '../constructs/app-project.js';
import { EnvironmentApplicationSet } from '../constructs/environment-application-set.js';
import { NotificationsConfig } from '../constructs/notifications-config.js';
import { PreviewApplicationSet, PULL_REQUEST_HEAD_REVISION } from '../constructs/preview-application-set.js';
import type { Platform } from '../model/platform.js';
import { addHelmApplications, chartRepositories, withChartKinds, type ChartVersions } from './helm-applications.js';

/** Props of {@link ArgoCdChart}. */
export interface ArgoCdChartProps {
  readonly platform: Platform;
  /** The cluster whose Argo CD applies this chart. */
  readonly cluster: string;
  /** Repository path of the overlays, e.g. 'manifests/overlays'. */
  readonly overlaysPath: string;
  /** Namespaced kinds rendered for this cluster (bases and its environments' overlays): what its AppProject admits. */
  readonly namespacedKinds: readonly ResourceKind[];
  /**
   * Repository path of the chart services' values files, `<helmPath>/<env>/<service>/values.yaml`.
   * @default 'manifests/helm'
   */
  readonly helmPath?: string;
  /**
   * Environment → chart service → chart version: one Helm Application per chart service and
   * environment of the cluster. Required when the platform has chart services.
   * @default {}
   */
  readonly chartVersions?: ChartVersions;
}

/**
 * `manifests/argocd/<cluster>/`: what one cluster's Argo CD needs: the platform's AppProject, the
 * ApplicationSet of the environments on that cluster and, on the preview cluster, the pull-request
 * ApplicationSets: one for the platform repository (`preview-<n>`: the pull request's own manifests
 * at its head commit) and one per service with a `sourceRepository` (`preview-<service>-<n>`: the
 * pull request's image of that service, the first environment's images of the others).
 */
export class ArgoCdChart extends Chart {
  public constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { platform, cluster } = props;
    const environments = platform.environments.filter((e) => e.cluster === cluster);
    const previews = platform.previews?.cluster === cluster ? platform.previews : undefined;
    const namespaces = environments.map((e) => e.namespace);
    if (previews) namespaces.push('preview-*');

    const project = new PlatformAppProject(this, 'Project', {
      name: platform.name,
      argocdNamespace: platform.argocdNamespace,
      sourceRepo: platform.repoURL,
      chartRepos: chartRepositories(platform),
      destinationNamespaces: namespaces,
      // What is rendered for the cluster, and the kinds the chart services declare (ferry never templates a chart).
      namespacedKinds: withChartKinds(platform, props.namespacedKinds),
      description: `${platform.name} on cluster ${cluster}: ${environments.map((e) => e.name).join(', ')}${previews ? ', previews' : ''}`,
    });

    // Chart services get their own Applications; the kustomize ApplicationSet lists the others.
    const kustomizeServices = platform.services.filter((s) => s.chart === undefined);
    if (environments.length > 0 && kustomizeServices.length > 0) {
      new EnvironmentApplicationSet(this, 'Environments', {
        name: `${platform.name}-environments`,
        argocdNamespace: platform.argocdNamespace,
        project: project.name,
        repoURL: platform.repoURL,
        targetRevision: platform.targetRevision,
        overlaysPath: props.overlaysPath,
        services: kustomizeServices.map((s) => s.name),
        environments: environments.map((e) => ({ name: e.name, namespace: e.namespace, syncPolicy: e.syncPolicy })),
        annotations: platform.notifications ? NotificationsConfig.subscriptions(platform.notifications.slack) : undefined,
      });
      if (platform.notifications) {
        new NotificationsConfig(this, 'Notifications', {
          argocdNamespace: platform.argocdNamespace,
          github: platform.notifications.github,
          slack: platform.notifications.slack,
          images: Object.fromEntries(platform.services.map((s) => [s.name, platform.imageOf(s)])),
        });
      }
    }
    addHelmApplications(this, { platform, environments, project: project.name, helmPath: props.helmPath ?? 'manifests/helm', chartVersions: props.chartVersions ?? {} });
    if (previews) {
      // The first service's preview overlay holds the Namespace (see render); its Application owns it.
      const services = kustomizeServices.map((s, i) => ({ name: s.name, image: platform.imageOf(s), host: s.host, ownsNamespace: i === 0 }));
      const common = {
        argocdNamespace: platform.argocdNamespace,
        project: project.name,
        repoURL: platform.repoURL,
        overlayPath: `${props.overlaysPath}/preview`,
        services,
        label: previews.label,
        tokenSecret: previews.tokenSecret,
      };
      new PreviewApplicationSet(this, 'Previews', {
        ...common,
        name: `${platform.name}-previews`,
        // A platform pull request previews its own manifests.
        targetRevision: PULL_REQUEST_HEAD_REVISION,
        owner: previews.owner,
        repo: previews.repo,
      });
      for (const service of kustomizeServices) {
        if (service.sourceRepository === undefined) continue;
        const [owner, repo] = service.sourceRepository.split('/') as [string, string];
        new PreviewApplicationSet(this, `Previews-${service.name}`, {
          ...common,
          name: `${platform.name}-previews-${service.name}`,
          targetRevision: platform.targetRevision,
          owner,
          repo,
          build: { service: service.name, previewImage: platform.previewImageOf(service) },
        });
      }
    }
  }
}

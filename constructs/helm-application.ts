import { Construct } from 'constructs';
import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { typedObject } from './model-object.js';
import { SYNC_RETRY } from './environment-application-set.js';
import type { SyncPolicy } from '../model/sync-policy.js';

/** The `ref` of the platform repository's source: value files are `$values/<path>`. */
export const VALUES_SOURCE_REF = 'values';

/** Props of {@link HelmApplication}. */
export interface HelmApplicationProps {
  /** Application name: `<service>-<env>`, like the ApplicationSet's. */
  readonly name: string;
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** AppProject the Application belongs to; it must admit `chartRepoURL` as a source. */
  readonly project: string;
  /** Argo CD repoURL of the chart: an https Helm repository, or an OCI registry path without scheme. */
  readonly chartRepoURL: string;
  /** Chart name in that repository. */
  readonly chart: string;
  /** The pinned chart version. */
  readonly chartVersion: string;
  /**
   * Helm release name.
   * @default - the chart name
   */
  readonly releaseName?: string;
  /** Git repository holding the values file (the platform repository). */
  readonly valuesRepoURL: string;
  /** Branch Argo CD reads the values file from. */
  readonly valuesRevision: string;
  /** Repository-relative path of the values file, e.g. 'manifests/helm/dev/redis/values.yaml'. */
  readonly valuesFile: string;
  /** Namespace the chart is installed into. */
  readonly namespace: string;
  /** The environment's sync policy: automated (prune, self-heal) or manual. */
  readonly syncPolicy: SyncPolicy;
  /**
   * Labels of the Application (ferry.dev/service, ferry.dev/environment).
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Cluster API server the Application deploys to.
   * @default 'https://kubernetes.default.svc'
   */
  readonly server?: string;
}

/**
 * An Argo CD Application installing a Helm chart with a values file from the platform repository:
 * two sources, the chart (repository, name, pinned version) and the platform repository as
 * `ref: values`, so `valueFiles` reads `$values/<path>` (Argo CD "Helm value files from external
 * Git repository"). Argo CD templates the chart; ferry never runs helm. Sync options, retries and
 * the per-environment sync policy are the ApplicationSet's.
 */
export class HelmApplication extends Construct {
  public constructor(scope: Construct, id: string, props: HelmApplicationProps) {
    super(scope, id);
    if (props.valuesFile.startsWith('/') || props.valuesFile.split('/').includes('..') || !props.valuesFile.endsWith('.yaml')) {
      throw new Error(`${this.node.path}: 'valuesFile' '${props.valuesFile}' must be a repository-relative path to a .yaml file, without '..'`);
    }
    if (props.chartRepoURL.includes('*') || props.chartRepoURL === props.valuesRepoURL) {
      throw new Error(`${this.node.path}: 'chartRepoURL' '${props.chartRepoURL}' must be the chart's own repository, an exact URL`);
    }
    if (props.chartVersion === '' || /[*^~<>=|\s]/.test(props.chartVersion)) {
      throw new Error(`${this.node.path}: 'chartVersion' '${props.chartVersion}' must be one pinned version, not a range`);
    }
    const policy = props.syncPolicy;
    typedObject<IApplication>(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: props.name, namespace: props.argocdNamespace, labels: { ...(props.labels ?? {}) } },
      spec: {
        project: props.project,
        sources: [
          {
            repoURL: props.chartRepoURL,
            chart: props.chart,
            targetRevision: props.chartVersion,
            helm: { releaseName: props.releaseName ?? props.chart, valueFiles: [`$${VALUES_SOURCE_REF}/${props.valuesFile}`] },
          },
          { repoURL: props.valuesRepoURL, targetRevision: props.valuesRevision, ref: VALUES_SOURCE_REF },
        ],
        destination: { server: props.server ?? 'https://kubernetes.default.svc', namespace: props.namespace },
        syncPolicy: {
          ...(policy.automated ? { automated: { prune: policy.prune, selfHeal: policy.selfHeal } } : {}),
          syncOptions: ['CreateNamespace=true', 'PruneLast=true'],
          retry: SYNC_RETRY,
        },
        revisionHistoryLimit: 10,
      },
    });
  }
}

import { Construct } from 'constructs';
import type { IApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { typedObject } from './model-object.js';
import type { SyncPolicy } from '../model/sync-policy.js';

/** One environment as the ApplicationSet sees it. */
export interface ApplicationSetEnvironment {
  readonly name: string;
  readonly namespace: string;
  readonly syncPolicy: SyncPolicy;
}

/** Props of {@link EnvironmentApplicationSet}. */
export interface EnvironmentApplicationSetProps {
  readonly name: string;
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** AppProject every Application belongs to. */
  readonly project: string;
  readonly repoURL: string;
  readonly targetRevision: string;
  /** Folder of the overlays in the repository: `<overlaysPath>/<env>/<service>`. */
  readonly overlaysPath: string;
  /** Service names. */
  readonly services: readonly string[];
  /** Environments in promotion order. */
  readonly environments: readonly ApplicationSetEnvironment[];
  /**
   * Cluster API server the Applications deploy to.
   * @default 'https://kubernetes.default.svc'
   */
  readonly server?: string;
  /**
   * Annotations of every Application (e.g. Argo CD Notifications subscriptions).
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Sync retries: an Application that fails to sync tries again with back-off before it reports. */
export const SYNC_RETRY = { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } } as const;

/**
 * Turns environments × services into Applications `<service>-<env>`, one per service and
 * environment (independent sync, health, history and rollback). Sync policy is per environment:
 * the template is manual, and a Go-template patch adds `automated` where the environment has it.
 */
export class EnvironmentApplicationSet extends Construct {
  public constructor(scope: Construct, id: string, props: EnvironmentApplicationSetProps) {
    super(scope, id);
    if (props.environments.length === 0) throw new Error(`${this.node.path}: 'environments' must not be empty`);
    if (props.services.length === 0) throw new Error(`${this.node.path}: 'services' must not be empty`);
    typedObject<IApplicationSet>(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: props.name, namespace: props.argocdNamespace },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [
          {
            matrix: {
              generators: [
                {
                  list: {
                    elements: props.environments.map((env) => ({
                      env: env.name,
                      namespace: env.namespace,
                      automated: String(env.syncPolicy.automated),
                      prune: String(env.syncPolicy.prune),
                      selfHeal: String(env.syncPolicy.selfHeal),
                    })),
                  },
                },
                { list: { elements: props.services.map((service) => ({ service })) } },
              ],
            },
          },
        ],
        // Deleting the ApplicationSet (or dropping an environment) must never delete running workloads.
        syncPolicy: { preserveResourcesOnDeletion: true },
        template: {
          metadata: {
            name: '{{.service}}-{{.env}}',
            labels: { 'ferry.dev/service': '{{.service}}', 'ferry.dev/environment': '{{.env}}' },
            ...(props.annotations && Object.keys(props.annotations).length > 0 ? { annotations: { ...props.annotations } } : {}),
          },
          spec: {
            project: props.project,
            source: {
              repoURL: props.repoURL,
              targetRevision: props.targetRevision,
              path: `${props.overlaysPath}/{{.env}}/{{.service}}`,
            },
            destination: { server: props.server ?? 'https://kubernetes.default.svc', namespace: '{{.namespace}}' },
            syncPolicy: {
              syncOptions: ['CreateNamespace=true', 'PruneLast=true'],
              retry: SYNC_RETRY,
            },
            revisionHistoryLimit: 10,
          },
        },
        templatePatch: [
          '{{- if eq .automated "true" }}',
          'spec:',
          '  syncPolicy:',
          '    automated:',
          '      prune: {{ .prune }}',
          '      selfHeal: {{ .selfHeal }}',
          '{{- end }}',
          '',
        ].join('\n'),
      },
    });
  }
}

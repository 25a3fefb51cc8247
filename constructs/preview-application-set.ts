import { Construct } from 'constructs';
import type { IApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { SYNC_RETRY } from './environment-application-set.js';
import { typedObject } from './model-object.js';

/** A service as a preview Application sees it. */
export interface PreviewService {
  readonly name: string;
  /** Image name without tag; previews run `<image>:pr-<number>-<head sha>`. */
  readonly image: string;
  /** Public host of the service, if any; previews answer on `preview-<number>.<host>`. */
  readonly host?: string;
}

/** Props of {@link PreviewApplicationSet}. */
export interface PreviewApplicationSetProps {
  readonly name: string;
  readonly argocdNamespace: string;
  readonly project: string;
  readonly repoURL: string;
  readonly targetRevision: string;
  /** Folder of the preview overlays: `<overlayPath>/<service>`. */
  readonly overlayPath: string;
  readonly services: readonly PreviewService[];
  /** GitHub owner and repository whose pull requests get previews. */
  readonly owner: string;
  readonly repo: string;
  /** Only pull requests carrying this label get a preview. */
  readonly label: string;
  /** Secret in Argo CD's namespace with the GitHub token under key 'token'. */
  readonly tokenSecret: string;
  /**
   * Seconds between polls of GitHub; a closed pull request's preview is deleted within this time.
   * @default 300
   */
  readonly requeueAfterSeconds?: number;
}

/** Namespace of a preview, as a Go template over the pull-request generator's parameters. */
export const PREVIEW_NAMESPACE_TEMPLATE = 'preview-{{.number}}';

/**
 * Ephemeral `preview-<pr>` environments: one Application per service for each labelled pull
 * request, running the image tag `pr-<number>-<head sha>`, pruned and deleted when the pull
 * request closes (the finalizer deletes its resources).
 */
export class PreviewApplicationSet extends Construct {
  public constructor(scope: Construct, id: string, props: PreviewApplicationSetProps) {
    super(scope, id);
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
                  pullRequest: {
                    github: {
                      owner: props.owner,
                      repo: props.repo,
                      labels: [props.label],
                      tokenRef: { secretName: props.tokenSecret, key: 'token' },
                    },
                    requeueAfterSeconds: props.requeueAfterSeconds ?? 300,
                  },
                },
                {
                  list: {
                    elements: props.services.map((s) => ({ service: s.name, image: s.image, host: s.host ?? '' })),
                  },
                },
              ],
            },
          },
        ],
        template: {
          metadata: {
            name: '{{.service}}-preview-{{.number}}',
            labels: { 'ferry.dev/service': '{{.service}}', 'ferry.dev/environment': 'preview', 'ferry.dev/pull-request': '{{.number}}' },
            finalizers: ['resources-finalizer.argocd.argoproj.io'],
          },
          spec: {
            project: props.project,
            source: {
              repoURL: props.repoURL,
              targetRevision: props.targetRevision,
              path: `${props.overlayPath}/{{.service}}`,
              kustomize: { images: ['{{.image}}:pr-{{.number}}-{{.head_short_sha}}'] },
            },
            destination: { server: 'https://kubernetes.default.svc', namespace: PREVIEW_NAMESPACE_TEMPLATE },
            syncPolicy: {
              automated: { prune: true, selfHeal: true },
              syncOptions: ['CreateNamespace=true'],
              retry: SYNC_RETRY,
            },
            revisionHistoryLimit: 3,
          },
        },
        // Services with a host answer on preview-<number>.<host>.
        templatePatch: [
          '{{- if ne .host "" }}',
          'spec:',
          '  source:',
          '    kustomize:',
          '      patches:',
          '        - target: { kind: Ingress, name: "{{.service}}" }',
          '          patch: |-',
          '            - op: replace',
          '              path: /spec/rules/0/host',
          '              value: preview-{{.number}}.{{.host}}',
          '{{- end }}',
          '',
        ].join('\n'),
      },
    });
  }
}

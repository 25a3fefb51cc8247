import { Construct } from 'constructs';
import type { IApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { SYNC_RETRY } from './environment-application-set.js';
import { typedObject } from './model-object.js';

/** A service as a preview Application sees it. */
export interface PreviewService {
  readonly name: string;
  /** Image name without tag, as the preview overlay sets it (the first environment's tag). */
  readonly image: string;
  /** Public host of the service, if any; previews answer on `<namespace>.<host>`. */
  readonly host?: string;
  /**
   * The service's preview overlay holds the preview's Namespace object (named
   * {@link PREVIEW_NAMESPACE_PLACEHOLDER}); its Application renames it to the preview namespace and
   * so owns it: Argo CD deletes the namespace with that Application. Exactly one service owns it.
   */
  readonly ownsNamespace?: boolean;
}

/** The service a pull request builds: its Application runs `<previewImage>:pr-<number>-<head sha8>`. */
export interface PreviewBuild {
  readonly service: string;
  /** Image name without tag of the pull-request builds (the `<repository>-preview` registry repository). */
  readonly previewImage: string;
}

/** Props of {@link PreviewApplicationSet}. */
export interface PreviewApplicationSetProps {
  readonly name: string;
  readonly argocdNamespace: string;
  readonly project: string;
  readonly repoURL: string;
  /**
   * Revision of `repoURL` the Applications read: a branch, or {@link PULL_REQUEST_HEAD_REVISION}
   * for pull requests of the platform repository itself (they preview their own manifests).
   */
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
   * The service the watched repository builds; it runs the pull request's image, the others what
   * their preview overlay sets.
   * @default - none: every service runs what its preview overlay sets (platform pull requests)
   */
  readonly build?: PreviewBuild;
  /**
   * Seconds between polls of GitHub; a closed pull request's preview is deleted within this time.
   * @default 300
   */
  readonly requeueAfterSeconds?: number;
}

/** Name of the Namespace object in the namespace owner's preview overlay, before Argo CD renames it. */
export const PREVIEW_NAMESPACE_PLACEHOLDER = 'preview';
/** Namespace of a platform pull request's preview, as a Go template over the pull-request generator's parameters. */
export const PREVIEW_NAMESPACE_TEMPLATE = 'preview-{{.number}}';
/** Tag of a pull-request build, as a Go template: `pr-<number>-<first 8 hex of the head commit>` (what `ferry tag --pull-request` prints). */
export const PREVIEW_TAG_TEMPLATE = 'pr-{{.number}}-{{.head_short_sha}}';
/** targetRevision of previews of the platform repository's own pull requests: their head commit. */
export const PULL_REQUEST_HEAD_REVISION = '{{.head_sha}}';
/** Label of an application-repository preview ApplicationSet: the service its pull requests build. */
export const PREVIEW_SERVICE_LABEL = 'ferry.dev/preview-service';

/** Namespace of a preview of `service`'s application pull requests, as a Go template. */
export function servicePreviewNamespaceTemplate(service: string): string {
  return `preview-${service}-{{.number}}`;
}

/** A JSON 6902 patch of an Argo CD kustomize source, as YAML lines at `indent`. */
function patchLines(kind: string, name: string, path: string, value: string, indent: string): string[] {
  return [
    `${indent}- target: { kind: ${kind}, name: "${name}" }`,
    `${indent}  patch: |-`,
    `${indent}    - op: replace`,
    `${indent}      path: ${path}`,
    `${indent}      value: ${value}`,
  ];
}

/**
 * Ephemeral previews of one GitHub repository's labelled pull requests: one Application per
 * service for each, in one namespace per pull request, pruned and deleted when the pull request
 * closes or loses the label (the resources finalizer deletes their objects, the namespace owner's
 * Application the Namespace).
 */
export class PreviewApplicationSet extends Construct {
  public constructor(scope: Construct, id: string, props: PreviewApplicationSetProps) {
    super(scope, id);
    if (props.services.length === 0) throw new Error(`${this.node.path}: 'services' must not be empty`);
    const owners = props.services.filter((s) => s.ownsNamespace);
    if (owners.length > 1) throw new Error(`${this.node.path}: services ${owners.map((s) => `'${s.name}'`).join(', ')} all own the namespace; one may`);
    if (props.build && !props.services.some((s) => s.name === props.build!.service)) {
      throw new Error(`${this.node.path}: 'build.service' '${props.build.service}' is not one of the services`);
    }
    const namespace = props.build ? servicePreviewNamespaceTemplate(props.build.service) : PREVIEW_NAMESPACE_TEMPLATE;
    const patch = servicePatches(props, namespace);
    typedObject<IApplicationSet>(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: {
        name: props.name,
        namespace: props.argocdNamespace,
        ...(props.build ? { labels: { [PREVIEW_SERVICE_LABEL]: props.build.service } } : {}),
      },
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
                { list: { elements: props.services.map((s) => ({ service: s.name })) } },
              ],
            },
          },
        ],
        template: {
          metadata: {
            name: `{{.service}}-${namespace}`,
            labels: { 'ferry.dev/service': '{{.service}}', 'ferry.dev/environment': 'preview', 'ferry.dev/pull-request': '{{.number}}' },
            finalizers: ['resources-finalizer.argocd.argoproj.io'],
          },
          spec: {
            project: props.project,
            source: {
              repoURL: props.repoURL,
              targetRevision: props.targetRevision,
              path: `${props.overlayPath}/{{.service}}`,
            },
            destination: { server: 'https://kubernetes.default.svc', namespace },
            syncPolicy: {
              automated: { prune: true, selfHeal: true },
              // Other services' Applications may sync before the namespace owner's.
              syncOptions: ['CreateNamespace=true'],
              retry: SYNC_RETRY,
            },
            revisionHistoryLimit: 3,
          },
        },
        // What differs per service: the pull request's image, the host, the namespace it owns.
        ...(patch ? { templatePatch: patch } : {}),
      },
    });
  }
}

/** One `{{- if eq .service "<name>" }}` block per service with kustomize options. */
function servicePatches(props: PreviewApplicationSetProps, namespace: string): string {
  const lines: string[] = [];
  for (const s of props.services) {
    const images = props.build && props.build.service === s.name ? [`"${s.image}=${props.build.previewImage}:${PREVIEW_TAG_TEMPLATE}"`] : [];
    const patches: string[] = [];
    if (s.host) patches.push(...patchLines('Ingress', s.name, '/spec/rules/0/host', `${namespace}.${s.host}`, '        '));
    if (s.ownsNamespace) patches.push(...patchLines('Namespace', PREVIEW_NAMESPACE_PLACEHOLDER, '/metadata/name', namespace, '        '));
    if (images.length === 0 && patches.length === 0) continue;
    lines.push(`{{- if eq .service "${s.name}" }}`, 'spec:', '  source:', '    kustomize:');
    if (images.length > 0) lines.push('      images:', ...images.map((i) => `        - ${i}`));
    if (patches.length > 0) lines.push('      patches:', ...patches);
    lines.push('{{- end }}');
  }
  return lines.length === 0 ? '' : [...lines, ''].join('\n');
}

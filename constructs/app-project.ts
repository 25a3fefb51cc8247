import { ApiObject } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import type { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { typedObject } from './model-object.js';

/** A Kubernetes kind an AppProject allows. */
export interface ResourceKind {
  readonly group: string;
  readonly kind: string;
}

/** Kinds that live outside namespaces; only Namespace is admitted (clusterResourceWhitelist). */
const CLUSTER_SCOPED_KINDS = new Set(['Namespace']);

/**
 * The namespaced kinds of every object rendered under `scopes` (sorted by group, then kind): an
 * AppProject admits exactly what the platform renders for its cluster, and a kind an add-on
 * brings appears only where it is rendered. `generated`: kinds kustomize generates there (a
 * service's config ConfigMap), which no construct holds.
 */
export function namespacedKindsOf(scopes: readonly IConstruct[], generated: readonly ResourceKind[] = []): ResourceKind[] {
  const kinds = new Map<string, ResourceKind>(generated.map((k) => [`${k.group}/${k.kind}`, k]));
  for (const scope of scopes) {
    for (const node of scope.node.findAll()) {
      if (!(node instanceof ApiObject) || CLUSTER_SCOPED_KINDS.has(node.kind)) continue;
      const group = node.apiVersion.includes('/') ? node.apiVersion.split('/')[0]! : '';
      kinds.set(`${group}/${node.kind}`, { group, kind: node.kind });
    }
  }
  return [...kinds.values()].sort((a, b) => (a.group === b.group ? compare(a.kind, b.kind) : compare(a.group, b.group)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Props of {@link PlatformAppProject}. */
export interface PlatformAppProjectProps {
  /** Project name; never 'default', which allows everything. */
  readonly name: string;
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** The only git repository Applications may come from. */
  readonly sourceRepo: string;
  /**
   * Helm chart repositories Applications may also install charts from (exact URLs).
   * @default []
   */
  readonly chartRepos?: readonly string[];
  /** Namespaces (glob patterns allowed, e.g. 'preview-*') Applications may deploy to. */
  readonly destinationNamespaces: readonly string[];
  /**
   * Cluster API server of the destinations.
   * @default 'https://kubernetes.default.svc'
   */
  readonly server?: string;
  /** Namespaced kinds Applications may create: what is rendered for the cluster ({@link namespacedKindsOf}). */
  readonly namespacedKinds: readonly ResourceKind[];
  /**
   * Description shown in Argo CD.
   * @default - none
   */
  readonly description?: string;
}

/**
 * The AppProject of a platform: exact source repository, exact destination namespaces, and no
 * cluster-scoped kind but Namespace (for CreateNamespace=true).
 */
export class PlatformAppProject extends Construct {
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: PlatformAppProjectProps) {
    super(scope, id);
    if (props.name === 'default') {
      throw new Error(`${this.node.path}: 'name' must not be 'default': Argo CD's default project allows every repository and destination`);
    }
    if (props.sourceRepo.includes('*')) {
      throw new Error(`${this.node.path}: 'sourceRepo' '${props.sourceRepo}' must be an exact repository URL, not a pattern`);
    }
    const chartRepos = props.chartRepos ?? [];
    for (const repo of chartRepos) {
      if (repo.includes('*')) throw new Error(`${this.node.path}: 'chartRepos' '${repo}' must be an exact repository URL, not a pattern`);
    }
    if (props.destinationNamespaces.length === 0) {
      throw new Error(`${this.node.path}: 'destinationNamespaces' must not be empty`);
    }
    for (const ns of props.destinationNamespaces) {
      if (ns === '*' || ns === 'kube-system' || ns === props.argocdNamespace) {
        throw new Error(`${this.node.path}: 'destinationNamespaces' must not include '${ns}'`);
      }
    }
    this.name = props.name;
    const server = props.server ?? 'https://kubernetes.default.svc';
    typedObject<IAppProject>(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: props.name, namespace: props.argocdNamespace },
      spec: {
        ...(props.description ? { description: props.description } : {}),
        sourceRepos: [props.sourceRepo, ...[...new Set(chartRepos)].filter((r) => r !== props.sourceRepo)],
        destinations: props.destinationNamespaces.map((namespace) => ({ server, namespace })),
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        namespaceResourceWhitelist: props.namespacedKinds.map((k) => ({ group: k.group, kind: k.kind })),
        orphanedResources: { warn: true },
      },
    });
  }
}

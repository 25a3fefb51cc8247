/**
 * Validates rendered objects against the real OpenAPI schemas of Kubernetes and the Argo CRDs
 * (kubernetes-models, @kubernetes-models/argo-cd, @kubernetes-models/argo-rollouts). Loaded
 * lazily: rendering itself never pays for the schemas.
 */

type ModelClass = new (data: unknown) => { validate(): void };

const GROUP_MODULES: Readonly<Record<string, () => Promise<Record<string, unknown>>>> = {
  v1: () => import('kubernetes-models/v1'),
  'apps/v1': () => import('kubernetes-models/apps/v1'),
  'batch/v1': () => import('kubernetes-models/batch/v1'),
  'policy/v1': () => import('kubernetes-models/policy/v1'),
  'networking.k8s.io/v1': () => import('kubernetes-models/networking.k8s.io/v1'),
  'rbac.authorization.k8s.io/v1': () => import('kubernetes-models/rbac.authorization.k8s.io/v1'),
  'autoscaling/v2': () => import('kubernetes-models/autoscaling/v2'),
};

const ARGO_KINDS: Readonly<Record<string, () => Promise<Record<string, unknown>>>> = {
  Rollout: () => import('@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout'),
  AnalysisTemplate: () => import('@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate'),
  ClusterAnalysisTemplate: () => import('@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/ClusterAnalysisTemplate'),
  Application: () => import('@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application'),
  ApplicationSet: () => import('@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet'),
  AppProject: () => import('@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject'),
};

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const load = apiVersion === 'argoproj.io/v1alpha1' ? ARGO_KINDS[kind] : GROUP_MODULES[apiVersion];
  if (!load) return undefined;
  const module = await load();
  return module[kind] as ModelClass | undefined;
}

/** One object that failed validation. */
export interface SchemaViolation {
  /** `Kind/namespace/name` or `Kind/name`. */
  readonly object: string;
  readonly message: string;
}

/** Validates each object; an apiVersion/kind without a known schema is itself a violation. */
export async function validateObjects(objects: readonly unknown[]): Promise<SchemaViolation[]> {
  const violations: SchemaViolation[] = [];
  for (const object of objects) {
    const o = object as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
    const id = [o.kind, o.metadata?.namespace, o.metadata?.name].filter(Boolean).join('/');
    const Model = o.apiVersion && o.kind ? await modelClass(o.apiVersion, o.kind) : undefined;
    if (!Model) {
      violations.push({ object: id, message: `no schema known for apiVersion '${o.apiVersion}' kind '${o.kind}'` });
      continue;
    }
    try {
      new Model(object).validate();
    } catch (e) {
      violations.push({ object: id, message: (e as Error).message });
    }
  }
  return violations;
}

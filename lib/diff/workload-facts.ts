import type { ManifestObject } from './object-diff.js';

/** What a reviewer wants to know about one Application's workload, read from its built objects. */
export interface WorkloadFacts {
  /** Container name → image reference, of every pod template. */
  readonly images: Readonly<Record<string, string>>;
  /**
   * Replicas of the Rollout when there is one, else of the Deployment/StatefulSet; undefined when a
   * HorizontalPodAutoscaler sets them (see `autoscaling`), whatever the workload says.
   */
  readonly replicas: number | undefined;
  /** The bounds of the HorizontalPodAutoscaler that scales the workload, when one does. */
  readonly autoscaling?: { readonly minReplicas: number; readonly maxReplicas: number };
  /** "rolling-update", "recreate", "blue-green (manual promotion)", "canary (5 steps)". */
  readonly strategy: string | undefined;
}

const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Rollout']);

type Spec = Record<string, any>;

function podSpec(object: ManifestObject): Spec | undefined {
  const spec = (object as Spec).spec as Spec | undefined;
  if (object.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec;
  return POD_TEMPLATE_KINDS.has(object.kind ?? '') ? spec?.template?.spec : undefined;
}

/** Reads images, replicas and strategy from an Application's objects; undefined fields when absent. */
export function workloadFacts(objects: readonly ManifestObject[]): WorkloadFacts {
  const images: Record<string, string> = {};
  for (const object of [...objects].sort((a, b) => (a.kind === 'Rollout' ? -1 : b.kind === 'Rollout' ? 1 : 0))) {
    const pod = podSpec(object);
    for (const list of [pod?.initContainers, pod?.containers]) {
      if (!Array.isArray(list)) continue;
      for (const c of list as Spec[]) {
        if (typeof c.name === 'string' && typeof c.image === 'string' && !(c.name in images)) images[c.name] = c.image;
      }
    }
  }
  const rollout = objects.find((o) => o.kind === 'Rollout') as Spec | undefined;
  const workload = (rollout ?? objects.find((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) as Spec | undefined;
  const strategy = strategyOf(rollout, objects.find((o) => o.kind === 'Deployment') as Spec | undefined);
  // An autoscaled workload has no replica count of git's (ferry's overlays leave it out): the bounds say what runs.
  const autoscaler = workload && objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && scales(o as Spec, workload)) as Spec | undefined;
  if (autoscaler) {
    const minReplicas = typeof autoscaler.spec?.minReplicas === 'number' ? (autoscaler.spec.minReplicas as number) : 1;
    return { images, replicas: undefined, autoscaling: { minReplicas, maxReplicas: autoscaler.spec?.maxReplicas as number }, strategy };
  }
  const replicas = typeof workload?.spec?.replicas === 'number' ? (workload.spec.replicas as number) : workload ? 1 : undefined;
  return { images, replicas, strategy };
}

/** Whether the HorizontalPodAutoscaler `hpa` targets `workload` (its kind and name, in its namespace). */
function scales(hpa: Spec, workload: Spec): boolean {
  const target = hpa.spec?.scaleTargetRef as Spec | undefined;
  return target?.kind === workload.kind && target?.name === workload.metadata?.name && (hpa.metadata?.namespace ?? workload.metadata?.namespace) === workload.metadata?.namespace;
}

/** The replicas as a reviewer reads them: `3`, or `autoscaled 2-10`; undefined without a workload. */
export function replicasText(facts: WorkloadFacts | undefined): string | undefined {
  if (facts?.autoscaling) return `autoscaled ${facts.autoscaling.minReplicas}-${facts.autoscaling.maxReplicas}`;
  return facts?.replicas === undefined ? undefined : String(facts.replicas);
}

function strategyOf(rollout: Spec | undefined, deployment: Spec | undefined): string | undefined {
  const strategy = rollout?.spec?.strategy as Spec | undefined;
  if (strategy?.blueGreen) return `blue-green (${strategy.blueGreen.autoPromotionEnabled ? 'auto' : 'manual'} promotion)`;
  if (strategy?.canary) return `canary (${Array.isArray(strategy.canary.steps) ? strategy.canary.steps.length : 0} steps)`;
  if (rollout) return 'rollout';
  if (!deployment) return undefined;
  return deployment.spec?.strategy?.type === 'Recreate' ? 'recreate' : 'rolling-update';
}

/**
 * The tag (and short digest) of an image reference: `registry/api:v1.2.3` → `v1.2.3`,
 * `registry/api:v1@sha256:…` → `v1@sha256:<12 hex>`; '' when it has neither.
 */
export function imageVersion(reference: string): string {
  const at = reference.indexOf('@');
  if (at >= 0) {
    const digest = reference.slice(at + 1, at + 1 + 19);
    const tag = imageVersion(reference.slice(0, at));
    return tag === '' ? digest : `${tag}@${digest}`;
  }
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > slash ? reference.slice(colon + 1) : '';
}

/** The reference without its tag and digest. */
export function imageName(reference: string): string {
  const withoutDigest = reference.split('@')[0]!;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

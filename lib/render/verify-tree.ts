import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { KustomizeRunner, type KustomizeRunnerProps } from '../kustomize/kustomize-runner.js';
import { MANIFESTS_DIR, PREVIEW_ENVIRONMENT } from './render.js';
import { validateObjects } from './schema-validation.js';
import { listFiles } from './tree.js';

/** One problem found in the rendered tree. */
export interface TreeProblem {
  /** Overlay folder or file. */
  readonly where: string;
  /** `Kind/namespace/name`. */
  readonly object: string;
  readonly message: string;
}

type Obj = Record<string, any>;

/** Pod specs of the workload kinds the platform renders. */
function podSpecs(o: Obj): Obj[] {
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind)) return [o.spec?.template?.spec].filter(Boolean);
  if (o.kind === 'Rollout' && o.spec?.template) return [o.spec.template.spec].filter(Boolean);
  return [];
}

/**
 * Secure-default rules every built object must keep, whatever a platform engineer changed in the
 * constructs: explicit immutable tags, non-root, read-only root, no privilege escalation, probes
 * and limits, and no mounted service-account token.
 */
export function secureDefaultProblems(objects: readonly Obj[], where: string, options: { readonly tagsSetByArgo?: boolean } = {}): TreeProblem[] {
  const problems: TreeProblem[] = [];
  for (const o of objects) {
    const id = [o.kind, o.metadata?.namespace, o.metadata?.name].filter(Boolean).join('/');
    const add = (message: string) => problems.push({ where, object: id, message });
    for (const pod of podSpecs(o)) {
      if (pod.automountServiceAccountToken !== false) add('automountServiceAccountToken must be false');
      for (const c of pod.containers ?? []) {
        const name = `container '${c.name}'`;
        const image = String(c.image ?? '');
        const tag = /^[^@]+:([^/:@]+)$/.exec(image)?.[1];
        if (!image.includes('@') && tag === undefined && !options.tagsSetByArgo) add(`${name}: image '${image}' has no tag (an implicit latest)`);
        if (tag === 'latest') add(`${name}: image '${image}' uses the mutable tag 'latest'`);
        const sc = c.securityContext ?? {};
        if (sc.runAsNonRoot !== true) add(`${name}: securityContext.runAsNonRoot must be true`);
        if (sc.readOnlyRootFilesystem !== true) add(`${name}: securityContext.readOnlyRootFilesystem must be true`);
        if (sc.allowPrivilegeEscalation !== false) add(`${name}: securityContext.allowPrivilegeEscalation must be false`);
        if (!(sc.capabilities?.drop ?? []).includes('ALL')) add(`${name}: securityContext.capabilities.drop must include ALL`);
        if (!c.readinessProbe) add(`${name}: readinessProbe is missing`);
        if (!c.livenessProbe) add(`${name}: livenessProbe is missing`);
        if (!c.resources?.limits?.cpu || !c.resources?.limits?.memory) add(`${name}: resources.limits.cpu and .memory are required`);
        if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) add(`${name}: resources.requests.cpu and .memory are required`);
      }
    }
  }
  return problems;
}

/** Overlay folders of the rendered tree, `manifests/overlays/<env>/<service>`. */
export function overlayFolders(root: string): string[] {
  const dirs = new Set(
    listFiles(root, `${MANIFESTS_DIR}/overlays`)
      .filter((p) => p.endsWith('/kustomization.yaml'))
      .map((p) => p.slice(0, -'/kustomization.yaml'.length)),
  );
  return [...dirs].sort();
}

/** Options of {@link verifyRenderedTree}. */
export interface VerifyTreeOptions {
  /**
   * How kustomize runs.
   * @default - `kubectl kustomize`, batches of 50 overlays of one environment, one process per CPU, no remote resources
   */
  readonly kustomize?: KustomizeRunnerProps;
}

/**
 * Builds every overlay with the real `kubectl kustomize` and checks every object it yields, and
 * every Argo CD object, against the Kubernetes and Argo CRD schemas and the secure defaults.
 */
export async function verifyRenderedTree(root: string, options: VerifyTreeOptions = {}): Promise<{ overlays: number; objects: number; problems: TreeProblem[] }> {
  const overlays = overlayFolders(root);
  // Overlays of one environment share kustomize processes; different environments may yield the same cluster-wide objects.
  const byEnvironment = new Map<string, string[]>();
  for (const dir of overlays) {
    const env = dir.split('/')[2]!;
    byEnvironment.set(env, [...(byEnvironment.get(env) ?? []), dir]);
  }
  const built = await new KustomizeRunner(options.kustomize).buildFolders(root, [...byEnvironment.values()]);
  const problems: TreeProblem[] = [];
  let count = 0;
  for (const dir of overlays) {
    const objects = built.get(dir)!;
    count += objects.length;
    for (const v of await validateObjects(objects)) problems.push({ where: dir, ...v });
    problems.push(...secureDefaultProblems(objects, dir, { tagsSetByArgo: dir.split('/')[2] === PREVIEW_ENVIRONMENT }));
  }
  for (const file of listFiles(root, `${MANIFESTS_DIR}/argocd`)) {
    const objects = YAML.parseAllDocuments(readFileSync(join(root, file), 'utf8')).map((d) => d.toJSON());
    count += objects.length;
    for (const v of await validateObjects(objects)) problems.push({ where: file, ...v });
  }
  return { overlays: overlays.length, objects: count, problems };
}

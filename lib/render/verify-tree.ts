import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { KustomizeRunner, type KustomizeRunnerProps } from '../kustomize/kustomize-runner.js';
import { KustomizeBuildCache } from '../kustomize/build-cache.js';
import { PREVIEW_ENVIRONMENT } from './render.js';
import { MANIFESTS_DIR } from '../../model/repository-layout.js';
import { validateObjects } from './schema-validation.js';
import { isDnsLabel, isDnsSubdomain, isGitRef, isHostName, isImageTag, isLabelKey, isLabelValue, RULES } from '../../model/names.js';
import { listFiles } from './tree.js';
import { helmValuesProblems } from './verify-helm.js';
import { HELM_DIR } from './helm-values.js';
import { rolloutReferenceProblems } from './rollout-references.js';

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
  if (o.kind === 'CronJob') return [o.spec?.jobTemplate?.spec?.template?.spec].filter(Boolean);
  if (o.kind === 'Rollout' && o.spec?.template) return [o.spec.template.spec].filter(Boolean);
  if (o.kind === 'AnalysisTemplate') return analysisJobPodSpecs(o);
  return [];
}

/** Pod specs of an AnalysisTemplate's Job metrics: they run once to completion, so they have no probes. */
function analysisJobPodSpecs(o: Obj): Obj[] {
  return (o.kind === 'AnalysisTemplate' ? (o.spec?.metrics ?? []) : []).map((m: Obj) => m?.provider?.job?.spec?.template?.spec).filter(Boolean);
}

/** Kinds whose pods run to completion: probes make no sense there. */
const RUN_TO_COMPLETION_KINDS = new Set(['Job', 'CronJob']);

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
    const oneShot = analysisJobPodSpecs(o);
    for (const pod of podSpecs(o)) {
      if (pod.automountServiceAccountToken !== false) add('automountServiceAccountToken must be false');
      // Init containers (sidecars among them) keep the same rules, but probes belong to long-running containers.
      const containers = [...(pod.containers ?? []).map((c: Obj) => ({ c, probed: !RUN_TO_COMPLETION_KINDS.has(o.kind) })), ...(pod.initContainers ?? []).map((c: Obj) => ({ c, probed: c.restartPolicy === 'Always' }))];
      for (const { c, probed } of containers) {
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
        if (probed && !oneShot.includes(pod) && !c.readinessProbe) add(`${name}: readinessProbe is missing`);
        if (probed && !oneShot.includes(pod) && !c.livenessProbe) add(`${name}: livenessProbe is missing`);
        if (!c.resources?.limits?.cpu || !c.resources?.limits?.memory) add(`${name}: resources.limits.cpu and .memory are required`);
        if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) add(`${name}: resources.requests.cpu and .memory are required`);
      }
    }
  }
  return problems;
}

/** Kinds whose names must be DNS labels (RFC 1035: they become DNS names); others are DNS-1123 subdomains. */
const LABEL_NAMED_KINDS = new Set(['Service', 'Namespace']);

/** Values a template fills in later (Argo CD ApplicationSet go templates); checked once filled, by Argo CD. */
const templated = (value: unknown) => typeof value === 'string' && value.includes('{{');

/**
 * The names, namespaces, label keys and values, hosts, image tags, repository URLs and revisions
 * of rendered objects, by the rules the cluster (and Argo CD, git, the registry) apply
 * (model/names.ts): a value the cluster would refuse is found here, not at sync time.
 */
export function nameProblems(objects: readonly Obj[], where: string): TreeProblem[] {
  const problems: TreeProblem[] = [];
  for (const o of objects) {
    if (!o || typeof o !== 'object') continue;
    const id = [o.kind, o.metadata?.namespace, o.metadata?.name].filter(Boolean).join('/');
    const add = (message: string) => problems.push({ where, object: id, message });
    const name = o.metadata?.name;
    if (LABEL_NAMED_KINDS.has(o.kind) ? !isDnsLabel(name) : !isDnsSubdomain(name)) {
      add(`metadata.name ${JSON.stringify(name)} is refused by the cluster; rule: ${LABEL_NAMED_KINDS.has(o.kind) ? RULES.dns1123Label(63) : RULES.dns1123Subdomain}`);
    }
    const namespace = o.metadata?.namespace;
    if (namespace !== undefined && !isDnsLabel(namespace)) add(`metadata.namespace ${JSON.stringify(namespace)} is refused by the cluster; rule: ${RULES.dns1123Label(63)}`);
    // Every label map: metadata.labels, selectors, pod template labels, namespace selectors.
    const stack: { node: unknown; path: string }[] = [{ node: o, path: '' }];
    while (stack.length > 0) {
      const { node, path } = stack.pop()!;
      if (Array.isArray(node)) node.forEach((item, i) => stack.push({ node: item, path: `${path}[${i}]` }));
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          const at = path ? `${path}.${key}` : key;
          if ((key === 'labels' || key === 'matchLabels') && value && typeof value === 'object' && !Array.isArray(value)) {
            for (const [k, v] of Object.entries(value)) {
              if (templated(k) || templated(v)) continue;
              if (!isLabelKey(k)) add(`${at}: label key ${JSON.stringify(k)} is refused by the cluster; rule: an optional DNS-1123 subdomain prefix and '/', then at most 63 characters of letters, digits, '-', '_', '.'`);
              if (!isLabelValue(v)) add(`${at}.${k}: label value ${JSON.stringify(v)} is refused by the cluster; rule: ${RULES.labelValue}`);
            }
          } else stack.push({ node: value, path: at });
        }
      }
    }
    if (o.kind === 'Ingress') {
      const hosts = [...(o.spec?.rules ?? []).map((r: Obj) => r?.host), ...(o.spec?.tls ?? []).flatMap((t: Obj) => t?.hosts ?? [])];
      for (const host of hosts) if (host !== undefined && !isHostName(host)) add(`host ${JSON.stringify(host)} is refused by the cluster; rule: ${RULES.host}`);
    }
    for (const pod of podSpecs(o)) {
      for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
        const tag = /^[^@]+:([^/:@]+)$/.exec(String(c?.image ?? ''))?.[1];
        if (tag !== undefined && !isImageTag(tag)) add(`container '${c.name}': image tag ${JSON.stringify(tag)} is refused by the registry; rule: ${RULES.imageTag}`);
      }
    }
    if (o.kind === 'Application' || o.kind === 'ApplicationSet') {
      const spec = o.kind === 'Application' ? o.spec : o.spec?.template?.spec;
      for (const source of [spec?.source, ...(spec?.sources ?? [])].filter(Boolean)) {
        const url = String(source.repoURL ?? '');
        if (/^[a-z]+:\/\/[^/@]*:[^/@]*@/.test(url) || /^https:\/\/[^/]*@/.test(url)) add(`source.repoURL ${JSON.stringify(url)} holds credentials, committed in git; rule: ${RULES.gitUrl}`);
        else if (/^[a-z]+:\/\/-/.test(url) || /[\s'"`$;&|<>\\]/.test(url)) add(`source.repoURL ${JSON.stringify(url)} is refused; rule: ${RULES.gitUrl}`);
        if (source.targetRevision !== undefined && !templated(source.targetRevision) && !isGitRef(source.targetRevision)) {
          add(`source.targetRevision ${JSON.stringify(source.targetRevision)} is refused; rule: ${RULES.gitRef}`);
        }
      }
      const ns = spec?.destination?.namespace;
      if (ns !== undefined && !templated(ns) && !isDnsLabel(ns)) add(`destination.namespace ${JSON.stringify(ns)} is refused by the cluster; rule: ${RULES.dns1123Label(63)}`);
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
  /**
   * Keep each built overlay in the repository's git directory and reuse it while its inputs are
   * unchanged (`KustomizeBuildCache`); a cache given in `kustomize.cache` wins.
   * @default true - inside a git work tree; outside one there is no cache
   */
  readonly buildCache?: boolean;
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
  const cache = options.kustomize?.cache ?? ((options.buildCache ?? true) ? KustomizeBuildCache.forRepository(root) : undefined);
  const built = await new KustomizeRunner({ ...options.kustomize, cache }).buildFolders(root, [...byEnvironment.values()]);
  const problems: TreeProblem[] = [];
  let count = 0;
  for (const dir of overlays) {
    const objects = built.get(dir)!;
    count += objects.length;
    for (const v of await validateObjects(objects)) problems.push({ where: dir, ...v });
    problems.push(...secureDefaultProblems(objects, dir, { tagsSetByArgo: dir.split('/')[2] === PREVIEW_ENVIRONMENT }));
    problems.push(...nameProblems(objects, dir));
    problems.push(...rolloutReferenceProblems(objects).map((p) => ({ where: dir, ...p })));
  }
  const argocdObjects: { file: string; object: Obj }[] = [];
  for (const file of listFiles(root, `${MANIFESTS_DIR}/argocd`)) {
    const objects = YAML.parseAllDocuments(readFileSync(join(root, file), 'utf8')).map((d) => d.toJSON());
    argocdObjects.push(...objects.map((object: Obj) => ({ file, object })));
    count += objects.length;
    for (const v of await validateObjects(objects)) problems.push({ where: file, ...v });
    problems.push(...nameProblems(objects, file));
  }
  const inTree = new Set(listFiles(root, MANIFESTS_DIR));
  problems.push(...helmValuesProblems(argocdObjects, (path) => (inTree.has(path) ? readFileSync(join(root, path), 'utf8') : undefined), listFiles(root, HELM_DIR)));
  // Every folder of the tree is a name the engine chose; one it would refuse was written by hand.
  for (const file of listFiles(root, MANIFESTS_DIR)) {
    for (const segment of file.split('/').slice(1, -1)) {
      if (!isDnsLabel(segment)) problems.push({ where: file, object: '-', message: `folder ${JSON.stringify(segment)} is not a name ferry renders; rule: ${RULES.pathSegment}` });
    }
  }
  return { overlays: overlays.length, objects: count, problems };
}

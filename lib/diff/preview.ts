import { posix } from 'node:path';
import YAML from 'yaml';
import { isCommitId } from '../git/commit-id.js';
import { MANIFESTS_DIR } from '../../model/repository-layout.js';
import { parseObjects } from '../kustomize/parse-objects.js';
import type { ManifestObject } from './object-diff.js';
import { goTemplate, UnavailableValue, type TemplateParams, type TemplateValue } from './go-template.js';

export { goTemplate, GoTemplateError, type TemplateParams, type TemplateValue } from './go-template.js';

/** A pull request whose preview to show. */
export interface PreviewRequest {
  /** Pull-request number. */
  readonly number: number;
  /** Full or short head commit id of the pull request; previews run `pr-<n>-<first 8 hex>`. */
  readonly headSha: string;
  /** Head branch: `branch`, `branch_slug`. @default '' */
  readonly branch?: string;
  /** Base branch: `target_branch`, `target_branch_slug`. @default '' */
  readonly targetBranch?: string;
  /** @default '' */
  readonly title?: string;
  /** @default '' */
  readonly author?: string;
  /** The pull request's labels: `labels`. @default [] */
  readonly labels?: readonly string[];
  /**
   * A pull request of this service's application repository (`sourceRepository`): its preview
   * `preview-<service>-<n>`. @default - a pull request of the platform repository: `preview-<n>`
   */
  readonly service?: string;
}

/** One Application the preview ApplicationSet would create, and the kustomization that builds it. */
export interface PreviewApplication {
  /** Application name, e.g. `api-preview-12`. */
  readonly name: string;
  readonly service: string;
  /** Destination namespace, e.g. `preview-12`. */
  readonly namespace: string;
  /** Repository-relative folder of the generated kustomization (under `.ferry-preview/`). */
  readonly dir: string;
  /** Files to add to the head tree: the kustomization that applies the Application's kustomize options. */
  readonly files: ReadonlyMap<string, string>;
}

type Json = Record<string, any>;

/** Renders every string of a template, map keys included, as Argo CD does. */
function render(value: unknown, params: TemplateParams, where: string): unknown {
  if (typeof value === 'string') return goTemplate(value, params, where);
  if (Array.isArray(value)) return value.map((v) => render(v, params, where));
  if (typeof value === 'object' && value !== null) {
    const out = new Map<string, unknown>();
    for (const [k, v] of Object.entries(value)) {
      const key = goTemplate(k, params, `${where} (key '${k}')`);
      // Argo CD would keep one of the two at random.
      if (out.has(key)) throw new Error(`${where}: two keys render to '${key}', one of them '${k}'`);
      out.set(key, render(v, params, where));
    }
    return Object.fromEntries(out);
  }
  return value;
}

function merge(target: unknown, patch: unknown): unknown {
  if (typeof target !== 'object' || target === null || Array.isArray(target) || typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Json = { ...(target as Json) };
  for (const [k, v] of Object.entries(patch as Json)) out[k] = merge(out[k], v);
  return out;
}

/** Label of the ApplicationSet of a service's application pull requests (constructs/preview-application-set.ts). */
const PREVIEW_SERVICE_LABEL = 'ferry.dev/preview-service';

/**
 * The ApplicationSet with a pull-request generator among the rendered argocd files, and its path:
 * the one of `service`'s application pull requests (labelled ferry.dev/preview-service), or
 * without `service` the platform repository's (unlabelled).
 */
export function findPreviewApplicationSet(files: ReadonlyMap<string, string>, service?: string): { file: string; object: Json } | undefined {
  for (const [file, text] of files) {
    if (!file.startsWith(`${MANIFESTS_DIR}/argocd/`)) continue;
    for (const object of parseObjects(text, file)) {
      if (object.kind !== 'ApplicationSet' || !JSON.stringify((object as Json).spec?.generators ?? []).includes('"pullRequest"')) continue;
      if ((object as Json).metadata?.labels?.[PREVIEW_SERVICE_LABEL] === service) return { file, object };
    }
  }
  return undefined;
}

/** "registry/api:pr-12-1a2b3c4d" → { name, newTag }; "old=new:tag" → { name, newName, newTag }. */
function imageOverride(entry: string): Json {
  const [name, target] = entry.includes('=') ? entry.split('=', 2) as [string, string] : [undefined, entry];
  const at = target.indexOf('@');
  const ref = at >= 0 ? target.slice(0, at) : target;
  const digest = at >= 0 ? target.slice(at + 1) : undefined;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const image = colon > slash ? ref.slice(0, colon) : ref;
  const tag = colon > slash ? ref.slice(colon + 1) : undefined;
  return {
    name: name ?? image,
    ...(name !== undefined && name !== image ? { newName: image } : {}),
    ...(tag !== undefined ? { newTag: tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

type Params = Record<string, TemplateValue>;

/**
 * gosimple/slug's Make as Argo CD's pull-request generator configures it (at most 50 characters,
 * cut at a dash; '_' → '-'), for branch names of printable ASCII without quotes, '&' or '@' (which
 * slug versions substitute differently; other characters it transliterates from tables).
 */
export function branchSlug(branch: string): TemplateValue {
  if (!/^[\x20-\x7e]*$/.test(branch) || /["'&@]/.test(branch)) {
    return new UnavailableValue(`ferry does not compute gosimple/slug's slug of ${JSON.stringify(branch)} (non-ASCII, control characters, quotes, '&' or '@')`);
  }
  const slug = branch.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (slug.length <= 50) return slug;
  const cut = slug.lastIndexOf('-', 50);
  return slug.slice(0, cut > 0 ? cut : 50);
}

/**
 * The parameters Argo CD's pull-request generator gives a Go-template ApplicationSet: strings
 * (`number` too), and `labels` as a list.
 */
export function pullRequestParams(request: PreviewRequest): Params {
  const sha = request.headSha.toLowerCase();
  if (!isCommitId(sha)) throw new Error(`--preview-sha '${request.headSha}' is not a commit id (7 to 40 hex digits)`);
  const branch = request.branch ?? '';
  const targetBranch = request.targetBranch ?? '';
  return {
    number: String(request.number),
    title: request.title ?? '',
    branch,
    branch_slug: branchSlug(branch),
    target_branch: targetBranch,
    target_branch_slug: branchSlug(targetBranch),
    head_sha: sha,
    head_short_sha: sha.slice(0, 8),
    head_short_sha_7: sha.slice(0, 7),
    author: request.author ?? '',
    labels: [...(request.labels ?? [])],
  };
}

/**
 * The parameter sets an ApplicationSet's generators yield, in Argo CD's order: list elements,
 * the given pull request for a pullRequest generator, and a matrix of two of those. Other
 * generators are refused by name.
 */
export function generatorParams(spec: Json, where: string, pullRequest?: Params): Params[] {
  const one = (g: Json, inMatrix: boolean): Params[] => {
    if (g.list) {
      return ((g.list.elements ?? []) as unknown[]).map((e, i) => {
        if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new Error(`${where}: list element ${i} is not an object`);
        // Argo CD renders a matrix's second generator with the first one's parameters; ferry does not.
        if (inMatrix && JSON.stringify(e).includes('{{')) throw new Error(`${where}: matrix list element ${i} contains a template ({{...}}), which ferry does not evaluate`);
        return e as Params;
      });
    }
    if (g.pullRequest) {
      if (!pullRequest) throw new Error(`${where}: a pullRequest generator needs a pull request (ferry diff --preview)`);
      return [pullRequest];
    }
    throw new Error(`${where}: unsupported generator '${Object.keys(g).join(', ')}'; ferry evaluates list, pullRequest and a matrix of two of them`);
  };
  return ((spec.generators ?? []) as Json[]).flatMap((g) => {
    if (!g.matrix) return one(g, false);
    const children = (g.matrix.generators ?? []) as Json[];
    if (children.length !== 2) throw new Error(`${where}: a matrix generator has ${children.length} generators, not 2`);
    const second = one(children[1]!, true);
    return one(children[0]!, true).flatMap((a) =>
      second.map((b) => {
        const clash = Object.keys(b).find((k) => Object.prototype.hasOwnProperty.call(a, k));
        if (clash !== undefined) throw new Error(`${where}: both matrix generators give parameter '${clash}'`);
        return { ...a, ...b };
      }),
    );
  });
}

/**
 * What the preview ApplicationSet would generate for one pull request: for each parameter set of
 * its generators (the pull request's {@link pullRequestParams} × the list of services), the
 * template (and templatePatch) evaluated as Argo CD does, turned into a kustomization that
 * applies the Application's kustomize images and patches on top of its source path.
 */
export function previewApplications(files: ReadonlyMap<string, string>, request: PreviewRequest): PreviewApplication[] {
  const found = findPreviewApplicationSet(files, request.service);
  if (!found) {
    throw new Error(
      request.service === undefined
        ? `--preview: no ApplicationSet with a pullRequest generator under ${MANIFESTS_DIR}/argocd/; set 'previews' in platform/platform.ts`
        : `--preview-service ${request.service}: no preview ApplicationSet of that service under ${MANIFESTS_DIR}/argocd/; give the service a 'sourceRepository' in platform/platform.ts`,
    );
  }
  const where = `${found.file}: ApplicationSet ${found.object.metadata?.name}`;
  const spec = found.object.spec as Json;
  const paramSets = generatorParams(spec, where, pullRequestParams(request));
  return paramSets.map((params) => {
    let template = render(spec.template, params, where) as Json;
    if (typeof spec.templatePatch === 'string') {
      const patch = YAML.parse(goTemplate(spec.templatePatch, params, `${where} templatePatch`)) as unknown;
      if (patch) template = merge(template, patch) as Json;
    }
    const source = template.spec?.source as Json | undefined;
    const name = String(template.metadata?.name);
    if (!source?.path) throw new Error(`${where}: template has no spec.source.path`);
    const dir = `.ferry-preview/${name}`;
    const kustomize = (source.kustomize ?? {}) as Json;
    const kustomization: Json = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [posix.relative(dir, posix.normalize(source.path as string))],
    };
    if (Array.isArray(kustomize.images)) kustomization.images = (kustomize.images as string[]).map(imageOverride);
    if (Array.isArray(kustomize.patches)) kustomization.patches = kustomize.patches;
    if (kustomize.namePrefix) kustomization.namePrefix = kustomize.namePrefix;
    if (kustomize.nameSuffix) kustomization.nameSuffix = kustomize.nameSuffix;
    if (kustomize.commonLabels) kustomization.labels = [{ pairs: kustomize.commonLabels, includeSelectors: true }];
    return {
      name,
      service: String(params.service ?? name),
      namespace: String(template.spec?.destination?.namespace ?? ''),
      dir,
      files: new Map([[`${dir}/kustomization.yaml`, YAML.stringify(kustomization)]]),
    };
  });
}

/** Kinds Argo CD leaves without a namespace; every other object without one lands in the destination namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass',
  'IngressClass', 'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService',
]);

/** Puts namespaced objects without a namespace into the Application's destination namespace, as Argo CD does. */
export function applyDestinationNamespace(objects: readonly ManifestObject[], namespace: string): ManifestObject[] {
  if (!namespace) return [...objects];
  return objects.map((o) =>
    CLUSTER_SCOPED.has(o.kind ?? '') || o.metadata?.namespace ? o : { ...o, metadata: { ...o.metadata, namespace } },
  );
}

import { posix } from 'node:path';
import YAML from 'yaml';
import { MANIFESTS_DIR } from '../render/render.js';
import { parseObjects } from '../kustomize/parse-objects.js';
import type { ManifestObject } from './object-diff.js';

/** A pull request whose preview to show. */
export interface PreviewRequest {
  /** Pull-request number. */
  readonly number: number;
  /** Full or short head commit id of the pull request; previews run `pr-<n>-<first 8 hex>`. */
  readonly headSha: string;
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

/**
 * Evaluates the small subset of Go templates the ApplicationSet templates use: `{{.key}}`,
 * `{{- if ne .key "text" }}`, `{{- if eq .key "text" }}`, `{{- if .key }}`, `{{- end }}`, with
 * `{{-`/`-}}` trimming. Missing keys are an error (the ApplicationSets use missingkey=error).
 * Anything else is refused by name rather than guessed.
 */
export function goTemplate(template: string, params: Readonly<Record<string, string>>, where: string): string {
  const value = (key: string) => {
    if (!(key in params)) throw new Error(`${where}: template uses {{.${key}}} but the generator gives only ${Object.keys(params).sort().join(', ')}`);
    return params[key]!;
  };
  const stack: boolean[] = [];
  let out = '';
  let last = 0;
  const tag = /{{(-?)\s*(.*?)\s*(-?)}}/g;
  let trimNext = false;
  for (let m = tag.exec(template); m; m = tag.exec(template)) {
    let text = template.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    if (stack.every(Boolean)) out += text;
    last = m.index + m[0].length;
    trimNext = m[3] === '-';
    const action = m[2]!;
    let match: RegExpExecArray | null;
    if ((match = /^\.(\w+)$/.exec(action))) {
      if (stack.every(Boolean)) out += value(match[1]!);
    } else if ((match = /^if\s+(eq|ne)\s+\.(\w+)\s+"([^"]*)"$/.exec(action))) {
      const equal = value(match[2]!) === match[3];
      stack.push(match[1] === 'eq' ? equal : !equal);
    } else if ((match = /^if\s+\.(\w+)$/.exec(action))) {
      stack.push(value(match[1]!) !== '');
    } else if (action === 'end') {
      if (stack.pop() === undefined) throw new Error(`${where}: {{end}} without {{if}}`);
    } else {
      throw new Error(`${where}: unsupported template action {{${action}}}; ferry diff evaluates {{.key}}, {{if eq|ne .key "..."}}, {{if .key}} and {{end}}`);
    }
  }
  let rest = template.slice(last);
  if (trimNext) rest = rest.replace(/^\s+/, '');
  if (stack.length > 0) throw new Error(`${where}: {{if}} without {{end}}`);
  return out + rest;
}

function render(value: unknown, params: Readonly<Record<string, string>>, where: string): unknown {
  if (typeof value === 'string') return goTemplate(value, params, where);
  if (Array.isArray(value)) return value.map((v) => render(v, params, where));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, params, where)]));
  return value;
}

function merge(target: unknown, patch: unknown): unknown {
  if (typeof target !== 'object' || target === null || Array.isArray(target) || typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Json = { ...(target as Json) };
  for (const [k, v] of Object.entries(patch as Json)) out[k] = merge(out[k], v);
  return out;
}

/** The ApplicationSet with a pull-request generator among the rendered argocd files, and its path. */
export function findPreviewApplicationSet(files: ReadonlyMap<string, string>): { file: string; object: Json } | undefined {
  for (const [file, text] of files) {
    if (!file.startsWith(`${MANIFESTS_DIR}/argocd/`)) continue;
    for (const object of parseObjects(text, file)) {
      if (object.kind === 'ApplicationSet' && JSON.stringify((object as Json).spec?.generators ?? []).includes('"pullRequest"')) return { file, object };
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

/**
 * What the preview ApplicationSet would generate for one pull request: for each element of its
 * list generator, the template (and templatePatch) evaluated with the pull-request parameters
 * (`number`, `head_sha`, `head_short_sha` = first 8 hex, `head_short_sha_7`, `branch`,
 * `branch_slug`, `target_branch`, `title`, `author`, `labels`), turned into a kustomization
 * that applies the Application's kustomize images and patches on top of its source path.
 */
export function previewApplications(files: ReadonlyMap<string, string>, request: PreviewRequest): PreviewApplication[] {
  const found = findPreviewApplicationSet(files);
  if (!found) throw new Error(`--preview: no ApplicationSet with a pullRequest generator under ${MANIFESTS_DIR}/argocd/; set 'previews' in platform/platform.ts`);
  const where = `${found.file}: ApplicationSet ${found.object.metadata?.name}`;
  const spec = found.object.spec as Json;
  const matrix = (spec.generators as Json[]).find((g) => g.matrix)?.matrix?.generators as Json[] | undefined;
  const elements = (matrix?.find((g) => g.list)?.list?.elements ?? [{}]) as Record<string, string>[];
  const sha = request.headSha.toLowerCase();
  if (!/^[0-9a-f]{7,40}$/.test(sha)) throw new Error(`--preview-sha '${request.headSha}' is not a commit id (7 to 40 hex digits)`);
  const prParams = {
    number: String(request.number),
    head_sha: sha,
    head_short_sha: sha.slice(0, 8),
    head_short_sha_7: sha.slice(0, 7),
    branch: '',
    branch_slug: '',
    target_branch: '',
    title: '',
    author: '',
  };
  return elements.map((element) => {
    const params: Record<string, string> = { ...element, ...prParams };
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

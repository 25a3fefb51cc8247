import YAML from 'yaml';
import { type KustomizationTree, remoteHost, treePath, walkKustomizations } from './kustomization-tree.js';

/** Every file one overlay's build reads, when that is known for sure. */
export interface BuildInputs {
  /** The folders of every kustomization the build reads (the overlay's first), each read whole. */
  readonly folders: readonly string[];
  /** Files named from below those folders (e.g. `patches/x.yaml`), read besides the folders' own files. */
  readonly files: readonly string[];
}

/** Why a build's inputs are not known for sure: the overlay is then built every time. */
export interface UnknownInputs {
  readonly uncacheable: string;
}

/** What one kustomization reads: the folders of further kustomizations and files below its folder. */
export type FolderReads = { readonly next: readonly string[]; readonly files: readonly string[] } | UnknownInputs;

/** Kustomization fields that read nothing but the kustomization itself. */
const PLAIN_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'namePrefix', 'nameSuffix', 'labels', 'commonLabels', 'commonAnnotations', 'images', 'replicas', 'generatorOptions']);

/** Keys of a configMapGenerator/secretGenerator entry; `files`, `envs` and `env` name files. */
const GENERATOR_KEYS = new Set(['name', 'namespace', 'behavior', 'literals', 'files', 'envs', 'env', 'options', 'type']);

/** Keys of a `patches`/`patchesJson6902` entry; `path` names a file. */
const PATCH_KEYS = new Set(['path', 'patch', 'target', 'options']);

/**
 * What a kustomization's text says it reads, before its paths are resolved: each path entry with
 * its key, or why its inputs cannot be keyed. A function of the text alone, so it is kept between
 * runs by the text's hash (a YAML parse of every kustomization is most of a warm lookup's cost).
 */
export type KustomizationSummary =
  | { readonly entries: readonly { readonly key: string; readonly entry: string; readonly kind: 'reference' | 'file' }[] }
  | { readonly refused: string };

/**
 * The inputs of building overlay `dir` of `tree`: every folder its kustomization reaches through
 * `resources`, `bases` and `components`, transitively, and files named below them. Known only
 * when every kustomization on the way uses allow-listed fields whose inputs are inside those
 * folders; anything else (a remote reference, helmCharts, a path leaving its folder or the tree,
 * a missing file, an unknown field, unparsable YAML) makes the inputs unknown, and the overlay is
 * built every time. `memo` holds what each folder's kustomization reads, shared by the overlays
 * of one lookup; `summaries` what each kustomization text says (see {@link KustomizationSummary}).
 */
export function buildInputs(
  tree: KustomizationTree,
  dir: string,
  memo = new Map<string, FolderReads>(),
  summaries: (text: string) => KustomizationSummary = summarizeKustomization,
): BuildInputs | UnknownInputs {
  const folders: string[] = [];
  const files: string[] = [];
  let unknown: string | undefined;
  walkKustomizations(tree, [dir], (at, kustomization) => {
    let reads = memo.get(at);
    if (!reads) memo.set(at, (reads = kustomization ? folderReads(tree, at, kustomization.file, summaries(kustomization.text)) : { uncacheable: `${at}: no kustomization` }));
    if ('uncacheable' in reads) {
      unknown = reads.uncacheable;
      return 'stop';
    }
    folders.push(at);
    files.push(...reads.files);
    return reads.next;
  });
  return unknown === undefined ? { folders, files } : { uncacheable: unknown };
}

/** The paths of a kustomization resolved in folder `dir` of `tree`. */
function folderReads(tree: KustomizationTree, dir: string, file: string, summary: KustomizationSummary): FolderReads {
  if ('refused' in summary) return { uncacheable: `${file}: ${summary.refused}` };
  const next: string[] = [];
  const files: string[] = [];
  for (const { key, entry, kind } of summary.entries) {
    const path = treePath(dir, entry);
    if (kind === 'reference') {
      if (path === '..' || path.startsWith('../')) return { uncacheable: `${file}: ${key}: '${entry}' leaves the tree` };
      if (tree.isFolder(path)) {
        next.push(path);
        continue;
      }
    }
    if (!isWithin(path, dir)) return { uncacheable: `${file}: ${key}: '${entry}' is not a file inside ${dir}` };
    if (tree.read(path) === undefined) return { uncacheable: `${file}: ${key}: '${entry}' is not a file of the tree` };
    // The folder's own files are read whole; a file below it is keyed by itself.
    if (treePath(path, '..') !== dir) files.push(path);
  }
  return { next, files };
}

/** What kustomization `text` reads (see {@link KustomizationSummary}). */
export function summarizeKustomization(text: string): KustomizationSummary {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    return { refused: `not valid YAML (${(e as Error).message.split('\n')[0]})` };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { refused: 'not a mapping' };
  const entries: { key: string; entry: string; kind: 'reference' | 'file' }[] = [];
  let refused: string | undefined;
  const refuse = (why: string): void => {
    refused ??= why;
  };
  const path = (key: string, entry: unknown, kind: 'reference' | 'file'): void => {
    if (typeof entry !== 'string') return refuse(`${key} is not a path`);
    if (entry.startsWith('/') || remoteHost(entry) !== undefined) return refuse(kind === 'reference' ? `${key}: '${entry}' is not a path of the tree` : `${key}: '${entry}' is not a file inside the kustomization's folder`);
    entries.push({ key, entry, kind });
  };
  const list = (key: string, value: unknown): unknown[] => {
    if (Array.isArray(value)) return value;
    refuse(`${key} is not a list`);
    return [];
  };
  const mappings = (key: string, value: unknown, allowed: ReadonlySet<string>): Record<string, unknown>[] =>
    list(key, value).flatMap((entry, i) => {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        refuse(`${key}[${i}] is not a mapping`);
        return [];
      }
      const extra = Object.keys(entry).find((k) => !allowed.has(k));
      if (extra !== undefined) refuse(`${key}[${i}].${extra} is not a field whose inputs ferry can key`);
      return [entry as Record<string, unknown>];
    });

  for (const [field, value] of Object.entries(doc)) {
    if (PLAIN_FIELDS.has(field)) continue;
    if (field === 'resources' || field === 'bases' || field === 'components') {
      list(field, value).forEach((entry, i) => path(`${field}[${i}]`, entry, 'reference'));
    } else if (field === 'configMapGenerator' || field === 'secretGenerator') {
      mappings(field, value, GENERATOR_KEYS).forEach((generator, i) => {
        list(`${field}[${i}].files`, generator.files ?? []).forEach((entry, j) => path(`${field}[${i}].files[${j}]`, typeof entry === 'string' ? entry.slice(entry.indexOf('=') + 1) : entry, 'file'));
        list(`${field}[${i}].envs`, generator.envs ?? []).forEach((entry, j) => path(`${field}[${i}].envs[${j}]`, entry, 'file'));
        if (generator.env !== undefined) path(`${field}[${i}].env`, generator.env, 'file');
      });
    } else if (field === 'patches' || field === 'patchesJson6902') {
      mappings(field, value, PATCH_KEYS).forEach((patch, i) => {
        if (patch.path !== undefined) path(`${field}[${i}].path`, patch.path, 'file');
      });
    } else if (field === 'patchesStrategicMerge') {
      list(field, value).forEach((entry, i) => {
        // An entry is a file, or an inline patch (more than one line).
        if (typeof entry === 'string' && entry.includes('\n')) return;
        path(`${field}[${i}]`, entry, 'file');
      });
    } else {
      refuse(`${field} is not a field whose inputs ferry can key`);
    }
  }
  return refused === undefined ? { entries } : { refused };
}

/** Whether tree path `path` is inside folder `dir`. */
function isWithin(path: string, dir: string): boolean {
  return dir === '.' ? path !== '..' && !path.startsWith('../') : path.startsWith(`${dir}/`);
}

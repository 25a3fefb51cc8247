import YAML from 'yaml';
import { diskTree, REFERENCE_FIELDS, remoteHost, treePath, walkKustomizations } from './kustomization-tree.js';

// remoteHost's home is the tree module; re-exported for callers of this one.
export { remoteHost } from './kustomization-tree.js';

/** One remote reference found in a kustomization. */
export interface RemoteResource {
  /** The kustomization file, relative to the scanned root. */
  readonly file: string;
  /** The field and index, e.g. `resources[2]` or `helmCharts[0].repo`. */
  readonly key: string;
  /** The entry as written. */
  readonly entry: string;
  /** The host it would be fetched from. */
  readonly host: string;
}

/**
 * Every remote reference (resources, components, bases, helmCharts' repo) in the kustomizations
 * the folders `dirs` of `root` reach through local paths, whose host is not in `allowedHosts`.
 * Scanned before building, since `kubectl kustomize` would otherwise fetch them from the network.
 */
export function findRemoteResources(root: string, dirs: readonly string[], allowedHosts: readonly string[] = []): RemoteResource[] {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  const found: RemoteResource[] = [];
  const tree = diskTree(root);
  walkKustomizations(tree, dirs, (dir, kustomization) => {
    if (!kustomization) return []; // not a kustomization; kustomize reports that itself
    let doc: unknown;
    try {
      doc = YAML.parse(kustomization.text);
    } catch {
      return []; // kustomize reports the syntax error with its own position
    }
    if (doc === null || typeof doc !== 'object') return [];
    const k = doc as Record<string, unknown>;
    const next: string[] = [];
    const check = (key: string, entry: unknown): void => {
      if (typeof entry !== 'string') return;
      const host = remoteHost(entry);
      if (host === undefined) {
        const local = treePath(dir, entry);
        if (tree.isFolder(local)) next.push(local);
      } else if (!allowed.has(host)) {
        found.push({ file: kustomization.file, key, entry, host });
      }
    };
    for (const field of REFERENCE_FIELDS) {
      const list = k[field];
      if (Array.isArray(list)) list.forEach((entry, i) => check(`${field}[${i}]`, entry));
    }
    const charts = k.helmCharts;
    if (Array.isArray(charts)) {
      charts.forEach((chart, i) => {
        const repo = (chart as { repo?: unknown } | null)?.repo;
        // Any chart repository is remote, whatever its scheme (https, oci).
        if (typeof repo === 'string' && repo !== '') {
          const host = remoteHost(repo) ?? repo.split('/')[0]!.toLowerCase();
          if (!allowed.has(host)) found.push({ file: kustomization.file, key: `helmCharts[${i}].repo`, entry: repo, host });
        }
      });
    }
    return next;
  });
  return found;
}

/** Throws naming every remote reference found, with the option that allows its host. */
export function refuseRemoteResources(root: string, dirs: readonly string[], allowedHosts: readonly string[] = []): void {
  const found = findRemoteResources(root, dirs, allowedHosts);
  if (found.length === 0) return;
  const lines = found.map((r) => `  ${r.file}: ${r.key}: '${r.entry}' (host ${r.host})`);
  throw new Error(
    `kustomize: ${found.length} remote reference(s); ferry builds only files of the repository unless the host is allowed (allowedRemoteHosts / --allow-remote <host>):\n${lines.join('\n')}`,
  );
}

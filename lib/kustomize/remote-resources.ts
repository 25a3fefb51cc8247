import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import YAML from 'yaml';

/** File names kustomize accepts for a kustomization, in the order it looks for them. */
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Fields whose entries are paths or URLs of further kustomizations or files. */
const REFERENCE_FIELDS = ['resources', 'components', 'bases'] as const;

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
 * The host of `entry` when kustomize would fetch it over the network (a URL, a git address or a
 * `?ref=` pin); undefined for a local path.
 */
export function remoteHost(entry: string): string | undefined {
  const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:?#]+)/i.exec(entry);
  if (url) return url[1]!.toLowerCase();
  const scp = /^[^@/\s]+@([^:/\s]+):/.exec(entry); // git@github.com:org/repo
  if (scp) return scp[1]!.toLowerCase();
  if (entry.includes('://')) return entry.split('://')[1]!.split(/[/:?]/)[0]!.toLowerCase();
  if (/^(github\.com|gitlab\.com|bitbucket\.org)\//i.test(entry) || entry.includes('?ref=')) return entry.split(/[/?]/)[0]!.toLowerCase();
  return undefined;
}

/**
 * Every remote reference (resources, components, bases, helmCharts' repo) in the kustomizations
 * the folders `dirs` of `root` reach through local paths, whose host is not in `allowedHosts`.
 * Scanned before building, since `kubectl kustomize` would otherwise fetch them from the network.
 */
export function findRemoteResources(root: string, dirs: readonly string[], allowedHosts: readonly string[] = []): RemoteResource[] {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  const found: RemoteResource[] = [];
  const seen = new Set<string>();
  const visit = (dir: string): void => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const name = KUSTOMIZATION_FILES.find((f) => existsSync(join(dir, f)));
    if (!name) return; // not a kustomization; kustomize reports that itself
    const file = join(dir, name);
    let doc: unknown;
    try {
      doc = YAML.parse(readFileSync(file, 'utf8'));
    } catch {
      return; // kustomize reports the syntax error with its own position
    }
    if (doc === null || typeof doc !== 'object') return;
    const k = doc as Record<string, unknown>;
    const check = (key: string, entry: unknown): void => {
      if (typeof entry !== 'string') return;
      const host = remoteHost(entry);
      if (host === undefined) {
        const local = resolve(dir, entry);
        if (existsSync(local) && statSync(local).isDirectory()) visit(local);
      } else if (!allowed.has(host)) {
        found.push({ file: relative(root, file) || name, key, entry, host });
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
          if (!allowed.has(host)) found.push({ file: relative(root, file) || name, key: `helmCharts[${i}].repo`, entry: repo, host });
        }
      });
    }
  };
  for (const dir of dirs) visit(resolve(root, dir));
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

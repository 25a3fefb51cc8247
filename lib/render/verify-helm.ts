/**
 * What `ferry validate` can check of chart services without helm (no helm binary, no network):
 * every Helm Application's `$values/...` value file is in the tree and is a YAML mapping, and every
 * values file under manifests/helm/ belongs to an Application. The chart itself is templated by the
 * cluster's Argo CD (docs/helm.md); its objects are not built here.
 */
import YAML from 'yaml';
import { HELM_DIR } from './helm-values.js';

type Obj = Record<string, any>;

/** One problem, in the shape of verify-tree's TreeProblem (which imports this file). */
export interface HelmProblem {
  readonly where: string;
  readonly object: string;
  readonly message: string;
}

/**
 * @param applications Argo CD objects with the file each came from
 * @param read the text of a tree file, or undefined when absent
 * @param helmFiles every file under manifests/helm/
 */
export function helmValuesProblems(applications: readonly { file: string; object: Obj }[], read: (path: string) => string | undefined, helmFiles: readonly string[]): HelmProblem[] {
  const problems: HelmProblem[] = [];
  const referenced = new Set<string>();
  for (const { file, object } of applications) {
    if (object?.kind !== 'Application' || !Array.isArray(object.spec?.sources)) continue;
    const id = `Application/${object.metadata?.namespace}/${object.metadata?.name}`;
    const refs = new Set<string>(object.spec.sources.map((s: Obj) => s?.ref).filter((r: unknown): r is string => typeof r === 'string'));
    for (const source of object.spec.sources as Obj[]) {
      for (const valueFile of (source?.helm?.valueFiles ?? []) as unknown[]) {
        const match = typeof valueFile === 'string' ? /^\$([A-Za-z0-9_-]+)\/(.+)$/.exec(valueFile) : null;
        if (!match || !refs.has(match[1]!)) {
          problems.push({ where: file, object: id, message: `helm.valueFiles ${JSON.stringify(valueFile)} must be '$<ref>/<path>' naming a source's ref (${[...refs].join(', ') || 'none'})` });
          continue;
        }
        const path = match[2]!;
        referenced.add(path);
        const text = read(path);
        if (text === undefined) {
          problems.push({ where: file, object: id, message: `helm.valueFiles ${valueFile}: ${path} is not in the tree; run \`ferry render\`` });
          continue;
        }
        try {
          const values: unknown = YAML.parse(text);
          if (values === null || typeof values !== 'object' || Array.isArray(values)) problems.push({ where: path, object: '-', message: 'a values file must be a YAML mapping' });
        } catch (e) {
          problems.push({ where: path, object: '-', message: `not YAML: ${(e as Error).message.split('\n')[0]}` });
        }
      }
    }
  }
  for (const path of helmFiles) {
    if (!referenced.has(path)) problems.push({ where: path, object: '-', message: `no Argo CD Application under manifests/argocd/ reads it; stale? (${HELM_DIR}/<env>/<service>/values.yaml is read by the Application <service>-<env>)` });
  }
  return problems;
}

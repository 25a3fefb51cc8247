/**
 * What a pull request changes for chart services: per environment, the Helm Application
 * `<service>-<env>` (chart version, repository) and its values file, compared as objects. No chart
 * is templated (there is no helm here; Argo CD templates it in the cluster, docs/helm.md), so the
 * diff shows the values a chart receives, not the objects it makes of them.
 */
import { posix } from 'node:path';
import { valueAt } from '../../model/helm-chart.js';
import type { Platform } from '../../model/platform.js';
import { parseObjects } from '../kustomize/parse-objects.js';
import { HELM_DIR } from '../render/helm-values.js';
import { MANIFESTS_DIR } from '../../model/repository-layout.js';
import type { RenderedFiles } from './build-plan.js';
import { diffObjects, type ManifestObject } from './object-diff.js';
import type { ApplicationDiff } from './report.js';
import type { WorkloadFacts } from './workload-facts.js';

/** The kind a values file is shown as in a diff: its content under `values`. */
export const HELM_VALUES_KIND = 'HelmValues';

const VALUES_FILE = new RegExp(`^${HELM_DIR}/([^/]+)/([^/]+)/values\\.yaml$`);

/** Whether an Argo CD object is a chart service's Application (shown with its environment, not in the argocd group). */
export function isHelmApplication(object: ManifestObject): boolean {
  const labels = object.metadata?.labels as Readonly<Record<string, unknown>> | undefined;
  return object.kind === 'Application' && Array.isArray((object as { spec?: { sources?: unknown } }).spec?.sources) && labels?.['ferry.dev/service'] !== undefined;
}

/** The chart services' Applications of environment `env` whose Application or values differ. */
export function helmApplicationDiffs(env: string, base: RenderedFiles, head: RenderedFiles, platform: Platform): ApplicationDiff[] {
  const services = new Set<string>();
  for (const files of [base, head]) {
    for (const path of files.keys()) {
      const match = VALUES_FILE.exec(path);
      if (match && match[1] === env) services.add(match[2]!);
    }
  }
  const out: ApplicationDiff[] = [];
  for (const service of [...services].sort()) {
    const name = `${service}-${env}`;
    const before = objectsOf(base, env, service);
    const after = objectsOf(head, env, service);
    const changes = diffObjects(before ?? [], after ?? [], `Application ${name}`);
    if (changes.length === 0) continue;
    out.push({ name, service, changes, before: before && factsOf(before, service, platform), after: after && factsOf(after, service, platform) });
  }
  return out;
}

/** The values file (as a HelmValues object) and the Application of one chart service in one environment; undefined when absent. */
function objectsOf(files: RenderedFiles, env: string, service: string): ManifestObject[] | undefined {
  const valuesPath = `${HELM_DIR}/${env}/${service}/values.yaml`;
  const text = files.get(valuesPath);
  if (text === undefined) return undefined;
  const values = parseObjects(text, valuesPath)[0] ?? {};
  const objects: ManifestObject[] = [{ apiVersion: 'ferry.dev/v1', kind: HELM_VALUES_KIND, metadata: { name: service }, values }];
  for (const [path, content] of files) {
    if (path.startsWith(`${MANIFESTS_DIR}/argocd/`) && posix.basename(path) === `application-${service}-${env}.yaml`) objects.push(...parseObjects(content, path));
  }
  return objects;
}

/** The image (tag at the chart's imageTagValue) and the chart version, as the summary shows images: `catalog`, `catalog/chart`. */
function factsOf(objects: readonly ManifestObject[], service: string, platform: Platform): WorkloadFacts {
  const definition = platform.services.find((s) => s.name === service);
  const images: Record<string, string> = {};
  const values = objects.find((o) => o.kind === HELM_VALUES_KIND)?.values as Record<string, unknown> | undefined;
  const tag = definition?.chart && values ? valueAt(values, definition.chart.imageTagPath) : undefined;
  if (definition && typeof tag === 'string') images[service] = `${platform.imageOf(definition)}:${tag}`;
  const app = objects.find((o) => o.kind === 'Application') as { spec?: { sources?: { chart?: string; targetRevision?: string }[] } } | undefined;
  const chart = app?.spec?.sources?.find((s) => s.chart !== undefined);
  if (chart) images.chart = `${chart.chart}:${chart.targetRevision}`;
  return { images, replicas: undefined, strategy: undefined };
}

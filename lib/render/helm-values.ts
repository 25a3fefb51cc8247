/**
 * The values files of chart services, `manifests/helm/<env>/<service>/values.yaml`: the chart's
 * values from the platform, the environment's from `<project>:charts.<service>.values` merged over
 * them, and the image tag of `<project>:images` at the chart's `imageTagValue`. Argo CD passes the
 * file to the chart (docs/helm.md). Apart from render.ts: it needs no construct library.
 */
import type { Platform } from '../../model/platform.js';
import type { StackConfig } from '../../model/stack-config.js';
import { headerLine, toYaml } from './overlay-file.js';

/** Folder of the values files, relative to the repository root. */
export const HELM_DIR = 'manifests/helm';

/** `manifests/helm/<env>/<service>/values.yaml` */
export function helmValuesPath(env: string, service: string): string {
  return `${HELM_DIR}/${env}/${service}/values.yaml`;
}

/** Every chart service's values file of one environment: path → content. */
export function renderHelmValues(platform: Platform, env: string, config: StackConfig): Map<string, string> {
  const files = new Map<string, string>();
  for (const service of platform.services) {
    if (!service.chart) continue;
    const chartConfig = config.charts?.[service.name];
    if (!chartConfig) throw new Error(`${config.file}: ferry:charts.${service.name}: missing; every chart service needs a chart version in every environment`);
    const header = headerLine(`edit Pulumi.${env}.yaml (charts.${service.name}.values; images.${service.name} for the tag at ${service.chart.imageTagValue}) or platform/platform.ts and run \`npm run render\``);
    files.set(helmValuesPath(env, service.name), toYaml(header, service.chart.valuesFor(chartConfig.values, config.images[service.name]!)));
  }
  return files;
}

/** Environment → chart service → chart version, from the stack configs. */
export function chartVersionsOf(configs: ReadonlyMap<string, StackConfig>): Record<string, Record<string, string>> {
  return Object.fromEntries([...configs].map(([env, config]) => [env, Object.fromEntries(Object.entries(config.charts ?? {}).map(([s, c]) => [s, c.version]))]));
}

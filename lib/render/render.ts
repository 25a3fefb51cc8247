import { ApiObject, App, type Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { ArgoCdChart } from '../../charts/argocd-chart.js';
import { namespacedKindsOf, type ResourceKind } from '../../constructs/app-project.js';
import { PREVIEW_NAMESPACE_PLACEHOLDER } from '../../constructs/preview-application-set.js';
import { EnvironmentOverlayChart } from '../../charts/environment-overlay-chart.js';
import { ServiceBaseChart } from '../../charts/service-base-chart.js';
import { readProjectName, readStackConfig, stackFileName, type StackConfig } from '../../model/stack-config.js';
import { DEFAULT_RESOURCES, type Platform } from '../../model/platform.js';
import { resolveEnvironment, type ResolvedEnvironment } from '../../model/resolve.js';
import { baseKustomization, overlayKustomization } from './kustomization.js';
import { ENVIRONMENT_LABEL, headerLine, overlayHeader, overlayKustomizationObject, toYaml } from './overlay-file.js';
import { chartVersionsOf, HELM_DIR, renderHelmValues } from './helm-values.js';

import { MANIFESTS_DIR } from '../../model/repository-layout.js';

/** The label every rendered object carries with its environment. */
export { ENVIRONMENT_LABEL };
/** Pseudo-environment of pull-request previews. */
export const PREVIEW_ENVIRONMENT = 'preview';

/** What a render produced: repository-relative POSIX paths to file contents, and the resolved state. */
export interface RenderOutput {
  readonly files: ReadonlyMap<string, string>;
  readonly environments: readonly ResolvedEnvironment[];
  /** The namespaced kinds of each base and overlay chart synthesised, by its folder (what an AppProject admits comes from these). */
  readonly chartKinds: ReadonlyMap<string, readonly ResourceKind[]>;
}

/**
 * Part of a render (lib/render/incremental-render.ts): only the overlays, Helm values and (for the
 * first environment) previews of `environments`, and every cluster's Argo CD objects, which read
 * every environment. Base charts depend on the platform alone and are left out.
 */
export interface RenderScope {
  /** Environments whose overlays and values are synthesised. */
  readonly environments: ReadonlySet<string>;
  /** The namespaced kinds of every base and overlay chart left out, by folder, from the render that wrote them. */
  readonly chartKinds: ReadonlyMap<string, readonly ResourceKind[]>;
}

/**
 * Part of a render for `ferry diff` and `ferry render` when only image tags or digests changed
 * (lib/render/tag-only-change.ts): the bases of `services`, their overlays in `environments` and, when
 * the first environment is among them, their previews. No Argo CD chart and no Helm values; only
 * the environments named need a stack config. Each file it gives is byte for byte the full
 * render's (an overlay reads its own service's resolved values and the platform alone).
 */
export interface ServiceRenderScope {
  /** Kustomize services whose base and overlays are synthesised. */
  readonly services: ReadonlySet<string>;
  /** Environments whose overlays of those services are synthesised. */
  readonly environments: ReadonlySet<string>;
}

/** How {@link renderPlatform} hands out its files as it makes them. */
export interface RenderPlatformOptions {
  /**
   * Called with each file as soon as its chart is synthesised (the output's `files` still holds
   * every one): a fresh render's writer starts on them while the rest is synthesised. A path may
   * come again with other content; the last one is the output's.
   * @default no call
   */
  readonly onFile?: (path: string, content: string) => void;
}

/** Reads every environment's `Pulumi.<env>.yaml` under `root`, validated; nothing is written. */
export function readStackConfigs(root: string, platform: Platform): Map<string, StackConfig> {
  const project = readProjectName(root);
  return new Map(platform.environments.map((env) => [env.name, readStackConfig(root, platform, env, project)]));
}

/**
 * Renders the platform: a pure function of the platform definition and the stack configs.
 * Throws (naming the construct path) if any construct validation fails.
 */
export function renderPlatform(platform: Platform, configs: ReadonlyMap<string, StackConfig>, scopeOrServices?: RenderScope | ServiceRenderScope, options: RenderPlatformOptions = {}): RenderOutput {
  const only = scopeOrServices && 'services' in scopeOrServices ? scopeOrServices : undefined;
  const scope = scopeOrServices && !('services' in scopeOrServices) ? scopeOrServices : undefined;
  const rendersService = (name: string) => only?.services.has(name) ?? true;
  const app = new App({ outdir: '.' });
  const collected = new Map<string, string>();
  const onFile = options.onFile;
  // Every file goes through `set`, so the callback sees each one the output holds.
  const files = onFile === undefined ? collected : {
    has: (path: string) => collected.has(path),
    set(path: string, content: string) {
      onFile(path, content);
      collected.set(path, content);
    },
  };
  // A base names the service's own objects by kind alone (one per kind) and its add-ons' objects by
  // kind and name; other folders name files by kind and object.
  // The folders of the charts whose objects each cluster's Argo CD applies: every base, and its environments' overlays.
  const baseCharts: { dir: string }[] = [];
  const overlayCharts = new Map<string, { dir: string }[]>();
  // Each chart is validated, synthesised and dropped from the app as soon as it is built, so its
  // constructs die young instead of the whole platform's tree being held to the end (a quarter of
  // a large render was the garbage collector's). Failures are reported as when the whole app was
  // validated once before synthesis: every validation failure, in tree order, before any
  // synthesis error (synthesis stops at its first, construction goes on to find the rest).
  const validationErrors: string[] = [];
  let synthesisError: { error: unknown } | undefined;
  const kindsByDir = new Map<string, readonly ResourceKind[]>();
  const synthChart = ({ chart, dir, header, namedFiles, ownName, kustomization }: ChartOutput) => {
    validationErrors.push(...validationErrorsOf(chart));
    if (validationErrors.length === 0 && synthesisError === undefined) {
      try {
        const resources: string[] = [];
        for (const object of synthObjects(chart) as { kind: string; metadata: { name: string } }[]) {
          const name = namedFiles || object.metadata.name !== ownName ? `${kebab(object.kind)}-${object.metadata.name}.yaml` : `${kebab(object.kind)}.yaml`;
          const path = `${dir}/${name}`;
          if (files.has(path)) throw new Error(`${chart.node.path}: two ${object.kind} objects would both be written to ${path}`);
          files.set(path, toYaml(header, object));
          resources.push(name);
        }
        if (kustomization) files.set(`${dir}/kustomization.yaml`, toYaml(header, kustomization(resources)));
      } catch (error) {
        synthesisError = { error };
      }
    }
    kindsByDir.set(dir, namespacedKindsOf([chart]));
    app.node.tryRemoveChild(chart.node.id);
  };
  // The kinds of charts a scoped render leaves out: what they held when last rendered.
  const keptKinds = (dir: string): readonly ResourceKind[] => {
    const kinds = scope?.chartKinds.get(dir);
    if (!kinds) throw new Error(`${dir}: a scoped render needs the kinds this chart rendered last time, and none are recorded`);
    return kinds;
  };
  const outsideKinds = new Map<string, ResourceKind[]>();
  const keepKindsOf = (cluster: string | undefined, dir: string) => {
    for (const key of cluster === undefined ? platform.clusters() : [cluster]) outsideKinds.set(key, [...(outsideKinds.get(key) ?? []), ...keptKinds(dir)]);
  };
  const platformSource = 'edit platform/platform.ts or the constructs and run `npm run render`';

  // Chart services have no kustomize base or overlay: a values file and a Helm Application instead.
  const kustomizeServices = platform.services.filter((s) => s.chart === undefined);
  for (const service of kustomizeServices) {
    if (!rendersService(service.name)) continue;
    const baseDir = `${MANIFESTS_DIR}/base/${service.name}`;
    if (scope) {
      keepKindsOf(undefined, baseDir);
      continue;
    }
    const chart = new ServiceBaseChart(app, `base-${service.name}`, { platform, service });
    baseCharts.push({ dir: baseDir });
    synthChart({
      chart,
      dir: baseDir,
      ownName: service.name,
      header: headerLine(platformSource),
      kustomization: (resources) => baseKustomization(resources),
    });
  }

  const environments = platform.environments.filter((env) => !only || only.environments.has(env.name)).map((env) => {
    const config = configs.get(env.name);
    if (!config) throw new Error(`${stackFileName(env.name)}: no stack config given for environment '${env.name}'`);
    return resolveEnvironment(platform, env, config);
  });

  for (const resolvedEnv of environments) {
    const env = resolvedEnv.environment;
    if (scope && !scope.environments.has(env.name)) {
      for (const resolved of resolvedEnv.services) if (!resolved.service.chart) keepKindsOf(env.cluster, `${MANIFESTS_DIR}/overlays/${env.name}/${resolved.service.name}`);
      continue;
    }
    if (!only) for (const [path, content] of renderHelmValues(platform, env.name, resolvedEnv.config)) files.set(path, content);
    for (const resolved of resolvedEnv.services) {
      const service = resolved.service;
      if (service.chart || !rendersService(service.name)) continue;
      const dir = `${MANIFESTS_DIR}/overlays/${env.name}/${service.name}`;
      const chart = new EnvironmentOverlayChart(app, `overlay-${env.name}-${service.name}`, {
        platform,
        resolved,
        strategy: env.strategy,
        host: service.host !== undefined ? `${env.hostPrefix}${service.host}` : undefined,
        environment: env,
      });
      const clusterCharts = overlayCharts.get(env.cluster) ?? [];
      // Appended in place: a copy per chart is quadratic in the number of overlays.
      clusterCharts.push({ dir });
      overlayCharts.set(env.cluster, clusterCharts);
      synthChart({
        chart,
        dir,
        namedFiles: true,
        header: overlayHeader(env.name),
        kustomization: (resources) => overlayKustomizationObject(platform, env, resolved, resources),
      });
    }
  }

  const firstEnvironment = platform.environments[0]!.name;
  if (platform.previews && (!scopeOrServices || scopeOrServices.environments.has(firstEnvironment))) {
    // Previews run what the first environment runs (a pull request's own service excepted, whose
    // tag its Application sets); the first service's overlay holds the preview's Namespace, which
    // its Application renames and owns, so Argo CD deletes it with the preview.
    const first = environments.find((e) => e.environment.name === firstEnvironment)!;
    const firstByName = new Map(first.services.map((r) => [r.service.name, r]));
    kustomizeServices.forEach((service, index) => {
      if (!rendersService(service.name)) return;
      const dir = `${MANIFESTS_DIR}/overlays/${PREVIEW_ENVIRONMENT}/${service.name}`;
      const header = headerLine(`edit ${stackFileName(first.environment.name)} (ferry:images) or platform/platform.ts and run \`npm run render\`; Argo CD sets the namespace and a pull request's own pr-<n>-<sha> tag`);
      const resolved = firstByName.get(service.name)!;
      const resources: string[] = [];
      if (index === 0) {
        files.set(`${dir}/namespace.yaml`, toYaml(header, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: PREVIEW_NAMESPACE_PLACEHOLDER } }));
        resources.push('namespace.yaml');
      }
      files.set(
        `${dir}/kustomization.yaml`,
        toYaml(
          header,
          overlayKustomization({
            base: `../../../base/${service.name}`,
            resources,
            namespace: undefined,
            labels: { [ENVIRONMENT_LABEL]: PREVIEW_ENVIRONMENT },
            serviceName: service.name,
            image: platform.imageOf(service),
            tag: resolved.tag,
            digest: resolved.digest,
            replicas: 1,
            deploymentIsTemplateOnly: false,
            logLevel: 'DEBUG',
            resourcesOverride: DEFAULT_RESOURCES,
            host: undefined,
            // A preview namespace holds no Secrets: it gets the plain values only.
            config: Object.fromEntries(Object.entries(resolved.config).filter(([, entry]) => entry.kind === 'literal')),
          }),
        ),
      );
    });
  }

  // Each chart's kinds once; a cluster's AppProject admits the union of its charts' (kept ones' from the record).
  const chartKinds = new Map<string, readonly ResourceKind[]>();
  for (const { dir } of [...baseCharts, ...[...overlayCharts.values()].flat()]) chartKinds.set(dir, kindsByDir.get(dir)!);
  const kindsOf = (entries: readonly { dir: string }[]) => entries.flatMap(({ dir }) => chartKinds.get(dir)!);
  for (const cluster of only ? [] : platform.clusters()) {
    synthChart({
      chart: new ArgoCdChart(app, `argocd-${cluster}`, {
        platform,
        cluster,
        overlaysPath: `${MANIFESTS_DIR}/overlays`,
        namespacedKinds: namespacedKindsOf([], [
          ...generatedKinds(platform, environments, cluster),
          ...kindsOf(baseCharts),
          ...kindsOf(overlayCharts.get(cluster) ?? []),
          ...(outsideKinds.get(cluster) ?? []),
        ]),
        helmPath: HELM_DIR,
        chartVersions: chartVersionsOf(configs),
      }),
      dir: `${MANIFESTS_DIR}/argocd/${cluster}`,
      header: headerLine(platformSource),
      namedFiles: true,
    });
  }

  // The app's own validations come first in tree order (it is the root).
  const errors = [...validationErrorsOf(app, false), ...validationErrors];
  if (errors.length > 0) throw new Error(`validation failed:\n  ${errors.join('\n  ')}`);
  if (synthesisError) throw synthesisError.error;
  return { files: new Map([...collected.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), environments, chartKinds };
}

/**
 * Kinds kustomize generates in the overlays on `cluster`, which no chart holds: a ConfigMap where a
 * service has plain config values (in an environment there, or in previews, which run the first
 * environment's values).
 */
function generatedKinds(platform: Platform, environments: readonly ResolvedEnvironment[], cluster: string): ResourceKind[] {
  const hasValues = (env: ResolvedEnvironment) => env.services.some((s) => Object.values(s.config).some((entry) => entry.kind === 'literal'));
  const onCluster = environments.filter((e) => e.environment.cluster === cluster);
  if (platform.previews?.cluster === cluster && environments[0]) onCluster.push(environments[0]);
  return onCluster.some(hasValues) ? [{ group: '', kind: 'ConfigMap' }] : [];
}

/** Reads the stack configs under `root` and renders. */
export function renderRepository(root: string, platform: Platform): RenderOutput {
  return renderPlatform(platform, readStackConfigs(root, platform));
}

/**
 * The objects of one chart in construction order. `Chart.toJson()` would re-resolve dependencies
 * and re-validate the whole app for every chart, which is quadratic in the number of charts;
 * {@link renderPlatform} validates each chart once instead.
 */
export function synthObjects(chart: Chart): unknown[] {
  return chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
}

/** Runs every `node.addValidation` of the app once; throws listing each failure with its construct path. */
export function validateApp(app: App): void {
  const errors = validationErrorsOf(app);
  if (errors.length > 0) throw new Error(`validation failed:\n  ${errors.join('\n  ')}`);
}

/** The failures of every `node.addValidation` under `root` (itself included), in tree order, each with its construct path; `deep: false` only root's own. */
function validationErrorsOf(root: IConstruct, deep = true): string[] {
  const errors: string[] = [];
  for (const construct of deep ? root.node.findAll() : [root]) {
    for (const error of construct.node.validate()) errors.push(`[${construct.node.path}] ${error}`);
  }
  return errors;
}

/** A chart and how its objects are written. */
interface ChartOutput {
  readonly chart: Chart;
  readonly dir: string;
  readonly header: string;
  /** Objects named by kind and name; else the service's own objects by kind alone (a base). */
  readonly namedFiles?: boolean;
  readonly ownName?: string;
  readonly kustomization?: (resources: string[]) => Record<string, unknown>;
}

function kebab(kind: string): string {
  return kind.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

import { showValue } from './names.js';

/** A Kubernetes kind the chart's templates create, which the platform's AppProject must admit. */
export interface HelmChartKind {
  /** API group, '' for the core group. */
  readonly group: string;
  readonly kind: string;
}

/**
 * A service deployed from a Helm chart instead of ferry's own kustomize base. Argo CD templates
 * the chart in the cluster; ferry renders each environment's values file and the Application.
 */
export interface HelmChartProps {
  /**
   * Chart repository: an `https://` Helm repository (with an index.yaml) or an `oci://` registry
   * path (rendered as Argo CD's Helm OCI form: the repoURL without the scheme).
   */
  readonly repository: string;
  /** Chart name in the repository, e.g. 'redis'. */
  readonly name: string;
  /**
   * Dotted path in the values where the image tag from `<project>:images` goes.
   * @default 'image.tag'
   */
  readonly imageTagValue?: string;
  /**
   * Values of every environment (the platform's defaults); `<project>:charts.<service>.values` of
   * an environment is merged over them (mappings merge key by key, anything else replaces).
   * @default {}
   */
  readonly values?: Readonly<Record<string, unknown>>;
  /**
   * Namespaced kinds the chart's templates create beyond ferry's own (Service, Deployment, ...),
   * e.g. `{ group: 'apps', kind: 'StatefulSet' }`: the AppProject admits them.
   * @default []
   */
  readonly kinds?: readonly HelmChartKind[];
}

const HTTPS_URL = /^https:\/\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[A-Za-z0-9._~%-]+)*\/?$/;
const OCI_URL = /^oci:\/\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;
/** Helm's own rule for chart names: lowercase letters, digits and dashes. */
const CHART_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const VALUE_KEY = /^[A-Za-z0-9_-]+$/;
/** Helm requires SemVer 2 chart versions; ranges are refused, so every environment pins one. */
const CHART_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;
const GROUP = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)?$/;

/** A chart with every default resolved and checked. */
export class HelmChartDefinition {
  /** As given: `https://...` or `oci://...`. */
  public readonly repository: string;
  public readonly name: string;
  /** The path of the image tag in the values, split at the dots. */
  public readonly imageTagPath: readonly string[];
  public readonly values: Readonly<Record<string, unknown>>;
  public readonly kinds: readonly HelmChartKind[];

  /** @param where e.g. "service 'redis'", the start of every error message */
  public constructor(props: HelmChartProps, where: string) {
    if (!isMapping(props)) throw new Error(`${where}: 'chart' ${showValue(props)} must be { repository, name }, like { repository: 'https://charts.example.com', name: 'redis' }`);
    if (typeof props.repository !== 'string' || (!HTTPS_URL.test(props.repository) && !OCI_URL.test(props.repository))) {
      throw new Error(`${where}: 'chart.repository' ${showValue(props.repository)} must be an https:// Helm repository URL (e.g. https://charts.example.com) or an oci:// registry path (e.g. oci://registry.example.com/charts), without credentials`);
    }
    this.repository = props.repository.replace(/\/$/, '');
    if (typeof props.name !== 'string' || !CHART_NAME.test(props.name)) {
      throw new Error(`${where}: 'chart.name' ${showValue(props.name)} must be a chart name: lowercase letters, digits and '-', at most 63 characters`);
    }
    this.name = props.name;
    const tagValue = props.imageTagValue ?? 'image.tag';
    if (typeof tagValue !== 'string' || !tagValue.split('.').every((k) => VALUE_KEY.test(k))) {
      throw new Error(`${where}: 'chart.imageTagValue' ${showValue(tagValue)} must be a dotted path of value keys (letters, digits, '_', '-'), like 'image.tag'`);
    }
    this.imageTagPath = tagValue.split('.');
    const values = props.values ?? {};
    checkValues(values, `${where}: 'chart.values'`);
    if (valueAt(values, this.imageTagPath) !== undefined) {
      throw new Error(`${where}: 'chart.values' sets '${tagValue}', the 'chart.imageTagValue': the tag comes from <project>:images of each environment; remove it from the values`);
    }
    this.values = values;
    this.checkValuesFor({}, `${where}: 'chart.values'`);
    const kinds = props.kinds ?? [];
    if (!Array.isArray(kinds)) throw new Error(`${where}: 'chart.kinds' ${showValue(kinds)} must be a list like [{ group: 'apps', kind: 'StatefulSet' }]`);
    kinds.forEach((k: unknown, i) => {
      if (!isMapping(k) || typeof k.group !== 'string' || !GROUP.test(k.group) || typeof k.kind !== 'string' || !KIND.test(k.kind)) {
        throw new Error(`${where}: 'chart.kinds[${i}]' ${showValue(k)} must be { group, kind } with an API group ('' for core) and a kind like 'StatefulSet'`);
      }
    });
    this.kinds = kinds;
  }

  /** Whether the chart comes from an OCI registry. */
  public get isOci(): boolean {
    return this.repository.startsWith('oci://');
  }

  /**
   * The Argo CD `repoURL` of the chart: the https URL, or for OCI the registry path without its
   * scheme (Argo CD's Helm OCI form, with the repository registered as `enableOCI: "true"`).
   */
  public get argoRepoURL(): string {
    return this.isOci ? this.repository.slice('oci://'.length) : this.repository;
  }

  /** The dotted image tag path, as written in the platform. */
  public get imageTagValue(): string {
    return this.imageTagPath.join('.');
  }

  /**
   * Throws unless an environment's values leave the image tag to `<project>:images` and, merged
   * over the chart's, hold a mapping at every step of the tag's path (so nothing is dropped to set it).
   * @param where e.g. "Pulumi.dev.yaml: ferry:charts.cache.values"
   */
  public checkValuesFor(environmentValues: Readonly<Record<string, unknown>>, where: string): void {
    if (valueAt(environmentValues, this.imageTagPath) !== undefined) {
      throw new Error(`${where}: sets '${this.imageTagValue}', the chart's imageTagValue: the tag comes from <project>:images of each environment; remove it from the values`);
    }
    let node: unknown = mergeValues(this.values, environmentValues);
    for (const [i, key] of this.imageTagPath.slice(0, -1).entries()) {
      node = (node as Record<string, unknown>)[key];
      if (node === undefined) return;
      if (!isMapping(node)) {
        throw new Error(`${where}: '${this.imageTagPath.slice(0, i + 1).join('.')}' is ${showValue(node)}, but the image tag goes at '${this.imageTagValue}' inside it; make it a mapping`);
      }
    }
  }

  /**
   * The values of one environment: the chart's, then the environment's merged over them, then the
   * image tag at its path. Keys sorted at every level, so the file is the same for the same input.
   */
  public valuesFor(environmentValues: Readonly<Record<string, unknown>>, tag: string): Record<string, unknown> {
    const merged = mergeValues(this.values, environmentValues);
    let node = merged;
    for (const key of this.imageTagPath.slice(0, -1)) {
      // checkValuesFor refused a non-mapping here; only a missing level is created.
      if (node[key] === undefined) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[this.imageTagPath[this.imageTagPath.length - 1]!] = tag;
    return sortDeep(merged) as Record<string, unknown>;
  }
}

/** Throws unless `version` is a SemVer 2 chart version. */
export function checkChartVersion(version: unknown, where: string): string {
  if (typeof version !== 'string' || !CHART_VERSION.test(version)) {
    throw new Error(`${where}: ${showValue(version)} is not a chart version; allowed: SemVer 2 like 18.1.0 or 2.0.0-rc.1 (a pinned version, not a range; quote versions YAML reads as numbers)`);
  }
  return version;
}

/** Throws unless `values` is a mapping of plain YAML data (mappings, lists, strings, numbers, booleans, null). */
export function checkValues(values: unknown, where: string): asserts values is Record<string, unknown> {
  if (!isMapping(values)) throw new Error(`${where}: ${showValue(values)} must be a mapping of chart values`);
  const visit = (node: unknown, path: string): void => {
    if (node === null || typeof node === 'string' || typeof node === 'boolean') return;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) throw new Error(`${where}: '${path}' ${showValue(node)} must be a finite number`);
      return;
    }
    if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${path}[${i}]`));
    if (isMapping(node) && Object.getPrototypeOf(node) === Object.prototype) {
      for (const [key, value] of Object.entries(node)) visit(value, path === '' ? key : `${path}.${key}`);
      return;
    }
    throw new Error(`${where}: '${path}' ${showValue(node)} must be plain YAML data (mapping, list, string, number, boolean or null)`);
  };
  visit(values, '');
}

/** The value at a dotted path, or undefined. */
export function valueAt(values: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let node: unknown = values;
  for (const key of path) {
    if (!isMapping(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Helm's rule for several values files: mappings merge key by key, the later file wins for anything else. */
export function mergeValues(base: Readonly<Record<string, unknown>>, over: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(over)) {
    const old = out[key];
    out[key] = isMapping(old) && isMapping(value) ? mergeValues(old, value) : structuredClone(value);
  }
  return out;
}

function sortDeep(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(sortDeep);
  if (isMapping(node)) return Object.fromEntries(Object.keys(node).sort().map((k) => [k, sortDeep(node[k])]));
  return node;
}

function isMapping(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

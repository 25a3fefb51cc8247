import { checkDnsLabel, showValue } from './names.js';
import { checkResources, type ResourceRequirements } from './quantity.js';

/** Arguments every analysis gets from the Rollout: the Service it measures and the namespace. */
export const BUILT_IN_ANALYSIS_ARGS = ['service-name', 'namespace'] as const;

const DURATION = /^\d+(s|m|h)$/;
const ARG_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const ARG_REFERENCE = /\{\{\s*args\.([^\s}]+)\s*\}\}/g;
const HTTP_URL = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$/;
const IMAGE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** When and how often an analysis measures, and how many failed measurements it tolerates. */
export interface MeasurementOptions {
  /**
   * Name of the metric; the AnalysisTemplate is `<service>-<name>`. Unique among a strategy's analyses.
   * @default - 'health-check' (web), 'prometheus', 'job'
   */
  readonly name?: string;
  /**
   * Wait before the first measurement, so the new pods settle.
   * @default - '60s' for web, none for the others
   */
  readonly initialDelay?: string;
  /**
   * Time between measurements.
   * @default - '30s' for web, '1m' for Prometheus; a job measures once
   */
  readonly interval?: string;
  /**
   * Number of measurements.
   * @default - 10 for web, 5 for Prometheus, 1 for a job
   */
  readonly count?: number;
  /**
   * Failed measurements tolerated (Argo's `failureLimit`): one more aborts the rollout, which rolls back.
   * @default - 2 for web, 1 for Prometheus, 0 for a job
   */
  readonly failureLimit?: number;
  /**
   * Values of `{{args.<name>}}` the analysis reads, used where the strategy's `analysisArgs` gives none.
   * @default {}
   */
  readonly defaultArgs?: Readonly<Record<string, string>>;
}

/** Options of {@link Analysis.web}. */
export interface WebAnalysisOptions extends MeasurementOptions {
  /**
   * HTTP path checked on the measured Service.
   * @default - the service's healthPath
   */
  readonly path?: string;
  /**
   * JSONPath into the response the condition reads.
   * @default - the service's healthResponse.jsonPath
   */
  readonly jsonPath?: string;
  /**
   * Condition over `result` a healthy answer meets.
   * @default - the service's healthResponse.successCondition
   */
  readonly successCondition?: string;
}

/** Options of {@link Analysis.prometheus}. */
export interface PrometheusAnalysisOptions extends MeasurementOptions {
  /** PromQL; `{{args.service-name}}` is the measured Service (the canary's own Service in a canary). */
  readonly query: string;
  /** Condition over `result` (a vector: `result[0]`) a good measurement meets, e.g. 'result[0] >= 0.95'. */
  readonly successCondition: string;
  /**
   * Condition over `result` that fails a measurement outright.
   * @default - a measurement fails when the success condition does not hold
   */
  readonly failureCondition?: string;
  /**
   * Prometheus URL.
   * @default - the platform's `prometheusAddress`
   */
  readonly address?: string;
}

/** Options of {@link Analysis.job}. */
export interface JobAnalysisOptions extends MeasurementOptions {
  /** Image of the check, with an immutable tag or digest (no `latest`). */
  readonly image: string;
  /** Command of the container; it may read `{{args.service-name}}` and `{{args.namespace}}`. Exit 0 passes. */
  readonly command: readonly string[];
  /**
   * Plain environment variables (values may read `{{args.<name>}}`).
   * @default - SERVICE_NAME and NAMESPACE, the measured Service and its namespace
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Seconds the Job may run before it fails.
   * @default 300
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Container requests and limits.
   * @default - requests 50m/64Mi, limits 200m/128Mi
   */
  readonly resources?: ResourceRequirements;
}

/** Resolved options of a web analysis: what the service supplies is left undefined. */
export interface ResolvedWebAnalysis {
  readonly path: string | undefined;
  readonly jsonPath: string | undefined;
  readonly successCondition: string | undefined;
}

/** Resolved options of a Prometheus analysis. */
export interface ResolvedPrometheusAnalysis {
  readonly query: string;
  readonly successCondition: string;
  readonly failureCondition: string | undefined;
  readonly address: string | undefined;
}

/** Resolved options of a Job analysis. */
export interface ResolvedJobAnalysis {
  readonly image: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly activeDeadlineSeconds: number;
  readonly resources: ResourceRequirements;
}

const JOB_RESOURCES: ResourceRequirements = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };

/**
 * What a rollout measures before it goes on: an Argo Rollouts metric provider with its schedule.
 * Every analysis gets the measured Service as `{{args.service-name}}` and its namespace as
 * `{{args.namespace}}`; other `{{args.<name>}}` come from `defaultArgs` or the strategy's
 * per-environment `analysisArgs`.
 */
export class Analysis {
  /** GETs a path of the measured Service and tests the JSON answer (the default health check). */
  public static web(options: WebAnalysisOptions = {}): Analysis {
    const where = 'Analysis.web';
    if (options.path !== undefined && (typeof options.path !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(options.path))) {
      throw new Error(`${where}: 'path' ${showValue(options.path)} must be an absolute HTTP path like '/healthz'`);
    }
    if (options.jsonPath !== undefined && (typeof options.jsonPath !== 'string' || !/^\{\$.*\}$/.test(options.jsonPath))) {
      throw new Error(`${where}: 'jsonPath' ${showValue(options.jsonPath)} must be a JSONPath like '{$.status}'`);
    }
    if (options.successCondition !== undefined) checkCondition(options.successCondition, `${where}: 'successCondition'`);
    const web: ResolvedWebAnalysis = { path: options.path, jsonPath: options.jsonPath, successCondition: options.successCondition };
    return new Analysis('web', where, options, { name: 'health-check', initialDelay: '60s', interval: '30s', count: 10, failureLimit: 2 }, web, [
      options.successCondition ?? '',
    ]);
  }

  /** Runs a PromQL query against Prometheus and tests the result. */
  public static prometheus(options: PrometheusAnalysisOptions): Analysis {
    const where = 'Analysis.prometheus';
    if (!isObject(options)) throw new Error(`${where}: options ${showValue(options)} must be { query, successCondition }`);
    if (typeof options.query !== 'string' || options.query.trim() === '') throw new Error(`${where}: 'query' ${showValue(options.query)} must be a PromQL query`);
    checkCondition(options.successCondition, `${where}: 'successCondition'`);
    if (options.failureCondition !== undefined) checkCondition(options.failureCondition, `${where}: 'failureCondition'`);
    if (options.address !== undefined) checkPrometheusAddress(options.address, `${where}: 'address'`);
    const prometheus: ResolvedPrometheusAnalysis = {
      query: options.query,
      successCondition: options.successCondition,
      failureCondition: options.failureCondition,
      address: options.address,
    };
    return new Analysis('prometheus', where, options, { name: 'prometheus', initialDelay: undefined, interval: '1m', count: 5, failureLimit: 1 }, prometheus, [
      options.query,
      options.successCondition,
      options.failureCondition ?? '',
    ]);
  }

  /** Runs a Job (with the secure pod defaults) whose exit status is the measurement. */
  public static job(options: JobAnalysisOptions): Analysis {
    const where = 'Analysis.job';
    if (!isObject(options)) throw new Error(`${where}: options ${showValue(options)} must be { image, command }`);
    if (typeof options.image !== 'string' || !IMAGE.test(options.image) || !/(:[^/]+|@sha256:[a-f0-9]{64})$/.test(options.image)) {
      throw new Error(`${where}: 'image' ${showValue(options.image)} must be a registry image with an explicit tag or digest, like 'registry.example.com/smoke:v1.0.0'`);
    }
    if (/:latest(@|$)/.test(options.image)) throw new Error(`${where}: 'image' ${showValue(options.image)} uses the mutable tag 'latest'; tags must be immutable`);
    if (!Array.isArray(options.command) || options.command.length === 0 || !options.command.every((c) => typeof c === 'string')) {
      throw new Error(`${where}: 'command' ${showValue(options.command)} must be a non-empty list of strings, like ['/smoke-test', '--target', 'http://{{args.service-name}}']`);
    }
    const env = options.env ?? { SERVICE_NAME: '{{args.service-name}}', NAMESPACE: '{{args.namespace}}' };
    if (!isObject(env)) throw new Error(`${where}: 'env' ${showValue(env)} must be a mapping of variable names to strings`);
    for (const [key, value] of Object.entries(env)) {
      if (!ENV_NAME.test(key)) throw new Error(`${where}: env ${showValue(key)} is not a valid variable name (A-Z, 0-9, _)`);
      if (typeof value !== 'string') throw new Error(`${where}: env '${key}' ${showValue(value)} must be a string`);
    }
    const activeDeadlineSeconds = options.activeDeadlineSeconds ?? 300;
    if (!Number.isInteger(activeDeadlineSeconds) || activeDeadlineSeconds < 1 || activeDeadlineSeconds > 3600) {
      throw new Error(`${where}: 'activeDeadlineSeconds' ${showValue(activeDeadlineSeconds)} must be a whole number from 1 to 3600`);
    }
    const resources = options.resources ?? JOB_RESOURCES;
    checkResources(resources, `${where}: 'resources'`);
    const job: ResolvedJobAnalysis = { image: options.image, command: [...options.command], env: { ...env }, activeDeadlineSeconds, resources };
    return new Analysis('job', where, options, { name: 'job', initialDelay: undefined, interval: undefined, count: 1, failureLimit: 0 }, job, [
      ...options.command,
      ...Object.values(env),
    ]);
  }

  /** Metric name, also the suffix of the AnalysisTemplate name. */
  public readonly name: string;
  public readonly initialDelay: string | undefined;
  public readonly interval: string | undefined;
  public readonly count: number;
  public readonly failureLimit: number;
  /** Values of the analysis's own arguments where the strategy gives none. */
  public readonly defaultArgs: Readonly<Record<string, string>>;
  /** Arguments the analysis reads besides the built-in ones, sorted. */
  public readonly args: readonly string[];

  private constructor(
    /** The metric provider. */
    public readonly kind: 'web' | 'prometheus' | 'job',
    where: string,
    options: MeasurementOptions,
    defaults: { name: string; initialDelay: string | undefined; interval: string | undefined; count: number; failureLimit: number },
    private readonly provider: ResolvedWebAnalysis | ResolvedPrometheusAnalysis | ResolvedJobAnalysis,
    templated: readonly string[],
  ) {
    this.name = checkDnsLabel(options.name ?? defaults.name, `${where}: 'name'`, 22);
    this.initialDelay = options.initialDelay ?? defaults.initialDelay;
    this.interval = options.interval ?? defaults.interval;
    for (const [key, value] of [['initialDelay', this.initialDelay], ['interval', this.interval]] as const) {
      if (value !== undefined && (typeof value !== 'string' || !DURATION.test(value))) throw new Error(`${where}: '${key}' ${showValue(value)} must look like 30s, 5m or 1h`);
    }
    this.count = options.count ?? defaults.count;
    if (!Number.isInteger(this.count) || this.count < 1) throw new Error(`${where}: 'count' ${showValue(this.count)} must be a whole number >= 1`);
    if (this.count > 1 && this.interval === undefined) throw new Error(`${where}: 'count' ${this.count} needs an 'interval' between the measurements`);
    this.failureLimit = options.failureLimit ?? defaults.failureLimit;
    if (!Number.isInteger(this.failureLimit) || this.failureLimit < 0 || this.failureLimit >= this.count) {
      throw new Error(`${where}: 'failureLimit' ${showValue(this.failureLimit)} must be a whole number from 0 to 'count' - 1 (${this.count - 1}): it counts tolerated failures`);
    }
    const defaultArgs = options.defaultArgs ?? {};
    if (!isObject(defaultArgs)) throw new Error(`${where}: 'defaultArgs' ${showValue(defaultArgs)} must be a mapping of argument names to strings`);
    const used = new Set<string>();
    for (const text of templated) for (const match of text.matchAll(ARG_REFERENCE)) used.add(match[1]!);
    for (const arg of used) {
      if (!ARG_NAME.test(arg)) throw new Error(`${where}: '{{args.${arg}}}' names no valid argument; rule: lowercase letters, digits and '-'`);
    }
    for (const [key, value] of Object.entries(defaultArgs)) {
      if ((BUILT_IN_ANALYSIS_ARGS as readonly string[]).includes(key)) throw new Error(`${where}: 'defaultArgs.${key}' is set by the Rollout; remove it`);
      if (!used.has(key)) throw new Error(`${where}: 'defaultArgs.${key}' is not read by the analysis (no {{args.${key}}})`);
      if (typeof value !== 'string') throw new Error(`${where}: 'defaultArgs.${key}' ${showValue(value)} must be a string`);
    }
    this.defaultArgs = { ...defaultArgs };
    this.args = [...used].filter((a) => !(BUILT_IN_ANALYSIS_ARGS as readonly string[]).includes(a)).sort();
  }

  /** Resolved web options; throws for other kinds. */
  public get web(): ResolvedWebAnalysis {
    return this.providerOf('web') as ResolvedWebAnalysis;
  }

  /** Resolved Prometheus options; throws for other kinds. */
  public get prometheus(): ResolvedPrometheusAnalysis {
    return this.providerOf('prometheus') as ResolvedPrometheusAnalysis;
  }

  /** Resolved Job options; throws for other kinds. */
  public get job(): ResolvedJobAnalysis {
    return this.providerOf('job') as ResolvedJobAnalysis;
  }

  /** Whether two analyses render the same template (one name must mean one template). */
  public sameAs(other: Analysis): boolean {
    return JSON.stringify(this) === JSON.stringify(other);
  }

  private providerOf(kind: Analysis['kind']): unknown {
    if (this.kind !== kind) throw new Error(`Analysis '${this.name}': this is a '${this.kind}' analysis, not '${kind}'`);
    return this.provider;
  }
}

/** Throws unless `value` is an http(s) URL of a Prometheus server. */
export function checkPrometheusAddress(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length > 2048 || !HTTP_URL.test(value)) {
    throw new Error(`${where}: ${showValue(value)} must be an http(s) URL like 'http://kube-prom-stack-kube-prome-prometheus.observability.svc.cluster.local:9090'`);
  }
  return value;
}

function checkCondition(value: unknown, where: string): void {
  if (typeof value !== 'string' || !/\bresult\b/.test(value)) throw new Error(`${where} ${showValue(value)} must test 'result', like 'result[0] >= 0.95'`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

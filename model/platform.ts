import { RolloutStrategy } from './rollout-strategy.js';
import { checkPrometheusAddress } from './analysis.js';
import { SyncPolicy } from './sync-policy.js';
import { TagFormat } from './image-tag.js';
import { checkFreezeWindow, type FreezeWindow } from './freeze-window.js';
import { ConfigValue, type ServiceConfigSchema } from './service-config.js';

export type { FreezeWindow } from './freeze-window.js';
import type { PromotionGate } from './gate.js';
import { ReleaseTrain, type ReleaseTrainProps } from './release-train.js';
import { checkAddons, type ServiceAddon } from './addon.js';
import { replicaOwners } from './replica-ownership.js';
import { checkServiceShape, type IngressPathProps, type InitContainerProps, type ServiceShape, type ServiceVolumeProps, type SidecarProps } from './service-shape.js';
import { checkResources, type ResourceRequirements } from './quantity.js';
import { HelmChartDefinition, type HelmChartProps } from './helm-chart.js';
import {
  checkDnsLabel,
  checkDnsSubdomain,
  checkGitRef,
  checkGitUrl,
  checkGithubOwner,
  checkGithubRepo,
  checkHostName,
  checkPathSegment,
  isDnsLabel,
  isDnsSubdomain,
  isHostName,
  listNames,
  RULES,
  showValue,
} from './names.js';

export { isDnsLabel } from './names.js';
export { ReleaseTrain, type ReleaseTrainProps } from './release-train.js';

export { checkResources, type ResourceQuantities, type ResourceRequirements } from './quantity.js';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * How an environment with several upstreams accepts a tag: it must have run (and soaked) in `all`
 * of them, or in `any` one.
 */
export type FanIn = 'all' | 'any';
export const FAN_INS: readonly FanIn[] = ['all', 'any'];

const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9._-]{1,100}$/;

/**
 * Pull-request builds of a service go to `<repository>-preview`, a registry repository no
 * environment reads, so a pull request can never write a tag a real environment accepts.
 */
export const PREVIEW_REPOSITORY_SUFFIX = '-preview';

const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** What a platform engineer says about one service. */
export interface ServiceProps {
  /** DNS label; Applications are named `<service>-<env>`. */
  readonly name: string;
  /**
   * Container registry repository of the image (an ECR repository name).
   * @default - the service name
   */
  readonly repository?: string;
  /**
   * GitHub repository ('owner/repo') the service's image is built from. Its labelled pull requests
   * get a preview `preview-<service>-<n>` running the pull request's `pr-<n>-<sha8>` image (pushed to
   * the `<repository>-preview` ECR repository) next to what the first environment runs of every
   * other service. Needs platform `previews`.
   * @default - no application-repository previews for the service
   */
  readonly sourceRepository?: string;
  /**
   * Port the container listens on. Below 1024 the pod gets the safe sysctl
   * `net.ipv4.ip_unprivileged_port_start`, so the non-root process may bind it.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Port the Service (and the Ingress) expose, whatever the container listens on.
   * @default 80
   */
  readonly servicePort?: number;
  /**
   * Liveness probe path; also the path the rollout analysis checks.
   * @default '/healthz'
   */
  readonly healthPath?: string;
  /**
   * Readiness probe path.
   * @default '/readyz'
   */
  readonly readinessPath?: string;
  /**
   * Startup probe path: polled until the container has started, before liveness and readiness count.
   * @default - the readiness path
   */
  readonly startupPath?: string;
  /**
   * Public host name in production; other environments get `<env>.<host>`.
   * @default - no Ingress
   */
  readonly host?: string;
  /**
   * Plain environment variables of the container (no secrets: those belong in a Secret store).
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Per-environment configuration: variable name → its type, default and rules
   * (`ConfigValue.string()`, `.number()`, `.boolean()`, `.secretRef()`). Values live in
   * `<project>:config.<service>` of each `Pulumi.<env>.yaml`; plain values render as a ConfigMap whose
   * name carries a content hash, secret references as `secretKeyRef`s (docs/configuration.md).
   * @default {}
   */
  readonly config?: ServiceConfigSchema;
  /**
   * How the rollout analysis reads the health response: a JSONPath into it and the condition a
   * healthy answer meets (Argo Rollouts web metric).
   * @default { jsonPath: '{$.status}', successCondition: 'result == "ok"' }
   */
  readonly healthResponse?: HealthResponse;
  /**
   * Extra typed constructs of the service (autoscaler, database, jobs, one's own), each placed in
   * the base or in the overlays of named environments.
   * @default []
   */
  readonly addons?: readonly ServiceAddon[];
  /**
   * Further long-running containers of every pod (same secure defaults, pinned images, probes).
   * @default []
   */
  readonly sidecars?: readonly SidecarProps[];
  /**
   * Containers that run to completion before the others start.
   * @default []
   */
  readonly initContainers?: readonly InitContainerProps[];
  /**
   * Volumes (emptyDir, ConfigMap, Secret) mounted into chosen containers.
   * @default []
   */
  readonly volumes?: readonly ServiceVolumeProps[];
  /**
   * Paths of the ingress host, each to this service or another of the platform (e.g. '/api' to
   * api, '/' to web). Needs `host`.
   * @default [{ path: '/' }]
   */
  readonly ingressPaths?: readonly IngressPathProps[];
  /**
   * Deploy the service from a Helm chart instead of ferry's kustomize base: each environment's
   * chart version and values live in `<project>:charts`, its image tag in `<project>:images` like
   * every service's; ferry renders `manifests/helm/<env>/<service>/values.yaml` and an Argo CD
   * Application with a Helm source (docs/helm.md). The kustomize-only props (port, paths, host,
   * env, healthResponse, sourceRepository, config) are refused with it: the chart's values set those.
   * @default - a kustomize service
   */
  readonly chart?: HelmChartProps;
}

/** What a healthy answer of a service's health path looks like to the rollout analysis. */
export interface HealthResponse {
  /** JSONPath into the JSON response, e.g. '{$.status}'. */
  readonly jsonPath: string;
  /** Argo Rollouts condition over `result`, e.g. 'result == "ok"'. */
  readonly successCondition: string;
}

/** A service with every default resolved. */
export class ServiceDefinition {
  public readonly name: string;
  public readonly repository: string;
  public readonly sourceRepository: string | undefined;
  public readonly port: number;
  public readonly servicePort: number;
  public readonly healthPath: string;
  public readonly readinessPath: string;
  public readonly startupPath: string;
  public readonly host: string | undefined;
  public readonly env: Readonly<Record<string, string>>;
  public readonly config: ServiceConfigSchema;
  public readonly healthResponse: HealthResponse;
  public readonly addons: readonly ServiceAddon[];
  /** Sidecars, init containers, volumes and ingress paths, checked. */
  public readonly shape: ServiceShape;
  /** The Helm chart it is deployed from; undefined for a kustomize service. */
  public readonly chart: HelmChartDefinition | undefined;

  public constructor(props: ServiceProps) {
    if (!isObject(props)) throw new Error(`platform 'services': ${showValue(props)} must be a service like { name: 'api' }`);
    const where = `service '${props.name}'`;
    if (typeof props.name !== 'string' || !isDnsLabel(props.name, 40)) {
      throw new Error(`service name ${JSON.stringify(props.name)} is not a DNS label of at most 40 characters (lowercase letters, digits, '-')`);
    }
    this.name = props.name;
    this.repository = props.repository ?? props.name;
    if (typeof this.repository !== 'string' || this.repository.length > 200 || !/^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(this.repository)) {
      throw new Error(`${where}: 'repository' ${JSON.stringify(this.repository)} is not a valid repository name`);
    }
    if (this.repository.endsWith(PREVIEW_REPOSITORY_SUFFIX)) {
      throw new Error(`${where}: 'repository' ${JSON.stringify(this.repository)} must not end in '${PREVIEW_REPOSITORY_SUFFIX}' (reserved for pull-request builds)`);
    }
    this.sourceRepository = props.sourceRepository;
    if (this.sourceRepository !== undefined && !GITHUB_REPOSITORY.test(this.sourceRepository)) {
      throw new Error(`${where}: 'sourceRepository' ${JSON.stringify(this.sourceRepository)} must be a GitHub repository 'owner/repo'`);
    }
    this.port = props.port ?? 8080;
    if (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535) {
      throw new Error(`${where}: 'port' ${showValue(this.port)} must be a whole number from 1 to 65535`);
    }
    this.servicePort = props.servicePort ?? 80;
    if (!Number.isInteger(this.servicePort) || this.servicePort < 1 || this.servicePort > 65535) {
      throw new Error(`${where}: 'servicePort' ${showValue(this.servicePort)} must be a whole number from 1 to 65535`);
    }
    this.healthPath = props.healthPath ?? '/healthz';
    this.readinessPath = props.readinessPath ?? '/readyz';
    this.startupPath = props.startupPath ?? this.readinessPath;
    for (const [key, value] of [['healthPath', this.healthPath], ['readinessPath', this.readinessPath], ['startupPath', this.startupPath]] as const) {
      if (typeof value !== 'string' || value.length > 1024 || !HTTP_PATH.test(value)) throw new Error(`${where}: '${key}' ${JSON.stringify(value)} must be an absolute HTTP path like '/healthz'`);
    }
    this.host = props.host === undefined ? undefined : checkHostName(props.host, `${where}: 'host'`);
    const env = props.env ?? {};
    if (!isObject(env)) throw new Error(`${where}: 'env' ${showValue(env)} must be a mapping of variable names to strings`);
    for (const key of Object.keys(env)) {
      if (!ENV_NAME.test(key) || key.length > 256) throw new Error(`${where}: env ${showValue(key)} is not a valid variable name (A-Z, 0-9, _)`);
      if (key === 'LOG_LEVEL') throw new Error(`${where}: env 'LOG_LEVEL' is set per environment by the profile's 'logLevel'; remove it from the service`);
      const value: unknown = env[key];
      if (typeof value !== 'string') throw new Error(`${where}: env '${key}' ${showValue(value)} must be a string (write numbers and booleans in quotes; remove the variable rather than set it to null)`);
      if (/[\x00-\x08\x0b-\x1f\x7f]/.test(value) || value.length > 32768) throw new Error(`${where}: env '${key}' ${showValue(value)} must be at most 32768 characters without control characters`);
    }
    this.env = Object.fromEntries(Object.keys(env).sort().map((k) => [k, env[k]!]));
    const config = props.config ?? {};
    if (!isObject(config)) throw new Error(`${where}: 'config' ${showValue(config)} must be a mapping of variable names to ConfigValue.string() / .number() / .boolean() / .secretRef()`);
    for (const key of Object.keys(config)) {
      if (!ENV_NAME.test(key) || key.length > 256) throw new Error(`${where}: config ${showValue(key)} is not a valid variable name (A-Z, 0-9, _)`);
      if (key === 'LOG_LEVEL') throw new Error(`${where}: config 'LOG_LEVEL' is set per environment by the profile's 'logLevel'; remove it from the service`);
      if (key in this.env) throw new Error(`${where}: config '${key}' is also in 'env'; a variable is either the same everywhere (env) or per environment (config), not both`);
      if (!(config[key] instanceof ConfigValue)) throw new Error(`${where}: config '${key}' ${showValue(config[key])} must be made by ConfigValue.string(), .number(), .boolean() or .secretRef()`);
    }
    this.config = Object.fromEntries(Object.keys(config).sort().map((k) => [k, config[k]!]));
    this.healthResponse = props.healthResponse ?? { jsonPath: '{$.status}', successCondition: 'result == "ok"' };
    if (!isObject(this.healthResponse) || typeof this.healthResponse.jsonPath !== 'string' || typeof this.healthResponse.successCondition !== 'string') {
      throw new Error(`${where}: 'healthResponse' ${showValue(this.healthResponse)} must be { jsonPath: '{$.status}', successCondition: 'result == "ok"' }`);
    }
    if (!/^\{\$.*\}$/.test(this.healthResponse.jsonPath)) {
      throw new Error(`${where}: 'healthResponse.jsonPath' ${JSON.stringify(this.healthResponse.jsonPath)} must be a JSONPath like '{$.status}'`);
    }
    if (!/\bresult\b/.test(this.healthResponse.successCondition)) {
      throw new Error(`${where}: 'healthResponse.successCondition' ${JSON.stringify(this.healthResponse.successCondition)} must test 'result', like 'result == "ok"'`);
    }
    this.addons = checkAddons(props.addons ?? [], where);
    this.shape = checkServiceShape(this.name, props, where);
    this.chart = props.chart === undefined ? undefined : new HelmChartDefinition(props.chart, where);
    if (this.chart) {
      const kustomizeOnly = (['port', 'servicePort', 'healthPath', 'readinessPath', 'startupPath', 'host', 'env', 'healthResponse', 'sourceRepository', 'config', 'addons', 'sidecars', 'initContainers', 'volumes', 'ingressPaths'] as const).filter((k) => props[k] !== undefined);
      if (kustomizeOnly.length > 0) {
        throw new Error(`${where}: '${kustomizeOnly[0]}' ${showValue(props[kustomizeOnly[0]!])} does not apply to a chart service ('chart' is set): set it in 'chart.values' or <project>:charts.${props.name}.values`);
      }
    }
  }
}

/** What an environment is like: sizes, sync, rollout and promotion rules. */
export interface EnvironmentProfileProps {
  /**
   * Replicas of each service.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Container requests and limits.
   * @default - requests 100m/128Mi, limits 500m/256Mi
   */
  readonly resources?: ResourceRequirements;
  /**
   * LOG_LEVEL of every container.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * How Argo CD syncs it.
   * @default SyncPolicy.automated()
   */
  readonly syncPolicy?: SyncPolicy;
  /**
   * How a new version replaces the old.
   * @default RolloutStrategy.rollingUpdate()
   */
  readonly strategy?: RolloutStrategy;
  /**
   * Cluster (one Argo CD each) the environment runs on.
   * @default 'nonprod'
   */
  readonly cluster?: string;
  /**
   * Namespace of the environment.
   * @default - the environment name
   */
  readonly namespace?: string;
  /**
   * Prefix of service hosts: `<prefix><host>`.
   * @default - '<env>.'
   */
  readonly hostPrefix?: string;
  /**
   * Promotions must go through a reviewed pull request, never a direct commit to the default branch.
   * @default false
   */
  readonly requiresReview?: boolean;
  /**
   * Hours a tag must have run in the upstream environment before it may be promoted here.
   * @default 0
   */
  readonly soakHours?: number;
  /**
   * Tag formats the environment accepts.
   * @default - every format but pull-request builds
   */
  readonly tagFormats?: readonly TagFormat[];
  /**
   * Windows in which promotions are refused.
   * @default []
   */
  readonly freezeWindows?: readonly FreezeWindow[];
  /**
   * Gates `ferry promote` and `ferry rollback` run before writing to this environment; each can be
   * overridden with `--override <name> --reason "..."`, recorded in the commit.
   * @default - the standard gates: tag-format, order, soak, approval, freeze, image
   */
  readonly gates?: readonly PromotionGate[];
  /**
   * Release approvers: GitHub users ('@octocat') or teams ('@example-org/release-managers') who own
   * the environment's files in the generated CODEOWNERS. An environment that requires review needs
   * at least one (`ferry codeowners` refuses it otherwise).
   * @default []
   */
  readonly approvers?: readonly string[];
  /**
   * Environments this one is promoted from: its upstreams in the promotion graph. Several make a
   * fan-in (see `fanIn`); the same upstream named by several environments makes a fan-out. `[]`
   * makes it a source of the graph: tags arrive with `--tag` (from CI).
   * @default - the environment before it in the platform's list; none for the first
   */
  readonly upstreams?: readonly string[];
  /**
   * With several upstreams: whether a tag must have run (and soaked) in `all` of them, or in `any` one.
   * @default 'all'
   */
  readonly fanIn?: FanIn;
  /**
   * Promotions here need the tag verified healthy in the upstream environment(s) (by the target's
   * `fanIn`): a verification record `ferry verify record` committed when Argo CD reported the
   * deployment (the `verified` gate). Off by default because only a platform whose clusters send
   * their notifications (platform `notifications`) records verifications.
   * @default false
   */
  readonly requiresVerification?: boolean;
  /**
   * Add-ons of every service in this environment, in its overlays (e.g. an autoscaler for each
   * service in prod); never in the base.
   * @default []
   */
  readonly addons?: readonly ServiceAddon[];
}

export const DEFAULT_RESOURCES: ResourceRequirements = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** One node of the promotion graph. */
export class Environment {
  /** An environment with a profile; the graph decides its place. */
  public static of(name: string, profile: EnvironmentProfileProps = {}): Environment {
    return new Environment(name, profile);
  }

  public readonly replicas: number;
  public readonly resources: ResourceRequirements;
  public readonly logLevel: LogLevel;
  public readonly syncPolicy: SyncPolicy;
  public readonly strategy: RolloutStrategy;
  public readonly cluster: string;
  public readonly namespace: string;
  public readonly hostPrefix: string;
  public readonly requiresReview: boolean;
  public readonly soakHours: number;
  public readonly tagFormats: readonly TagFormat[];
  public readonly freezeWindows: readonly FreezeWindow[];
  /** The profile's own gates; undefined means the standard gates (resolved by the promotion engine). */
  public readonly gates: readonly PromotionGate[] | undefined;
  public readonly approvers: readonly string[];
  /** Upstreams as declared; undefined means the environment before it in the platform's list. */
  public readonly declaredUpstreams: readonly string[] | undefined;
  public readonly fanIn: FanIn;
  public readonly requiresVerification: boolean;
  /** Add-ons of every service in this environment's overlays. */
  public readonly addons: readonly ServiceAddon[];

  private constructor(public readonly name: string, profile: EnvironmentProfileProps) {
    if (typeof name !== 'string' || !isDnsLabel(name, 20) || name === 'preview' || name.startsWith('preview-')) {
      throw new Error(`environment name ${JSON.stringify(name)} must be a DNS label of at most 20 characters and not 'preview' or 'preview-*' (reserved for pull-request previews)`);
    }
    const where = `environment '${name}'`;
    if (!isObject(profile)) throw new Error(`${where}: profile ${showValue(profile)} must be a mapping like Profiles.staging()`);
    this.replicas = profile.replicas ?? 1;
    checkReplicas(this.replicas, `${where}: 'replicas'`);
    this.resources = profile.resources ?? DEFAULT_RESOURCES;
    checkResources(this.resources, `${where}: 'resources'`);
    this.logLevel = profile.logLevel ?? 'INFO';
    checkLogLevel(this.logLevel, `${where}: 'logLevel'`);
    this.syncPolicy = profile.syncPolicy ?? SyncPolicy.automated();
    if (!(this.syncPolicy instanceof SyncPolicy)) throw new Error(`${where}: 'syncPolicy' ${showValue(this.syncPolicy)} must be SyncPolicy.automated() or SyncPolicy.manual()`);
    this.strategy = profile.strategy ?? RolloutStrategy.rollingUpdate();
    if (!(this.strategy instanceof RolloutStrategy)) throw new Error(`${where}: 'strategy' ${showValue(this.strategy)} must be a RolloutStrategy like RolloutStrategy.rollingUpdate()`);
    // The cluster names a folder (manifests/argocd/<cluster>) and the namespace a Kubernetes object.
    this.cluster = checkPathSegment(profile.cluster ?? 'nonprod', `${where}: 'cluster'`, 30);
    this.namespace = checkDnsLabel(profile.namespace ?? name, `${where}: 'namespace'`);
    this.hostPrefix = profile.hostPrefix ?? `${name}.`;
    if (typeof this.hostPrefix !== 'string' || (this.hostPrefix !== '' && !/^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+$/.test(this.hostPrefix)) || this.hostPrefix.length > 200) {
      throw new Error(`${where}: 'hostPrefix' ${showValue(this.hostPrefix)} must be empty or DNS labels each followed by '.'; rule: ${RULES.host}`);
    }
    this.requiresReview = profile.requiresReview ?? false;
    if (typeof this.requiresReview !== 'boolean') throw new Error(`${where}: 'requiresReview' ${showValue(this.requiresReview)} must be true or false`);
    this.soakHours = profile.soakHours ?? 0;
    if (typeof this.soakHours !== 'number' || !(this.soakHours >= 0) || !Number.isFinite(this.soakHours)) throw new Error(`${where}: 'soakHours' must be a number >= 0, got ${showValue(this.soakHours)}`);
    this.tagFormats = profile.tagFormats ?? TagFormat.ALL.filter((f) => f !== TagFormat.PULL_REQUEST);
    if (!Array.isArray(this.tagFormats) || !this.tagFormats.every((f) => f instanceof TagFormat)) throw new Error(`${where}: 'tagFormats' ${showValue(this.tagFormats)} must be a list of TagFormat like [TagFormat.RELEASE]`);
    if (this.tagFormats.length === 0) throw new Error(`${where}: 'tagFormats' must not be empty`);
    if (this.tagFormats.includes(TagFormat.PULL_REQUEST) && !this.syncPolicy.automated && this.requiresReview) {
      throw new Error(`${where}: 'tagFormats' includes pull-request builds but the environment requires review; pr-* tags belong in previews`);
    }
    this.freezeWindows = profile.freezeWindows ?? [];
    if (!Array.isArray(this.freezeWindows)) throw new Error(`${where}: 'freezeWindows' ${showValue(this.freezeWindows)} must be a list`);
    this.freezeWindows.forEach((w, i) => checkFreezeWindow(w, `${where}: 'freezeWindows[${i}]'`));
    this.gates = profile.gates;
    if (this.gates !== undefined && (!Array.isArray(this.gates) || !this.gates.every((g) => isObject(g) && typeof g.name === 'string'))) {
      throw new Error(`${where}: 'gates' ${showValue(this.gates)} must be a list of gates`);
    }
    if (this.gates) assertUnique(this.gates.map((g) => g.name), `${where}: 'gates'`);
    this.approvers = profile.approvers ?? [];
    checkApprovers(this.approvers, `${where}: 'approvers'`);
    if (profile.upstreams !== undefined) {
      if (!Array.isArray(profile.upstreams) || profile.upstreams.some((u) => typeof u !== 'string')) {
        throw new Error(`${where}: 'upstreams' ${JSON.stringify(profile.upstreams)} must be a list of environment names`);
      }
      assertUnique(profile.upstreams, `${where}: 'upstreams'`);
    }
    this.declaredUpstreams = profile.upstreams;
    this.fanIn = profile.fanIn ?? 'all';
    if (!FAN_INS.includes(this.fanIn)) throw new Error(`${where}: 'fanIn' ${JSON.stringify(this.fanIn)} is not allowed; allowed: ${FAN_INS.join(', ')}`);
    this.requiresVerification = profile.requiresVerification ?? false;
    if (typeof this.requiresVerification !== 'boolean') throw new Error(`${where}: 'requiresVerification' ${showValue(this.requiresVerification)} must be true or false`);
    this.addons = checkAddons(profile.addons ?? [], where);
    for (const addon of this.addons) {
      if (!addon.placement.appliesTo(name)) {
        throw new Error(`${where}: add-on '${addon.id}' has placement ${addon.placement.toString()}; an environment's add-ons go to its own overlays: give it AddonPlacement.everyEnvironment() or AddonPlacement.environments('${name}')`);
      }
    }
  }
}

const GITHUB_USER = /^@[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const GITHUB_TEAM = /^@[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throws unless every approver is a GitHub '@user' or '@org/team' handle, each listed once. */
export function checkApprovers(value: unknown, where: string): asserts value is readonly string[] {
  if (!Array.isArray(value)) throw new Error(`${where}: ${JSON.stringify(value)} must be a list of GitHub handles like ['@example-org/release-managers']`);
  const seen = new Set<string>();
  for (const handle of value as unknown[]) {
    if (typeof handle !== 'string' || !(GITHUB_USER.test(handle) || GITHUB_TEAM.test(handle))) {
      throw new Error(`${where}: ${JSON.stringify(handle)} is not a GitHub handle; allowed: a user '@octocat' or a team '@example-org/release-managers'`);
    }
    if (seen.has(handle.toLowerCase())) throw new Error(`${where}: '${handle}' appears twice`);
    seen.add(handle.toLowerCase());
  }
}

export function checkReplicas(value: unknown, where: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100) {
    throw new Error(`${where}: ${JSON.stringify(value)} must be a whole number from 1 to 100`);
  }
}

export function checkLogLevel(value: unknown, where: string): asserts value is LogLevel {
  if (!(LOG_LEVELS as readonly unknown[]).includes(value)) {
    throw new Error(`${where}: ${JSON.stringify(value)} is not a log level; allowed: ${LOG_LEVELS.join(', ')}`);
  }
}

/** Out-of-the-box profiles; spread and override what differs. */
export const Profiles = {
  /** One replica, DEBUG logs, automated sync, rolling update. */
  development: (overrides: EnvironmentProfileProps = {}): EnvironmentProfileProps => ({
    replicas: 1,
    logLevel: 'DEBUG',
    syncPolicy: SyncPolicy.automated(),
    strategy: RolloutStrategy.rollingUpdate(),
    ...overrides,
  }),
  /** Two replicas, INFO logs, automated sync, rolling update, 1 h soak of dev builds. */
  staging: (overrides: EnvironmentProfileProps = {}): EnvironmentProfileProps => ({
    replicas: 2,
    logLevel: 'INFO',
    syncPolicy: SyncPolicy.automated(),
    strategy: RolloutStrategy.rollingUpdate(),
    soakHours: 1,
    ...overrides,
  }),
  /** Three replicas, WARN logs, manual sync, blue-green with analysis, reviewed promotions, 24 h soak, release and sha tags only. */
  production: (overrides: EnvironmentProfileProps = {}): EnvironmentProfileProps => ({
    replicas: 3,
    logLevel: 'WARN',
    syncPolicy: SyncPolicy.manual(),
    strategy: RolloutStrategy.blueGreen(),
    cluster: 'prod',
    hostPrefix: '',
    requiresReview: true,
    soakHours: 24,
    tagFormats: [TagFormat.RELEASE, TagFormat.SHA],
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    ...overrides,
  }),
};

/**
 * Ephemeral pull-request environments: `preview-<pr>` for a pull request of the platform repository
 * (its own rendered manifests, at its head commit, with the images the first environment runs), and
 * `preview-<service>-<pr>` for a pull request of a service's `sourceRepository`.
 */
export interface PreviewProps {
  /** GitHub owner of the platform repository (the one holding the manifests). */
  readonly owner: string;
  /** GitHub name of the platform repository. */
  readonly repo: string;
  /**
   * Only pull requests with this label get a preview.
   * @default 'preview'
   */
  readonly label?: string;
  /**
   * Cluster that runs previews.
   * @default 'nonprod'
   */
  readonly cluster?: string;
  /**
   * Secret (in Argo CD's namespace) holding the GitHub token, key 'token'.
   * @default 'github-token'
   */
  readonly tokenSecret?: string;
}

/**
 * Signals from inside the cluster: Argo CD Notifications sends a GitHub `repository_dispatch` to
 * the platform repository when an Application synced and is Healthy, went Degraded, or its Rollout
 * aborted (and, optionally, a Slack message), so the verify workflow reacts instead of polling.
 */
export interface NotificationsProps {
  /**
   * Where the dispatches go. The token is read from the Secret `argocd-notifications-secret`, key
   * `github-token` (never rendered: create it in the cluster).
   * @default - the platform repository, from repoURL, at https://api.github.com
   */
  readonly github?: {
    /** @default - the owner in repoURL */
    readonly owner?: string;
    /** @default - the repository in repoURL */
    readonly repo?: string;
    /**
     * GitHub API base URL (GitHub Enterprise: https://<host>/api/v3).
     * @default 'https://api.github.com'
     */
    readonly apiUrl?: string;
  };
  /**
   * Also post to this Slack channel (token: key `slack-token` of the same Secret).
   * @default - no Slack
   */
  readonly slack?: { readonly channel: string };
}

/** The whole platform: where manifests live, which services, which environments in which order. */
export interface PlatformProps {
  /** DNS label; also the Argo CD AppProject name. */
  readonly name: string;
  /** Git repository Argo CD reads the rendered manifests from. */
  readonly repoURL: string;
  /**
   * Branch Argo CD tracks.
   * @default 'main'
   */
  readonly targetRevision?: string;
  /** Registry host of every image, e.g. '123456789012.dkr.ecr.eu-west-1.amazonaws.com'. */
  readonly registry: string;
  readonly services: readonly ServiceProps[];
  /**
   * The environments of the promotion graph. Each is promoted from its profile's `upstreams`; an
   * environment that names none is promoted from the one before it in this list (so a plain list
   * is a chain: dev → stage → prod).
   */
  readonly environments: readonly Environment[];
  /**
   * Pull-request previews; `false` turns them off.
   * @default false
   */
  readonly previews?: PreviewProps | false;
  /**
   * Ingress class of every Ingress.
   * @default 'nginx'
   */
  readonly ingressClassName?: string;
  /**
   * Namespaces whose pods may reach services (the ingress controller, the Argo Rollouts analysis).
   * @default ['ingress', 'argo-rollouts']
   */
  readonly allowedIngressNamespaces?: readonly string[];
  /**
   * Namespace Argo CD runs in.
   * @default 'argocd'
   */
  readonly argocdNamespace?: string;
  /**
   * URL of the cluster's Prometheus, queried by `Analysis.prometheus` analyses that name no
   * `address`. MicroK8s' observability addon serves it at
   * 'http://kube-prom-stack-kube-prome-prometheus.observability.svc.cluster.local:9090'.
   * @default - none: a Prometheus analysis must name its own address
   */
  readonly prometheusAddress?: string;
  /**
   * Argo CD Notifications: render `argocd-notifications-cm` for every cluster and subscribe each
   * Application, so the cluster reports deployments to GitHub (see {@link NotificationsProps}).
   * @default - none: no notifications configuration is rendered
   */
  readonly notifications?: NotificationsProps;
  /**
   * Release trains: services promoted together as one named unit (`ferry promote --train <name>`),
   * one commit and one rollback for all members. A service rides at most one train.
   * @default [] - no trains
   */
  readonly releaseTrains?: readonly ReleaseTrainProps[];
}

/** Notifications with every default resolved. */
export interface ResolvedNotifications {
  readonly github: { readonly owner: string; readonly repo: string; readonly apiUrl: string };
  readonly slack: { readonly channel: string } | undefined;
}

/** Each platform's services by name: Platform.service's index. */
const SERVICES_BY_NAME = new WeakMap<Platform, ReadonlyMap<string, ServiceDefinition>>();

/** The platform with every default resolved and every cross-cutting rule checked. */
export class Platform {
  public readonly name: string;
  public readonly repoURL: string;
  public readonly targetRevision: string;
  public readonly registry: string;
  /** Sorted by name, so the order of definition never changes the output. */
  public readonly services: readonly ServiceDefinition[];
  /** As declared; each one's upstreams are {@link upstreamsOf}. */
  public readonly environments: readonly Environment[];
  /** Environment name -> names of its upstreams, resolved and checked. */
  private readonly upstreamNames: ReadonlyMap<string, readonly string[]>;
  public readonly previews: Required<PreviewProps> | undefined;
  public readonly ingressClassName: string;
  public readonly allowedIngressNamespaces: readonly string[];
  public readonly argocdNamespace: string;
  public readonly prometheusAddress: string | undefined;
  public readonly notifications: ResolvedNotifications | undefined;
  public readonly releaseTrains: readonly ReleaseTrain[];

  public constructor(props: PlatformProps) {
    if (!isObject(props)) throw new Error(`platform: ${showValue(props)} must be the platform's properties { name, repoURL, registry, services, environments }`);
    if (!isDnsLabel(props.name, 40)) throw new Error(`platform 'name' ${JSON.stringify(props.name)} must be a DNS label of at most 40 characters`);
    if (props.name === 'default') throw new Error("platform 'name' must not be 'default': Argo CD's default AppProject allows everything");
    this.name = props.name;
    // Both are written into the committed Argo CD files and given to git.
    this.repoURL = checkGitUrl(props.repoURL, "platform 'repoURL'");
    this.targetRevision = checkGitRef(props.targetRevision ?? 'main', "platform 'targetRevision'");
    if (
      typeof props.registry !== 'string' ||
      !/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/.test(props.registry) ||
      props.registry.length > 255 ||
      !isDnsSubdomain(props.registry.split(/[:/]/)[0]!)
    ) throw new Error(`platform 'registry' ${JSON.stringify(props.registry)} must be a registry host like 123456789012.dkr.ecr.eu-west-1.amazonaws.com`);
    this.registry = props.registry;
    if (!Array.isArray(props.services) || props.services.length === 0) throw new Error(`platform 'services' ${showValue(props.services)} must be a non-empty list of services`);
    const services = props.services.map((s) => new ServiceDefinition(s));
    assertUnique(services.map((s) => s.name), "platform 'services'");
    this.services = [...services].sort((a, b) => compareStrings(a.name, b.name));
    if (!Array.isArray(props.environments) || props.environments.length === 0) throw new Error(`platform 'environments' ${showValue(props.environments)} must be a non-empty list of environments`);
    props.environments.forEach((e, i) => {
      if (!(e instanceof Environment)) throw new Error(`platform 'environments[${i}]' ${showValue(e)} must be an Environment, like Environment.of('dev', Profiles.development())`);
    });
    assertUnique(props.environments.map((e) => e.name), "platform 'environments'");
    assertUnique(props.environments.map((e) => `${e.cluster}/${e.namespace}`), "platform 'environments' cluster/namespace");
    this.environments = props.environments;
    this.upstreamNames = resolveGraph(props.environments);
    this.ingressClassName = checkDnsSubdomain(props.ingressClassName ?? 'nginx', "platform 'ingressClassName'");
    const allowed = props.allowedIngressNamespaces ?? ['ingress', 'argo-rollouts'];
    if (!Array.isArray(allowed)) throw new Error(`platform 'allowedIngressNamespaces' ${showValue(allowed)} must be a list of namespaces`);
    // Each becomes a label value in a NetworkPolicy's namespaceSelector.
    allowed.forEach((ns, i) => checkDnsLabel(ns, `platform 'allowedIngressNamespaces[${i}]'`));
    this.allowedIngressNamespaces = allowed;
    this.argocdNamespace = checkDnsLabel(props.argocdNamespace ?? 'argocd', "platform 'argocdNamespace'");
    this.prometheusAddress = props.prometheusAddress === undefined ? undefined : checkPrometheusAddress(props.prometheusAddress, "platform 'prometheusAddress'");
    this.releaseTrains = ReleaseTrain.all(props.releaseTrains, this.services.map((s) => s.name));
    if (props.previews !== undefined && props.previews !== false && !isObject(props.previews)) {
      throw new Error(`platform 'previews' ${showValue(props.previews)} must be false or { owner, repo }`);
    }
    this.previews = props.previews
      ? { label: 'preview', cluster: 'nonprod', tokenSecret: 'github-token', ...props.previews }
      : undefined;
    if (this.previews) {
      checkGithubOwner(this.previews.owner, "platform 'previews.owner'");
      checkGithubRepo(this.previews.repo, "platform 'previews.repo'");
      if (typeof this.previews.label !== 'string' || !/^[^\s,\x00-\x1f-][^,\x00-\x1f]{0,49}$/.test(this.previews.label)) {
        throw new Error(`platform 'previews.label' ${showValue(this.previews.label)} must be a GitHub label; rule: 1 to 50 characters, no comma or control character, not starting with a space or '-'`);
      }
      checkPathSegment(this.previews.cluster, "platform 'previews.cluster'", 30);
      checkDnsSubdomain(this.previews.tokenSecret, "platform 'previews.tokenSecret'");
    }
    // The hosts every environment answers on: `<hostPrefix><host>`, and previews `preview-<number>.<host>`.
    // Checked first without the message, which is built only for a host that fails (services x environments of them).
    for (const env of this.environments) {
      for (const service of this.services) {
        const host = service.host === undefined ? undefined : `${env.hostPrefix}${service.host}`;
        if (host !== undefined && !isHostName(host)) checkHostName(host, `environment '${env.name}': host of service '${service.name}' (hostPrefix + host)`);
      }
    }
    if (this.previews) {
      for (const service of this.services) {
        const host = service.host === undefined ? undefined : `preview-1234567890.${service.host}`;
        if (host !== undefined && !isHostName(host)) checkHostName(host, `platform 'previews': host of service '${service.name}' (preview-<number>.<host>)`);
      }
    }
    const serviceNames = new Set(this.services.map((s) => s.name));
    for (const service of this.services) {
      for (const path of service.shape.ingressPaths) {
        if (path.service !== undefined && !serviceNames.has(path.service)) {
          throw new Error(`service '${service.name}': ingress path '${path.path}' routes to unknown service '${path.service}'; services: ${this.services.map((s) => s.name).join(', ')}`);
        }
      }
    }
    const environmentNames = this.environments.map((e) => e.name);
    for (const service of this.services) {
      for (const addon of service.addons) {
        const unknown = addon.placement.environmentNames.filter((n) => !environmentNames.includes(n));
        if (unknown.length > 0) {
          throw new Error(`service '${service.name}': add-on '${addon.id}': placement names unknown environment ${unknown.map((n) => `'${n}'`).join(', ')}; environments: ${environmentNames.join(', ')}`);
        }
      }
      for (const env of this.environments) {
        const clash = env.addons.find((a) => service.addons.some((own) => own.id === a.id && own.placement.appliesTo(env.name)));
        if (clash) throw new Error(`service '${service.name}': add-on id '${clash.id}' is also an add-on of environment '${env.name}'; give one of them another 'id'`);
        const owners = replicaOwners(service, env);
        if (owners.length > 1) {
          throw new Error(`service '${service.name}': add-ons ${owners.map((a) => `'${a.id}'`).join(' and ')} both declare 'ownsReplicas' in environment '${env.name}'; two autoscalers of one workload fight over its replicas: keep one, or place them in different environments`);
        }
      }
    }
    if (this.previews && this.services.every((s) => s.chart !== undefined)) {
      throw new Error("platform 'previews': previews run the kustomize services, and every service is a chart service; drop 'previews' or add a kustomize service");
    }
    // Chart services roll out as their chart says: no Rollout of ferry's, so no progressive-delivery rule.
    for (const env of this.environments) checkProgressiveDelivery(env, this.services.filter((s) => s.chart === undefined), this.prometheusAddress);
    this.notifications = props.notifications === undefined ? undefined : resolveNotifications(props.notifications, this.repoURL);
    const withSource = this.services.filter((s) => s.sourceRepository !== undefined);
    if (withSource.length > 0 && !this.previews) {
      throw new Error(`service '${withSource[0]!.name}': 'sourceRepository' gives pull-request previews; set platform 'previews' too`);
    }
  }

  public service(name: string): ServiceDefinition {
    // Indexed on first use (a stack file of 2,000 services asks for each), outside the instance, which stays plain data.
    let byName = SERVICES_BY_NAME.get(this);
    if (!byName) SERVICES_BY_NAME.set(this, (byName = new Map(this.services.map((s) => [s.name, s]))));
    const service = byName.get(name);
    if (!service) throw new Error(`unknown service '${name}'; services: ${listNames(this.services.map((s) => s.name), name)}`);
    return service;
  }

  public releaseTrain(name: string): ReleaseTrain {
    const train = this.releaseTrains.find((t) => t.name === name);
    if (!train) throw new Error(`unknown release train '${name}'; trains: ${this.releaseTrains.map((t) => t.name).join(', ') || 'none (declare releaseTrains in the platform)'}`);
    return train;
  }

  /** The train `service` rides, or undefined. */
  public trainOf(service: string): ReleaseTrain | undefined {
    return this.releaseTrains.find((t) => t.services.includes(service));
  }

  public environment(name: string): Environment {
    const env = this.environments.find((e) => e.name === name);
    if (!env) throw new Error(`unknown environment '${name}'; environments: ${this.promotionOrder()}`);
    return env;
  }

  /** The environments `name` is promoted from, in declaration order; empty for a source. */
  public upstreamsOf(name: string): Environment[] {
    return this.upstreamNames.get(this.environment(name).name)!.map((n) => this.environment(n));
  }

  /** The environments promoted from `name`, in declaration order; empty for a sink. */
  public downstreamsOf(name: string): Environment[] {
    this.environment(name);
    return this.environments.filter((e) => this.upstreamNames.get(e.name)!.includes(name));
  }

  /** The environments nothing is promoted into (tags arrive with `--tag`), in declaration order. */
  public sources(): Environment[] {
    return this.environments.filter((e) => this.upstreamNames.get(e.name)!.length === 0);
  }

  /**
   * The one environment `name` is promoted from, or undefined for a source; throws when it has
   * several (use {@link upstreamsOf}): the graph never guesses.
   */
  public upstreamOf(name: string): Environment | undefined {
    const ups = this.upstreamsOf(name);
    if (ups.length > 1) throw new Error(`environment '${name}' has ${ups.length} upstreams (${ups.map((e) => e.name).join(', ')}); name one`);
    return ups[0];
  }

  /** The one environment promoted from `name`, or undefined for a sink; throws when there are several (use {@link downstreamsOf}). */
  public downstreamOf(name: string): Environment | undefined {
    const downs = this.downstreamsOf(name);
    if (downs.length > 1) throw new Error(`environment '${name}' has ${downs.length} downstreams (${downs.map((e) => e.name).join(', ')}); name one`);
    return downs[0];
  }

  /** Every environment, each after all of its upstreams (ties in declaration order). */
  public topologicalOrder(): Environment[] {
    const done = new Set<string>();
    const out: Environment[] = [];
    while (out.length < this.environments.length) {
      for (const e of this.environments) {
        if (!done.has(e.name) && this.upstreamNames.get(e.name)!.every((u) => done.has(u))) {
          done.add(e.name);
          out.push(e);
        }
      }
    }
    return out;
  }

  /** Whether the graph is one chain (each environment has at most one upstream and one downstream). */
  public isChain(): boolean {
    return this.environments.every((e) => this.upstreamNames.get(e.name)!.length <= 1 && this.downstreamsOf(e.name).length <= 1) && this.sources().length === 1;
  }

  /** A chain: "dev → stage → prod"; any other graph: its edges, "qa → a, b; a → c; b → c". */
  public promotionOrder(): string {
    const order = this.topologicalOrder();
    if (this.isChain()) return order.map((e) => e.name).join(' → ');
    return order
      .map((e) => ({ from: e.name, to: this.downstreamsOf(e.name).map((d) => d.name) }))
      .filter((edge) => edge.to.length > 0)
      .map((edge) => `${edge.from} → ${edge.to.join(', ')}`)
      .join('; ');
  }

  /** Clusters in order of first use. */
  public clusters(): string[] {
    const clusters = this.environments.map((e) => e.cluster);
    if (this.previews) clusters.push(this.previews.cluster);
    return [...new Set(clusters)];
  }

  /** Full image name without tag, the `images[].name` kustomize matches. */
  public imageOf(service: ServiceDefinition): string {
    return `${this.registry}/${service.repository}`;
  }

  /** Registry repository of a service's pull-request builds: `<repository>-preview`. */
  public previewRepositoryOf(service: ServiceDefinition): string {
    return `${service.repository}${PREVIEW_REPOSITORY_SUFFIX}`;
  }

  /** Full image name (no tag) of a service's pull-request builds. */
  public previewImageOf(service: ServiceDefinition): string {
    return `${this.registry}/${this.previewRepositoryOf(service)}`;
  }
}

/**
 * What an environment's progressive strategy needs from the platform: nginx canary routing goes
 * through each service's Ingress (so a host), a Prometheus analysis needs an address, and a
 * blue-green preview host `preview.<host>` must be a valid host name.
 */
function checkProgressiveDelivery(env: Environment, services: readonly ServiceDefinition[], prometheusAddress: string | undefined): void {
  const where = `environment '${env.name}'`;
  const strategy = env.strategy;
  if (strategy.kind === 'canary' && strategy.canary.trafficRouting.needsIngress) {
    const hostless = services.filter((s) => s.host === undefined).map((s) => s.name);
    if (hostless.length > 0) {
      throw new Error(
        `${where}: the canary routes traffic through nginx, which needs each service's Ingress, but service '${hostless.join("', '")}' has no 'host'; ` +
          'give it a host, or use RolloutStrategy.canary({ trafficRouting: TrafficRouting.replicaRatio() }) (the weight is then the share of canary pods)',
      );
    }
  }
  for (const analysis of strategy.analyses) {
    if (analysis.kind === 'prometheus' && analysis.prometheus.address === undefined && prometheusAddress === undefined) {
      throw new Error(`${where}: analysis '${analysis.name}' (Analysis.prometheus) has no 'address' and platform 'prometheusAddress' is not set; set one of them (see docs/infrastructure.md for MicroK8s' observability addon)`);
    }
  }
  if (strategy.kind === 'blue-green' && strategy.blueGreen.previewIngress) {
    for (const service of services) {
      if (service.host !== undefined) checkHostName(`preview.${env.hostPrefix}${service.host}`, `${where}: preview host of service '${service.name}' (preview.<hostPrefix><host>)`);
    }
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Each environment's upstream names (declared, else the one before it in the list), checked: every
 * name is an environment, the graph has no cycle, and every environment is reachable from a source.
 */
/** Notifications with the GitHub repository defaulted from repoURL; every value checked. */
function resolveNotifications(props: NotificationsProps, repoURL: string): ResolvedNotifications {
  const where = "platform 'notifications'";
  if (!isObject(props)) throw new Error(`${where} ${showValue(props)} must be { github?: { owner, repo, apiUrl }, slack?: { channel } }`);
  const github = props.github ?? {};
  if (!isObject(github)) throw new Error(`${where}.github ${showValue(github)} must be { owner?, repo?, apiUrl? }`);
  const fromUrl = /github\.com[/:]([^/]+)\/([^/]+?)(\.git)?\/?$/.exec(repoURL);
  const owner = github.owner ?? fromUrl?.[1];
  const repo = github.repo ?? fromUrl?.[2];
  if (owner === undefined || repo === undefined) {
    throw new Error(`${where}.github: repoURL '${repoURL}' is not a github.com repository; set 'notifications.github.owner' and 'notifications.github.repo'`);
  }
  checkGithubOwner(owner, `${where}.github.owner`);
  checkGithubRepo(repo, `${where}.github.repo`);
  const apiUrl = github.apiUrl ?? 'https://api.github.com';
  if (typeof apiUrl !== 'string' || !/^https:\/\/[a-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~-]+)*$/.test(apiUrl)) {
    throw new Error(`${where}.github.apiUrl ${showValue(apiUrl)} must be an https URL without a trailing slash, like https://api.github.com or https://github.example.com/api/v3`);
  }
  let slack: ResolvedNotifications['slack'];
  if (props.slack !== undefined) {
    if (!isObject(props.slack) || typeof props.slack.channel !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,79}$/.test(props.slack.channel)) {
      throw new Error(`${where}.slack.channel ${showValue(isObject(props.slack) ? props.slack.channel : props.slack)} must be a Slack channel name without '#': lowercase letters, digits, '.', '_' and '-', at most 80`);
    }
    slack = { channel: props.slack.channel };
  }
  return { github: { owner, repo, apiUrl }, slack };
}

function resolveGraph(environments: readonly Environment[]): Map<string, readonly string[]> {
  const names = environments.map((e) => e.name);
  const graph = new Map<string, readonly string[]>(
    environments.map((e, i) => [e.name, e.declaredUpstreams ?? (i > 0 ? [environments[i - 1]!.name] : [])]),
  );
  const unknown = [...graph].flatMap(([env, ups]) => ups.filter((u) => !names.includes(u)).map((u) => `'${u}' (upstream of '${env}')`));
  if (unknown.length > 0) throw new Error(`platform 'environments': unknown upstream ${unknown.join(', ')}; environments: ${names.join(', ')}`);
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'open') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      // Edges point upstream; print the cycle in promotion direction.
      cycles.push(cycle.reverse().join(' → '));
      return;
    }
    state.set(name, 'open');
    for (const up of graph.get(name)!) visit(up, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of names) visit(name, []);
  // Reachable: a source, or promoted from something reachable.
  const reachable = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const [env, ups] of graph) {
      if (!reachable.has(env) && (ups.length === 0 || ups.some((u) => reachable.has(u)))) {
        reachable.add(env);
        grew = true;
      }
    }
  }
  const unreachable = names.filter((n) => !reachable.has(n));
  if (cycles.length > 0 || unreachable.length > 0) {
    const parts: string[] = [];
    if (cycles.length > 0) parts.push(`cycle ${[...new Set(cycles)].join('; cycle ')}`);
    if (unreachable.length > 0) parts.push(`unreachable from any source (an environment with no upstreams): ${unreachable.join(', ')}`);
    throw new Error(`platform 'environments': the promotion graph has a ${parts.join('; ')}`);
  }
  return graph;
}

function assertUnique(names: readonly string[], where: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`${where}: '${name}' appears twice`);
    seen.add(name);
  }
}

/** Code-point order: unlike localeCompare it does not depend on LANG. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import { RolloutStrategy } from './rollout-strategy.js';
import { SyncPolicy } from './sync-policy.js';
import { TagFormat } from './image-tag.js';
import { checkFreezeWindow, type FreezeWindow } from './freeze-window.js';

export type { FreezeWindow } from './freeze-window.js';
import type { PromotionGate } from './gate.js';
import { checkResources, type ResourceRequirements } from './quantity.js';

export { checkResources, type ResourceQuantities, type ResourceRequirements } from './quantity.js';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
const HOSTNAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9._-]{1,100}$/;

/**
 * Pull-request builds of a service go to `<repository>-preview`, a registry repository no
 * environment reads, so a pull request can never write a tag a real environment accepts.
 */
export const PREVIEW_REPOSITORY_SUFFIX = '-preview';

export function isDnsLabel(value: string, maxLength = 63): boolean {
  return value.length <= maxLength && DNS_LABEL.test(value);
}

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
   * Port the container listens on; the Service exposes it as port 80.
   * @default 8080
   */
  readonly port?: number;
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
   * How the rollout analysis reads the health response: a JSONPath into it and the condition a
   * healthy answer meets (Argo Rollouts web metric).
   * @default { jsonPath: '{$.status}', successCondition: 'result == "ok"' }
   */
  readonly healthResponse?: HealthResponse;
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
  public readonly healthPath: string;
  public readonly readinessPath: string;
  public readonly host: string | undefined;
  public readonly env: Readonly<Record<string, string>>;
  public readonly healthResponse: HealthResponse;

  public constructor(props: ServiceProps) {
    const where = `service '${props.name}'`;
    if (typeof props.name !== 'string' || !isDnsLabel(props.name, 40)) {
      throw new Error(`service name ${JSON.stringify(props.name)} is not a DNS label of at most 40 characters (lowercase letters, digits, '-')`);
    }
    this.name = props.name;
    this.repository = props.repository ?? props.name;
    if (!/^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(this.repository)) {
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
    if (!Number.isInteger(this.port) || this.port < 1024 || this.port > 65535) {
      throw new Error(`${where}: 'port' ${this.port} must be a whole number from 1024 to 65535 (containers run as non-root)`);
    }
    this.healthPath = props.healthPath ?? '/healthz';
    this.readinessPath = props.readinessPath ?? '/readyz';
    for (const [key, value] of [['healthPath', this.healthPath], ['readinessPath', this.readinessPath]] as const) {
      if (!HTTP_PATH.test(value)) throw new Error(`${where}: '${key}' ${JSON.stringify(value)} must be an absolute HTTP path like '/healthz'`);
    }
    this.host = props.host;
    if (this.host !== undefined && !HOSTNAME.test(this.host)) {
      throw new Error(`${where}: 'host' ${JSON.stringify(this.host)} is not a fully qualified host name`);
    }
    const env = props.env ?? {};
    for (const key of Object.keys(env)) {
      if (!ENV_NAME.test(key)) throw new Error(`${where}: env '${key}' is not a valid variable name (A-Z, 0-9, _)`);
      if (key === 'LOG_LEVEL') throw new Error(`${where}: env 'LOG_LEVEL' is set per environment by the profile's 'logLevel'; remove it from the service`);
    }
    this.env = Object.fromEntries(Object.keys(env).sort().map((k) => [k, env[k]!]));
    this.healthResponse = props.healthResponse ?? { jsonPath: '{$.status}', successCondition: 'result == "ok"' };
    if (!/^\{\$.*\}$/.test(this.healthResponse.jsonPath)) {
      throw new Error(`${where}: 'healthResponse.jsonPath' ${JSON.stringify(this.healthResponse.jsonPath)} must be a JSONPath like '{$.status}'`);
    }
    if (!/\bresult\b/.test(this.healthResponse.successCondition)) {
      throw new Error(`${where}: 'healthResponse.successCondition' ${JSON.stringify(this.healthResponse.successCondition)} must test 'result', like 'result == "ok"'`);
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

  private constructor(public readonly name: string, profile: EnvironmentProfileProps) {
    if (typeof name !== 'string' || !isDnsLabel(name, 20) || name === 'preview' || name.startsWith('preview-')) {
      throw new Error(`environment name ${JSON.stringify(name)} must be a DNS label of at most 20 characters and not 'preview' or 'preview-*' (reserved for pull-request previews)`);
    }
    const where = `environment '${name}'`;
    this.replicas = profile.replicas ?? 1;
    checkReplicas(this.replicas, `${where}: 'replicas'`);
    this.resources = profile.resources ?? DEFAULT_RESOURCES;
    checkResources(this.resources, `${where}: 'resources'`);
    this.logLevel = profile.logLevel ?? 'INFO';
    checkLogLevel(this.logLevel, `${where}: 'logLevel'`);
    this.syncPolicy = profile.syncPolicy ?? SyncPolicy.automated();
    this.strategy = profile.strategy ?? RolloutStrategy.rollingUpdate();
    this.cluster = profile.cluster ?? 'nonprod';
    if (!isDnsLabel(this.cluster, 30)) throw new Error(`${where}: 'cluster' ${JSON.stringify(this.cluster)} must be a DNS label`);
    this.namespace = profile.namespace ?? name;
    if (!isDnsLabel(this.namespace)) throw new Error(`${where}: 'namespace' ${JSON.stringify(this.namespace)} must be a DNS label`);
    this.hostPrefix = profile.hostPrefix ?? `${name}.`;
    if (this.hostPrefix !== '' && !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+$/.test(this.hostPrefix)) {
      throw new Error(`${where}: 'hostPrefix' ${JSON.stringify(this.hostPrefix)} must be empty or DNS labels each followed by '.'`);
    }
    this.requiresReview = profile.requiresReview ?? false;
    this.soakHours = profile.soakHours ?? 0;
    if (!(this.soakHours >= 0)) throw new Error(`${where}: 'soakHours' must be >= 0, got ${this.soakHours}`);
    this.tagFormats = profile.tagFormats ?? TagFormat.ALL.filter((f) => f !== TagFormat.PULL_REQUEST);
    if (this.tagFormats.length === 0) throw new Error(`${where}: 'tagFormats' must not be empty`);
    if (this.tagFormats.includes(TagFormat.PULL_REQUEST) && !this.syncPolicy.automated && this.requiresReview) {
      throw new Error(`${where}: 'tagFormats' includes pull-request builds but the environment requires review; pr-* tags belong in previews`);
    }
    this.freezeWindows = profile.freezeWindows ?? [];
    this.freezeWindows.forEach((w, i) => checkFreezeWindow(w, `${where}: 'freezeWindows[${i}]'`));
    this.gates = profile.gates;
    if (this.gates) assertUnique(this.gates.map((g) => g.name), `${where}: 'gates'`);
    this.approvers = profile.approvers ?? [];
    checkApprovers(this.approvers, `${where}: 'approvers'`);
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
  /** The promotion order: each environment is promoted from the one before it. */
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
}

/** The platform with every default resolved and every cross-cutting rule checked. */
export class Platform {
  public readonly name: string;
  public readonly repoURL: string;
  public readonly targetRevision: string;
  public readonly registry: string;
  /** Sorted by name, so the order of definition never changes the output. */
  public readonly services: readonly ServiceDefinition[];
  /** In promotion order. */
  public readonly environments: readonly Environment[];
  public readonly previews: Required<PreviewProps> | undefined;
  public readonly ingressClassName: string;
  public readonly allowedIngressNamespaces: readonly string[];
  public readonly argocdNamespace: string;

  public constructor(props: PlatformProps) {
    if (!isDnsLabel(props.name, 40)) throw new Error(`platform 'name' ${JSON.stringify(props.name)} must be a DNS label of at most 40 characters`);
    if (props.name === 'default') throw new Error("platform 'name' must not be 'default': Argo CD's default AppProject allows everything");
    this.name = props.name;
    if (!/^(https:\/\/|git@|ssh:\/\/)\S+$/.test(props.repoURL)) throw new Error(`platform 'repoURL' ${JSON.stringify(props.repoURL)} must be an https:// or ssh git URL`);
    this.repoURL = props.repoURL;
    this.targetRevision = props.targetRevision ?? 'main';
    if (!/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/.test(props.registry)) throw new Error(`platform 'registry' ${JSON.stringify(props.registry)} must be a registry host like 123456789012.dkr.ecr.eu-west-1.amazonaws.com`);
    this.registry = props.registry;
    if (props.services.length === 0) throw new Error("platform 'services' must not be empty");
    const services = props.services.map((s) => new ServiceDefinition(s));
    assertUnique(services.map((s) => s.name), "platform 'services'");
    this.services = [...services].sort((a, b) => compareStrings(a.name, b.name));
    if (props.environments.length === 0) throw new Error("platform 'environments' must not be empty");
    assertUnique(props.environments.map((e) => e.name), "platform 'environments'");
    assertUnique(props.environments.map((e) => `${e.cluster}/${e.namespace}`), "platform 'environments' cluster/namespace");
    this.environments = props.environments;
    this.ingressClassName = props.ingressClassName ?? 'nginx';
    this.allowedIngressNamespaces = props.allowedIngressNamespaces ?? ['ingress', 'argo-rollouts'];
    this.argocdNamespace = props.argocdNamespace ?? 'argocd';
    this.previews = props.previews
      ? { label: 'preview', cluster: 'nonprod', tokenSecret: 'github-token', ...props.previews }
      : undefined;
    const withSource = this.services.filter((s) => s.sourceRepository !== undefined);
    if (withSource.length > 0 && !this.previews) {
      throw new Error(`service '${withSource[0]!.name}': 'sourceRepository' gives pull-request previews; set platform 'previews' too`);
    }
  }

  public service(name: string): ServiceDefinition {
    const service = this.services.find((s) => s.name === name);
    if (!service) throw new Error(`unknown service '${name}'; services: ${this.services.map((s) => s.name).join(', ')}`);
    return service;
  }

  public environment(name: string): Environment {
    const env = this.environments.find((e) => e.name === name);
    if (!env) throw new Error(`unknown environment '${name}'; environments: ${this.promotionOrder()}`);
    return env;
  }

  /** The environment promoted from, or undefined for the first. */
  public upstreamOf(name: string): Environment | undefined {
    const index = this.environments.indexOf(this.environment(name));
    return index > 0 ? this.environments[index - 1] : undefined;
  }

  /** The environment promoted to next, or undefined for the last. */
  public downstreamOf(name: string): Environment | undefined {
    const index = this.environments.indexOf(this.environment(name));
    return this.environments[index + 1];
  }

  /** "dev → stage → prod" */
  public promotionOrder(): string {
    return this.environments.map((e) => e.name).join(' → ');
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

/**
 * The KDU cloud-native CI/CD blueprint (0019-KDU/cloud-native-ci-cd-blueprint), modelled with
 * ferry: a Node.js backend, a static frontend and PostgreSQL, in dev, staging and prod, prod
 * blue-green with manual promotion. original/ holds the original's `kubectl kustomize` output;
 * ../../docs/fidelity.md compares the two object by object.
 */
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import {
  AddonPlacement,
  ConfigValue,
  Environment,
  Platform,
  Profiles,
  RolloutStrategy,
  StatefulSetAddon,
  SyncPolicy,
  TagFormat,
  type AddonContext,
  type AddonManifest,
  type ResourceRequirements,
  type ServiceAddon,
} from 'ferry/model';

/** The blueprint's CI tags images with the full 40-hex git commit SHA. */
const COMMIT_SHA = TagFormat.custom('commit-sha', '<40 hex commit SHA>', '1676a15ede748383019161ed0e78832801a1901e', /^[0-9a-f]{40}$/);

/** One egress rule: a port, optionally only to pods with these labels. */
export interface EgressRule {
  /** TCP port. */
  readonly port: number;
  /**
   * Pods (of the namespace) the rule admits.
   * @default - any destination
   */
  readonly toPods?: Readonly<Record<string, string>>;
}

export interface EgressPolicyProps {
  /** What the pods may reach beyond DNS. */
  readonly rules: readonly EgressRule[];
  /**
   * Labels of the pods the policy restricts.
   * @default - the service's own pods
   */
  readonly podSelector?: Readonly<Record<string, string>>;
  /**
   * Suffix of the policy's name (`<service>-<id>`).
   * @default 'egress'
   */
  readonly id?: string;
}

/**
 * An egress NetworkPolicy, as the blueprint's NetworkPolicies have: DNS to kube-system plus the
 * listed ports. ferry's own NetworkPolicy restricts ingress only; policies add up, so this one
 * restricts egress alongside it.
 */
export class EgressPolicyAddon implements ServiceAddon {
  public readonly id: string;
  public readonly placement = AddonPlacement.base();
  private readonly props: EgressPolicyProps;

  public constructor(props: EgressPolicyProps) {
    this.id = props.id ?? 'egress';
    for (const rule of props.rules) {
      if (!Number.isInteger(rule.port) || rule.port < 1 || rule.port > 65535) throw new Error(`EgressPolicyAddon '${this.id}': 'rules[].port' ${String(rule.port)} must be a whole number from 1 to 65535`);
    }
    this.props = props;
  }

  public manifests(context: AddonContext): AddonManifest[] {
    const policy: INetworkPolicy & AddonManifest = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${context.serviceName}-${this.id}`, labels: { ...context.labels } },
      spec: {
        podSelector: { matchLabels: { ...(this.props.podSelector ?? context.selector) } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
          ...this.props.rules.map((rule) => ({
            ...(rule.toPods ? { to: [{ podSelector: { matchLabels: { ...rule.toPods } } }] } : {}),
            ports: [{ protocol: 'TCP' as const, port: rule.port }],
          })),
        ],
      },
    };
    return [policy];
  }
}

/** PostgreSQL's requests and limits in each environment, as the blueprint's overlays patch them. */
const POSTGRES_RESOURCES: Readonly<Record<string, ResourceRequirements>> = {
  dev: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '512Mi' } },
  staging: { requests: { cpu: '75m', memory: '192Mi' }, limits: { cpu: '375m', memory: '768Mi' } },
  prod: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
};

/**
 * The blueprint's postgres StatefulSet (`backend-postgres`, 10Gi claim) with each environment's
 * requests and limits: one add-on id, delegating to a StatefulSetAddon per environment.
 */
export class PostgresAddon implements ServiceAddon {
  public readonly id = 'postgres';
  public readonly placement = AddonPlacement.everyEnvironment();
  private readonly byEnvironment: ReadonlyMap<string, StatefulSetAddon>;

  public constructor(resources: Readonly<Record<string, ResourceRequirements>>) {
    this.byEnvironment = new Map(
      Object.entries(resources).map(([env, envResources]) => [
        env,
        new StatefulSetAddon({
          id: this.id,
          image: 'postgres:16-alpine',
          port: 5432,
          dataPath: '/var/lib/postgresql/data',
          storage: '10Gi',
          env: { POSTGRES_DB: 'incidents_db', PGDATA: '/var/lib/postgresql/data/pgdata' },
          secretEnv: {
            POSTGRES_USER: { secretName: 'postgres-secret', key: 'username' },
            POSTGRES_PASSWORD: { secretName: 'postgres-secret', key: 'password' },
          },
          writablePaths: ['/tmp', '/var/run/postgresql'],
          check: { exec: ['/bin/sh', '-c', 'pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB"'] },
          resources: envResources,
          placement: AddonPlacement.everyEnvironment(),
        }),
      ]),
    );
  }

  public manifests(context: AddonContext): readonly AddonManifest[] {
    const addon = this.byEnvironment.get(context.environment ?? '');
    if (!addon) throw new Error(`${context.where}: PostgresAddon has no resources for environment '${context.environment ?? ''}'; allowed: ${[...this.byEnvironment.keys()].join(', ')}`);
    return addon.manifests(context);
  }
}

const BACKEND_PODS = { 'app.kubernetes.io/name': 'backend' };
const POSTGRES_PODS = { 'app.kubernetes.io/name': 'backend-postgres' };

export const platform = new Platform({
  name: 'kdu',
  repoURL: 'https://github.com/0019-KDU/cloud-native-ci-cd-blueprint.git',
  registry: 'registry.digitalocean.com/ai-incident-assistant',
  services: [
    {
      name: 'backend',
      port: 3001,
      servicePort: 3001,
      healthPath: '/health',
      readinessPath: '/health',
      // One Ingress per environment: <env>.174.138.120.13.nip.io, /api to the backend, / to the frontend.
      host: '174.138.120.13.nip.io',
      ingressPaths: [{ path: '/api' }, { path: '/', service: 'frontend' }],
      env: { DB_HOST: 'backend-postgres', DB_PORT: '5432' },
      // The blueprint's backend-config ConfigMap, per environment (LOG_LEVEL is the profile's).
      config: {
        NODE_ENV: ConfigValue.string({ required: true, environmentSpecific: true, oneOf: ['development', 'staging', 'production'] }),
        PORT: ConfigValue.number({ default: 3001 }),
        API_PREFIX: ConfigValue.string({ default: '/api' }),
        CORS_ORIGIN: ConfigValue.string({ required: true, environmentSpecific: true, description: 'allowed CORS origin' }),
        DATABASE_HOST: ConfigValue.string({ default: 'backend-postgres', description: 'the postgres StatefulSet\'s Service' }),
        DATABASE_NAME: ConfigValue.string({ default: 'incidents_db' }),
        DATABASE_PORT: ConfigValue.number({ default: 5432 }),
        DB_CONNECTION_TIMEOUT: ConfigValue.number({ default: 10000 }),
        VITE_API_URL: ConfigValue.string({ default: '' }),
        DB_NAME: ConfigValue.string({ default: 'incidents_db' }),
        DB_USER: ConfigValue.secretRef({ default: { secret: 'postgres-secret', key: 'username' } }),
        DB_PASSWORD: ConfigValue.secretRef({ default: { secret: 'postgres-secret', key: 'password' } }),
        OPENAI_API_KEY: ConfigValue.secretRef({ default: { secret: 'backend-secret', key: 'openai-api-key' } }),
      },
      addons: [
        new PostgresAddon(POSTGRES_RESOURCES),
        new EgressPolicyAddon({ rules: [{ port: 5432, toPods: POSTGRES_PODS }, { port: 443 }] }),
        new EgressPolicyAddon({ id: 'postgres-egress', podSelector: POSTGRES_PODS, rules: [] }),
      ],
    },
    {
      name: 'frontend',
      port: 8080,
      servicePort: 80,
      healthPath: '/',
      readinessPath: '/',
      addons: [new EgressPolicyAddon({ rules: [{ port: 3001, toPods: BACKEND_PODS }] })],
    },
  ],
  environments: [
    Environment.of('dev', Profiles.development({ cluster: 'doks', tagFormats: [COMMIT_SHA] })),
    Environment.of('staging', Profiles.staging({ cluster: 'doks', tagFormats: [COMMIT_SHA] })),
    Environment.of(
      'prod',
      Profiles.production({
        cluster: 'doks',
        hostPrefix: 'prod.',
        tagFormats: [COMMIT_SHA],
        approvers: ['@0019-KDU/release-managers'],
        // As the original's Application: automated with prune, but no self-heal.
        syncPolicy: SyncPolicy.automated({ prune: true, selfHeal: false }),
        strategy: RolloutStrategy.blueGreen({
          autoPromotionEnabled: false,
          previewReplicaCount: 2,
          scaleDownDelaySeconds: 300,
          antiAffinity: true,
          previewIngress: true,
          prePromotionAnalysis: false,
          postPromotionAnalysis: false,
        }),
      }),
    ),
  ],
  previews: false,
  // The original's NetworkPolicies admit the ingress controller from namespace ingress-nginx.
  allowedIngressNamespaces: ['ingress-nginx', 'argo-rollouts'],
});

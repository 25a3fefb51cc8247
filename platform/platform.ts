/**
 * The sample platform: what this repository delivers. Platform engineers edit this file to add
 * services or environments; the deployed tags live in Pulumi.<env>.yaml.
 */
// 'ferry/model' rather than 'ferry': commands that only read the platform (promote, status) then
// skip loading the construct library (about 160 ms a process).
import { ConfigValue, Environment, Platform, Profiles } from 'ferry/model';

export const platform = new Platform({
  name: 'shop',
  repoURL: 'https://github.com/example-org/shop-platform.git',
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  services: [
    {
      name: 'api', port: 8080, healthPath: '/healthz', readinessPath: '/readyz', host: 'api.shop.example.com', env: { DB_POOL_SIZE: '10' },
      // Per environment, in ferry:config.api of each Pulumi.<env>.yaml (docs/configuration.md).
      config: {
        DATABASE_HOST: ConfigValue.string({ required: true, environmentSpecific: true, description: 'PostgreSQL host of this environment' }),
        DATABASE_PASSWORD: ConfigValue.secretRef({ default: { secret: 'api-database', key: 'password' }, environmentSpecific: true, description: 'read from the Secret api-database, never from git' }),
        CHECKOUT_V2: ConfigValue.boolean({ default: false, description: 'the new checkout flow' }),
        REQUEST_TIMEOUT_MS: ConfigValue.number({ default: 3000 }),
      },
    },
    { name: 'web', port: 3000, healthPath: '/health', readinessPath: '/ready', host: 'shop.example.com', env: { API_URL: 'http://api' }, healthResponse: { jsonPath: '{$.healthy}', successCondition: 'result == true' } },
  ],
  // The promotion graph: each environment is promoted from the one before it.
  environments: [
    Environment.of('dev', Profiles.development()),
    Environment.of('stage', Profiles.staging()),
    // Promoted only once the cluster reported the tag Healthy in stage (the verified gate).
    Environment.of('prod', Profiles.production({ approvers: ['@example-org/release-managers'], requiresVerification: true })),
  ],
  previews: { owner: 'example-org', repo: 'shop-platform', label: 'preview' },
  // Argo CD reports syncs, degradations and aborted rollouts to this repository (repository_dispatch).
  notifications: {},
});

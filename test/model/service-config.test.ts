import { ConfigValue, parseServiceConfig, secretShape } from '../../model/service-config.js';
import { parseStackConfig, type ConfigSource } from '../../model/stack-config.js';
import { Environment, Platform, Profiles, type ServiceProps } from '../../model/platform.js';

const API_CONFIG = {
  DATABASE_HOST: ConfigValue.string({ required: true, environmentSpecific: true, description: 'PostgreSQL host' }),
  DATABASE_PASSWORD: ConfigValue.secretRef({ default: { secret: 'api-database', key: 'password' } }),
  CHECKOUT_V2: ConfigValue.boolean({ default: false }),
  REQUEST_TIMEOUT_MS: ConfigValue.number({ default: 3000 }),
  MODE: ConfigValue.string({ oneOf: ['fast', 'safe'] }),
};

function platformWith(api: Partial<ServiceProps> = {}): Platform {
  return new Platform({
    name: 'shop',
    repoURL: 'https://github.com/example-org/shop.git',
    registry: 'registry.example.com',
    services: [{ name: 'api', config: API_CONFIG, ...api }, { name: 'web' }],
    environments: [Environment.of('dev', Profiles.development()), Environment.of('prod', Profiles.production())],
  });
}

const platform = platformWith();
const images = { api: 'sha-1a2b3c4d', web: 'sha-5e6f7a8b' };
const source = (env = 'dev'): ConfigSource => ({ file: `Pulumi.${env}.yaml`, project: 'ferry', platform, environment: platform.environment(env) });

describe('the stack file ferry:config', () => {
  test('values are typed, defaults applied, secrets kept as references; a service without schema has no entry', () => {
    const config = parseStackConfig({ images, config: { api: { DATABASE_HOST: 'db.dev.internal', CHECKOUT_V2: true, REQUEST_TIMEOUT_MS: 2500 } } }, source());
    expect(config.config).toEqual({
      api: {
        CHECKOUT_V2: { kind: 'literal', value: 'true' },
        DATABASE_HOST: { kind: 'literal', value: 'db.dev.internal' },
        DATABASE_PASSWORD: { kind: 'secret', ref: { secret: 'api-database', key: 'password' } },
        REQUEST_TIMEOUT_MS: { kind: 'literal', value: '2500' },
      },
    });
  });

  test.each<[string, unknown, string]>([
    ['an unknown key', { api: { DATABASE_HOST: 'db', DATABSE_PORT: 5432 } }, 'Pulumi.dev.yaml: ferry:config.api.DATABSE_PORT: unknown key; allowed: CHECKOUT_V2, DATABASE_HOST, DATABASE_PASSWORD, MODE, REQUEST_TIMEOUT_MS'],
    ['a key of a service without config', { api: { DATABASE_HOST: 'db' }, web: { API_URL: 'x' } }, "Pulumi.dev.yaml: ferry:config.web.API_URL: unknown key; the service declares no config keys (its 'config' in platform/platform.ts)"],
    ['an unknown service', { cart: {} }, "Pulumi.dev.yaml: ferry:config.cart: unknown service 'cart'; allowed: api, web"],
    ['a number for a string', { api: { DATABASE_HOST: 5432 } }, 'Pulumi.dev.yaml: ferry:config.api.DATABASE_HOST: 5432 is not a string; allowed: a string (quote numbers and booleans)'],
    ['a string for a number', { api: { DATABASE_HOST: 'db', REQUEST_TIMEOUT_MS: '3s' } }, 'Pulumi.dev.yaml: ferry:config.api.REQUEST_TIMEOUT_MS: "3s" is not a number; allowed: a number (e.g. 10)'],
    ['a string for a boolean', { api: { DATABASE_HOST: 'db', CHECKOUT_V2: 'yes' } }, 'Pulumi.dev.yaml: ferry:config.api.CHECKOUT_V2: "yes" is not a boolean; allowed: true or false'],
    ['a value outside oneOf', { api: { DATABASE_HOST: 'db', MODE: 'turbo' } }, 'Pulumi.dev.yaml: ferry:config.api.MODE: "turbo" is not allowed; allowed: one of fast, safe'],
    ['a required key missing', { api: { CHECKOUT_V2: true } }, 'Pulumi.dev.yaml: ferry:config.api.DATABASE_HOST: missing; required (no default): PostgreSQL host; allowed: a string (quote numbers and booleans)'],
    ['an inline value for a secret reference', { api: { DATABASE_HOST: 'db', DATABASE_PASSWORD: 'hunter2hunter2' } }, 'Pulumi.dev.yaml: ferry:config.api.DATABASE_PASSWORD: is a secret reference and an inline value "hunt…" (14 characters) is refused (a secret value never goes into git); allowed: { secret: <Secret name>, key: <key in it> }'],
    ['a secret reference with a bad name', { api: { DATABASE_HOST: 'db', DATABASE_PASSWORD: { secret: 'Bad_Name', key: 'password' } } }, 'Pulumi.dev.yaml: ferry:config.api.DATABASE_PASSWORD: secret "Bad_Name" is not a Secret name (a DNS subdomain); allowed: { secret: <Secret name>, key: <key in it> }'],
    ['a secret reference with a value field', { api: { DATABASE_HOST: 'db', DATABASE_PASSWORD: { secret: 'db', key: 'password', value: 'x' } } }, "Pulumi.dev.yaml: ferry:config.api.DATABASE_PASSWORD: unknown field 'value' in the secret reference; allowed: { secret: <Secret name>, key: <key in it> }"],
    ['an AWS access key id in a plain key', { api: { DATABASE_HOST: 'AKIAIOSFODNN7EXAMPLE' } }, 'Pulumi.dev.yaml: ferry:config.api.DATABASE_HOST: value "AKIA…" (20 characters) looks like an AWS access key id: a secret never goes into a stack file; declare the key ConfigValue.secretRef() and reference a Secret'],
    ['a private key in a plain key', { api: { DATABASE_HOST: '-----BEGIN RSA PRIVATE KEY----- MIIE' } }, 'Pulumi.dev.yaml: ferry:config.api.DATABASE_HOST: value "----…" (36 characters) looks like a private key: a secret never goes into a stack file; declare the key ConfigValue.secretRef() and reference a Secret'],
    ['a GitHub token in a plain key', { api: { DATABASE_HOST: `ghp_${'a1B2'.repeat(9)}` } }, 'Pulumi.dev.yaml: ferry:config.api.DATABASE_HOST: value "ghp_…" (40 characters) looks like a GitHub token: a secret never goes into a stack file; declare the key ConfigValue.secretRef() and reference a Secret'],
    ['trailing spaces', { api: { DATABASE_HOST: 'db ' } }, 'Pulumi.dev.yaml: ferry:config.api.DATABASE_HOST: "db " has leading or trailing spaces, which a ConfigMap literal does not keep; allowed: a string without them'],
    ['outer quotes', { api: { DATABASE_HOST: '"db"' } }, 'Pulumi.dev.yaml: ferry:config.api.DATABASE_HOST: "\\"db\\"" is wrapped in quotes, which kustomize strips from a ConfigMap literal; write the value without them'],
    ['a line break', { api: { DATABASE_HOST: 'db\nother' } }, 'Pulumi.dev.yaml: ferry:config.api.DATABASE_HOST: "db\\nother" must be at most 32768 characters without line breaks or control characters'],
  ])('refused: %s', (_, config, message) => {
    expect(() => parseStackConfig({ images, config }, source())).toThrow(message);
    expect(() => parseStackConfig({ images, config }, source())).toThrow(new Error(message));
  });

  test('a missing ferry:config still requires the required keys', () => {
    expect(() => parseStackConfig({ images }, source('prod'))).toThrow(
      new Error('Pulumi.prod.yaml: ferry:config.api.DATABASE_HOST: missing; required (no default): PostgreSQL host; allowed: a string (quote numbers and booleans)'),
    );
  });
});

describe('secret shapes', () => {
  test.each([
    ['AKIAIOSFODNN7EXAMPLE', 'an AWS access key id'],
    ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'an AWS secret access key'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----', 'a private key'],
    [`github_pat_${'A1b2'.repeat(8)}`, 'a GitHub token'],
    ['xoxb-123456789012-abcdef', 'a Slack token'],
    ['sk_live_abcdefghijklmnop1234', 'a Stripe key'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'a JSON web token'],
    ['postgres://app:s3cret@db.internal:5432/app', 'a URL with a password'],
  ])('%s looks like %s', (value, shape) => {
    expect(secretShape(value)).toBe(shape);
  });

  test.each(['db.dev.shop.internal', 'https://api.example.com/v1', 'postgres://db.internal:5432/app', 'sha-1a2b3c4d', 'AKIA-not-a-key', 'true'])('%s is plain', (value) => {
    expect(secretShape(value)).toBeUndefined();
  });
});

describe('ConfigValue and the service schema', () => {
  test.each<[string, () => unknown, string]>([
    ['required with a default', () => ConfigValue.string({ required: true, default: 'x' }), "ConfigValue.string: 'required' true and 'default' \"x\" contradict each other: a key with a default is never missing"],
    ['a default of the wrong type', () => ConfigValue.number({ default: '10' as unknown as number }), "ConfigValue.number: 'default' \"10\" is not a number; allowed: a number (e.g. 10)"],
    ['an inline secret default', () => ConfigValue.secretRef({ default: 'pw' as unknown as { secret: string; key: string } }), "ConfigValue.secretRef: 'default' is a secret reference and an inline value \"pw…\" (2 characters) is refused (a secret value never goes into git); allowed: { secret: <Secret name>, key: <key in it> }"],
    ['an empty oneOf', () => ConfigValue.string({ oneOf: [] }), "ConfigValue.string: 'oneOf' [] must be a non-empty list of strings"],
    ['a bad variable name', () => platformWith({ config: { 'database-host': ConfigValue.string() } }), "service 'api': config \"database-host\" is not a valid variable name (A-Z, 0-9, _)"],
    ['LOG_LEVEL', () => platformWith({ config: { LOG_LEVEL: ConfigValue.string() } }), "service 'api': config 'LOG_LEVEL' is set per environment by the profile's 'logLevel'; remove it from the service"],
    ['a key also in env', () => platformWith({ env: { MODE: 'x' }, config: { MODE: ConfigValue.string() } }), "service 'api': config 'MODE' is also in 'env'; a variable is either the same everywhere (env) or per environment (config), not both"],
    ['a plain value instead of a ConfigValue', () => platformWith({ config: { MODE: 'fast' as unknown as ConfigValue } }), "service 'api': config 'MODE' \"fast\" must be made by ConfigValue.string(), .number(), .boolean() or .secretRef()"],
  ])('refused: %s', (_, make, message) => {
    expect(make).toThrow(new Error(message));
  });

  test('parseServiceConfig leaves an optional key without default out', () => {
    expect(parseServiceConfig({ MODE: ConfigValue.string(), N: ConfigValue.number({ default: 1.5 }) }, {}, 'f: ferry:config.api')).toEqual({ N: { kind: 'literal', value: '1.5' } });
  });
});

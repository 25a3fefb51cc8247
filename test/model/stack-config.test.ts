import { parseStackConfig, projectValues, stackKeys, withTagValues, type ConfigSource } from '../../model/stack-config.js';
import { Environment, Platform, Profiles } from '../../model/platform.js';

const platform = new Platform({
  name: 'shop',
  repoURL: 'https://github.com/example-org/shop.git',
  registry: 'registry.example.com',
  services: [{ name: 'web' }, { name: 'api' }],
  environments: [Environment.of('dev', Profiles.development()), Environment.of('prod', Profiles.production())],
});

function source(env = 'dev'): ConfigSource {
  return { file: `Pulumi.${env}.yaml`, project: 'ferry', platform, environment: platform.environment(env) };
}

const images = { api: 'sha-1a2b3c4d', web: 'sha-5e6f7a8b' };

describe('parseStackConfig', () => {
  test('a minimal config has images and nothing else', () => {
    expect(parseStackConfig({ images }, source())).toEqual({
      file: 'Pulumi.dev.yaml',
      environment: 'dev',
      images,
      digests: {},
      replicas: undefined,
      logLevel: undefined,
      resources: undefined,
      services: {},
      config: {},
      infra: {},
    });
  });

  test('overrides are parsed', () => {
    const config = parseStackConfig(
      {
        images,
        replicas: 2,
        logLevel: 'WARN',
        resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        services: { api: { replicas: 5, logLevel: 'DEBUG' } },
        digests: { api: `sha256:${'a'.repeat(64)}` },
      },
      source(),
    );
    expect(config.replicas).toBe(2);
    expect(config.logLevel).toBe('WARN');
    expect(config.services).toEqual({ api: { replicas: 5, logLevel: 'DEBUG', resources: undefined } });
    expect(config.digests).toEqual({ api: `sha256:${'a'.repeat(64)}` });
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['images missing', {}, 'Pulumi.dev.yaml: ferry:images: missing; Image tag of every service in this environment: the deployed state, changed by `ferry promote`.'],
    ['images not a mapping', { images: 'sha-1a2b3c4d' }, 'Pulumi.dev.yaml: ferry:images: expected a mapping like { api: sha-1a2b3c4d }, got "sha-1a2b3c4d"'],
    ['a service without tag', { images: { api: 'sha-1a2b3c4d' } }, 'Pulumi.dev.yaml: ferry:images.web: missing; every service needs a tag in every environment'],
    ['an unknown service', { images: { ...images, cart: 'sha-1a2b3c4d' } }, "Pulumi.dev.yaml: ferry:images.cart: unknown service 'cart'; allowed: api, web"],
    ['replicas not a whole number', { images, replicas: 1.5 }, 'Pulumi.dev.yaml: ferry:replicas: 1.5 must be a whole number from 1 to 100'],
    ['a bad log level', { images, logLevel: 'TRACE' }, 'Pulumi.dev.yaml: ferry:logLevel: "TRACE" is not a log level; allowed: DEBUG, INFO, WARN'],
    [
      'a bad cpu quantity',
      { images, resources: { requests: { cpu: 'lots', memory: '1Mi' }, limits: { cpu: '1', memory: '1Mi' } } },
      'Pulumi.dev.yaml: ferry:resources.requests.cpu: "lots" is not a CPU quantity; allowed: millicores like \'250m\' or cores like \'1\' or \'0.5\'',
    ],
    [
      'requests above limits',
      { images, resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '1Gi' } } },
      "Pulumi.dev.yaml: ferry:resources: requests.memory '2Gi' exceeds limits.memory '1Gi'",
    ],
    ['an unknown per-service key', { images, services: { api: { replica: 2 } } }, 'Pulumi.dev.yaml: ferry:services.api.replica: unknown key; allowed: replicas, logLevel, resources'],
    ['a bad per-service value', { images, services: { api: { replicas: 0 } } }, 'Pulumi.dev.yaml: ferry:services.api.replicas: 0 must be a whole number from 1 to 100'],
    ['a malformed digest', { images, digests: { api: 'sha256:abc' } }, 'Pulumi.dev.yaml: ferry:digests.api: "sha256:abc" is not a digest; allowed: sha256:<64 hex>, or \'\' for none'],
  ])('%s is refused with file, key, value and what is allowed', (_, values, message) => {
    expect(() => parseStackConfig(values, source())).toThrow(message);
  });

  test('an unknown key is refused with every allowed key, rendering and infrastructure', () => {
    const allowed = Object.keys(stackKeys()).sort();
    expect(allowed).toEqual(expect.arrayContaining(['digests', 'images', 'logLevel', 'replicas', 'resources', 'services']));
    expect(() => parseStackConfig({ images, replica: 2 }, source())).toThrow(
      `Pulumi.dev.yaml: ferry:replica: unknown key; allowed keys: ${allowed.map((k) => `ferry:${k}`).join(', ')}`,
    );
  });

  test("tags are checked against the environment's formats: prod refuses snapshots", () => {
    expect(() => parseStackConfig({ images: { ...images, api: '1.2.0-SNAPSHOT-7d2a1b3' } }, source('prod'))).toThrow(
      "Pulumi.prod.yaml: ferry:images.api: image tag '1.2.0-SNAPSHOT-7d2a1b3' matches no allowed format; allowed formats: vX.Y.Z (e.g. v1.2.0), sha-<8 hex> (e.g. sha-1a2b3c4d)",
    );
  });
});

describe('projectValues', () => {
  test("keeps this project's keys without prefix and ignores other providers'", () => {
    expect(projectValues('config:\n  aws:region: eu-west-1\n  ferry:images:\n    api: sha-1a2b3c4d\n', 'Pulumi.dev.yaml', 'ferry')).toEqual({ images: { api: 'sha-1a2b3c4d' } });
  });
  test('an unnamespaced key is refused with a suggestion', () => {
    expect(() => projectValues('config:\n  images: {}\n', 'Pulumi.dev.yaml', 'ferry')).toThrow('Pulumi.dev.yaml: config.images: keys must be namespaced; did you mean ferry:images?');
  });
  test('an unknown top-level key is refused', () => {
    expect(() => projectValues('conifg: {}\n', 'Pulumi.dev.yaml', 'ferry')).toThrow(
      'Pulumi.dev.yaml: conifg: unknown top-level key; allowed: config, secretsprovider, encryptedkey, encryptionsalt, environment',
    );
  });
  test('invalid YAML is reported with the file', () => {
    expect(() => projectValues('config: [\n', 'Pulumi.dev.yaml', 'ferry')).toThrow(/^Pulumi\.dev\.yaml: not valid YAML at line 2 \(near key 'config'\): /);
  });
});

describe('withTagValues', () => {
  const digest = `sha256:${'b'.repeat(64)}`;
  const head = { images, digests: { api: '' }, replicas: 2, services: { web: { replicas: 3 } } };
  /** What parseStackConfig gives: the config, or the error's message. */
  const outcome = (parse: () => unknown) => {
    try {
      return parse();
    } catch (e) {
      return `error: ${(e as Error).message}`;
    }
  };

  test.each([
    ['another tag', { ...head, images: { ...images, api: 'v2.0.0' } }],
    ['a digest pinned', { ...head, digests: { api: digest } }],
    ['digests gone', { images, replicas: 2, services: head.services }],
    ['digests first in the file', { digests: { web: digest }, images: { ...images, web: 'sha-00000000' }, replicas: 2, services: head.services }],
    ['a tag no format allows', { ...head, images: { ...images, api: 'latest' } }],
    ['a service without a tag', { ...head, images: { api: 'v1.0.0' } }],
    ['an unknown service', { ...head, images: { ...images, cart: 'v1.0.0' } }],
    ['images not a mapping', { ...head, images: 'v1.0.0' }],
    ['images missing', { digests: {}, replicas: 2, services: head.services }],
    ['a bad digest', { ...head, digests: { api: 'sha256:short' } }],
    ['a bad digest before a bad tag', { digests: { api: 'sha256:short' }, replicas: 2, services: head.services, images: { api: 'latest' } }],
    ['a bad tag before a bad digest', { images: { api: 'latest' }, replicas: 2, services: head.services, digests: { api: 'sha256:short' } }],
  ])('%s: the same config or error as parsing in full', (_, base) => {
    for (const env of ['dev', 'prod']) {
      const parsedHead = parseStackConfig(head, source(env));
      expect(outcome(() => withTagValues(parsedHead, base, source(env)))).toEqual(outcome(() => parseStackConfig(base, source(env))));
    }
  });

  test('keeps what the head parsed for every other key', () => {
    const parsedHead = parseStackConfig(head, source());
    const base = withTagValues(parsedHead, { ...head, images: { ...images, api: 'v2.0.0' } }, source());
    expect(base.images).toEqual({ api: 'v2.0.0', web: 'sha-5e6f7a8b' });
    expect(base.services).toBe(parsedHead.services);
    expect(base.config).toBe(parsedHead.config);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkImageTag } from './image-tag.js';
import { INFRA_KEYS } from './infra-keys.js';
import { plainStackYamlValue, stackYamlValue } from './stack-yaml.js';
import { yamlPackage } from './yaml-package.js';
import type { ConfigSource, StackKeySpec } from './stack-key.js';
import { isDigest } from './image-digest.js';
import { parseServiceConfig, type ConfigEntry } from './service-config.js';
import { checkChartVersion, checkValues } from './helm-chart.js';
import {
  checkLogLevel,
  checkReplicas,
  checkResources,
  type Environment,
  type LogLevel,
  type Platform,
  type ResourceRequirements,
} from './platform.js';

export type { ConfigSource, StackKeySpec } from './stack-key.js';

/** Per-service overrides of the environment profile. */
export interface ServiceOverrides {
  readonly replicas?: number;
  readonly logLevel?: LogLevel;
  readonly resources?: ResourceRequirements;
}

/** One chart service in one environment: `<project>:charts.<service>`. */
export interface ChartConfig {
  /** The chart version Argo CD installs: what `ferry promote --chart` moves. */
  readonly version: string;
  /** This environment's values, merged over the platform's `chart.values`. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** The validated stack config of one environment. */
export interface StackConfig {
  readonly file: string;
  readonly environment: string;
  /** service → image tag: the deployed state. */
  readonly images: Readonly<Record<string, string>>;
  /** service → `sha256:<hex>` pinned digest. */
  readonly digests: Readonly<Record<string, string>>;
  readonly replicas?: number;
  readonly logLevel?: LogLevel;
  readonly resources?: ResourceRequirements;
  readonly services: Readonly<Record<string, ServiceOverrides>>;
  /**
   * service → variable → value, defaults applied (`<project>:config`); parseStackConfig fills it.
   * @default {}
   */
  readonly config?: Readonly<Record<string, Readonly<Record<string, ConfigEntry>>>>;
  /** Chart service → its chart version and values here; every chart service has one (undefined: no chart service). */
  readonly charts?: Readonly<Record<string, ChartConfig>>;
  /** Values of INFRA_KEYS, by key. */
  readonly infra: Readonly<Record<string, unknown>>;
}

function mapping(value: unknown, where: string, example: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${where}: expected a mapping like ${example}, got ${JSON.stringify(value ?? null)}`);
  }
  return value as Record<string, unknown>;
}

function serviceKeys(value: Record<string, unknown>, where: string, source: ConfigSource): void {
  // A set: a mapping of 2,000 services against a list of 2,000 names would be 4 million comparisons.
  const names = new Set(source.platform.services.map((s) => s.name));
  for (const key of Object.keys(value)) {
    if (!names.has(key)) throw new Error(`${where}.${key}: unknown service '${key}'; allowed: ${[...names].join(', ')}`);
  }
}

const SERVICE_OVERRIDE_KEYS = ['replicas', 'logLevel', 'resources'];

/** The rendering keys; INFRA_KEYS are added to them. */
export const RENDER_KEYS: Readonly<Record<string, StackKeySpec>> = {
  images: {
    description: 'Image tag of every service in this environment: the deployed state, changed by `ferry promote`.',
    required: true,
    parse(value, where, source) {
      const images = mapping(value, where, '{ api: sha-1a2b3c4d }');
      serviceKeys(images, where, source);
      for (const service of source.platform.services) {
        if (!(service.name in images)) {
          throw new Error(`${where}.${service.name}: missing; every service needs a tag in every environment`);
        }
        checkImageTag(images[service.name], `${where}.${service.name}`, source.environment.tagFormats);
      }
      return sortKeys(images as Record<string, string>);
    },
  },
  digests: {
    description: "Pinned image digests (sha256:<64 hex>) by service, written by `ferry promote --pin-digest`; '' pins nothing (the conflict-free layout of `ferry fmt`).",
    parse(value, where, source) {
      const digests = mapping(value, where, '{ api: "sha256:<64 hex>" }');
      serviceKeys(digests, where, source);
      const pinned: Record<string, string> = {};
      for (const [service, digest] of Object.entries(digests)) {
        // '' is the placeholder that makes a first pin a change of one existing line (no merge conflict).
        if (digest === '') continue;
        if (source.platform.service(service).chart) throw new Error(`${where}.${service}: '${service}' is a chart service, whose values file carries the tag only; remove the digest`);
        if (!isDigest(digest)) {
          throw new Error(`${where}.${service}: ${JSON.stringify(digest)} is not a digest; allowed: sha256:<64 hex>, or '' for none`);
        }
        pinned[service] = digest as string;
      }
      return sortKeys(pinned);
    },
  },
  replicas: {
    description: 'Replicas of every service, overriding the environment profile.',
    parse(value, where) {
      checkReplicas(value, where);
      return value;
    },
  },
  logLevel: {
    description: 'LOG_LEVEL of every service (DEBUG, INFO, WARN), overriding the environment profile.',
    parse(value, where) {
      checkLogLevel(value, where);
      return value;
    },
  },
  resources: {
    description: 'Container requests and limits ({ requests: { cpu, memory }, limits: { cpu, memory } }), overriding the profile.',
    parse(value, where) {
      const resources = mapping(value, where, "{ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } }");
      checkResources(resources as unknown as ResourceRequirements, where);
      return resources;
    },
  },
  charts: {
    description: 'Chart version and values of every chart service (docs/helm.md), e.g. { redis: { version: 18.1.0, values: { replicaCount: 2 } } }; `ferry promote --chart` moves the version.',
    parse(value, where, source) {
      const charts = mapping(value, where, '{ redis: { version: 18.1.0 } }');
      serviceKeys(charts, where, source);
      const result: Record<string, ChartConfig> = {};
      for (const name of Object.keys(charts).sort()) {
        if (!source.platform.service(name).chart) {
          throw new Error(`${where}.${name}: '${name}' is not a chart service; chart services: ${chartServices(source).join(', ') || 'none'}`);
        }
        const entry = mapping(charts[name], `${where}.${name}`, '{ version: 18.1.0, values: { replicaCount: 2 } }');
        for (const key of Object.keys(entry)) {
          if (key !== 'version' && key !== 'values') throw new Error(`${where}.${name}.${key}: unknown key; allowed: version, values`);
        }
        const version = checkChartVersion(entry.version, `${where}.${name}.version`);
        const values = entry.values ?? {};
        checkValues(values, `${where}.${name}.values`);
        source.platform.service(name).chart!.checkValuesFor(values, `${where}.${name}.values`);
        result[name] = { version, values };
      }
      return result;
    },
  },
  services: {
    description: 'Per-service overrides of replicas, logLevel and resources.',
    parse(value, where, source) {
      const services = mapping(value, where, '{ api: { replicas: 3 } }');
      serviceKeys(services, where, source);
      const result: Record<string, ServiceOverrides> = {};
      for (const name of Object.keys(services).sort()) {
        const overrides = mapping(services[name], `${where}.${name}`, '{ replicas: 3 }');
        for (const key of Object.keys(overrides)) {
          if (!SERVICE_OVERRIDE_KEYS.includes(key)) {
            throw new Error(`${where}.${name}.${key}: unknown key; allowed: ${SERVICE_OVERRIDE_KEYS.join(', ')}`);
          }
        }
        result[name] = {
          replicas: overrides.replicas === undefined ? undefined : (RENDER_KEYS.replicas!.parse(overrides.replicas, `${where}.${name}.replicas`, source) as number),
          logLevel: overrides.logLevel === undefined ? undefined : (RENDER_KEYS.logLevel!.parse(overrides.logLevel, `${where}.${name}.logLevel`, source) as LogLevel),
          resources: overrides.resources === undefined ? undefined : (RENDER_KEYS.resources!.parse(overrides.resources, `${where}.${name}.resources`, source) as ResourceRequirements),
        };
      }
      return result;
    },
  },
  config: {
    description: 'Per-environment configuration by service ({ api: { DATABASE_HOST: db.internal } }), typed by the service\'s config schema in platform.ts; secrets only as { secret, key } references.',
    parse(value, where, source) {
      const config = mapping(value ?? {}, where, '{ api: { DATABASE_HOST: db.internal } }');
      serviceKeys(config, where, source);
      return parseAllServiceConfig(config, where, source);
    },
  },
};

/** Every service's config (defaults applied), from the `<project>:config` mapping (empty when absent). */
function parseAllServiceConfig(config: Record<string, unknown>, where: string, source: ConfigSource): Record<string, Readonly<Record<string, ConfigEntry>>> {
  const result: Record<string, Readonly<Record<string, ConfigEntry>>> = {};
  for (const service of source.platform.services) {
    const values = config[service.name] === undefined || config[service.name] === null ? {} : mapping(config[service.name], `${where}.${service.name}`, '{ DATABASE_HOST: db.internal }');
    const entries = parseServiceConfig(service.config ?? {}, values, `${where}.${service.name}`);
    if (Object.keys(entries).length > 0) result[service.name] = entries;
  }
  return result;
}

/** The keys (without the project prefix) a promotion moves: a change of these alone re-renders only the services it names. */
export const TAG_KEYS = ['images', 'digests'] as const;

function isTagKey(key: string): key is (typeof TAG_KEYS)[number] {
  return (TAG_KEYS as readonly string[]).includes(key);
}

/** Where a key's errors point: `<file>: <project>:<key>`. */
function keyWhere(source: ConfigSource, key: string): string {
  return `${source.file}: ${source.project}:${key}`;
}

function missingKey(source: ConfigSource, key: string, spec: StackKeySpec): Error {
  return new Error(`${keyWhere(source, key)}: missing; ${spec.description}`);
}

/** Every key of the `<project>:` namespace, rendering and infrastructure. */
export function stackKeys(): Readonly<Record<string, StackKeySpec>> {
  return { ...RENDER_KEYS, ...INFRA_KEYS };
}

/**
 * Validates the `<project>:*` values of one stack. `values` maps keys without the project prefix
 * (as `pulumi.Config` sees them) to plain values. Used by the renderer and by the Pulumi program.
 */
export function parseStackConfig(values: Readonly<Record<string, unknown>>, source: ConfigSource): StackConfig {
  const keys = stackKeys();
  const allowed = Object.keys(keys).sort();
  const parsed: Record<string, unknown> = {};
  for (const key of Object.keys(values)) {
    const where = keyWhere(source, key);
    const spec = keys[key];
    if (!spec) throw new Error(`${where}: unknown key; allowed keys: ${allowed.map((k) => `${source.project}:${k}`).join(', ')}`);
    parsed[key] = spec.parse(values[key], where, source);
  }
  for (const [key, spec] of Object.entries(keys)) {
    if (spec.required && !(key in values)) {
      throw missingKey(source, key, spec);
    }
  }
  const charts = parsed.charts as Record<string, ChartConfig> | undefined;
  const missingChart = chartServices(source).find((name) => !(name in (charts ?? {})));
  if (missingChart !== undefined) {
    throw new Error(`${keyWhere(source, `charts.${missingChart}`)}: missing; every chart service needs a chart version in every environment, like ${source.project}:charts: { ${missingChart}: { version: 1.0.0 } }`);
  }
  const infra: Record<string, unknown> = {};
  for (const key of Object.keys(INFRA_KEYS)) if (key in parsed) infra[key] = parsed[key];
  return {
    file: source.file,
    environment: source.environment.name,
    images: parsed.images as Record<string, string>,
    digests: (parsed.digests as Record<string, string> | undefined) ?? {},
    replicas: parsed.replicas as number | undefined,
    logLevel: parsed.logLevel as LogLevel | undefined,
    resources: parsed.resources as ResourceRequirements | undefined,
    services: (parsed.services as Record<string, ServiceOverrides> | undefined) ?? {},
    // Parsed also when the key is absent: a required config key without default must be named.
    config: (parsed.config as StackConfig['config']) ?? parseAllServiceConfig({}, keyWhere(source, 'config'), source),
    charts,
    infra,
  };
}

/**
 * The stack config of `values` that differ from the values `config` was parsed from in `images`
 * and `digests` alone (lib/render/tag-only-change.ts compares the rest): those two keys are
 * parsed again, the rest is `config`'s. It gives what `parseStackConfig(values, source)` gives,
 * errors included: every other key passed in `config`, and no other key's check reads these two.
 */
export function withTagValues(config: StackConfig, values: Readonly<Record<string, unknown>>, source: ConfigSource): StackConfig {
  const parsed: { images?: Record<string, string>; digests?: Record<string, string> } = {};
  // In the file's order, as parseStackConfig meets them: the first bad one is the error.
  for (const key of Object.keys(values)) {
    if (isTagKey(key)) parsed[key] = RENDER_KEYS[key]!.parse(values[key], keyWhere(source, key), source) as Record<string, string>;
  }
  if (parsed.images === undefined) throw missingKey(source, 'images', RENDER_KEYS.images!);
  return { ...config, images: parsed.images, digests: parsed.digests ?? {} };
}

/** The Pulumi project name from `Pulumi.yaml` in `root`. */
export function readProjectName(root: string): string {
  const file = join(root, 'Pulumi.yaml');
  if (!existsSync(file)) throw new Error(`Pulumi.yaml: not found in ${root}; run ferry from the platform repository's root`);
  const text = readFileSync(file, 'utf8');
  const doc = (plainStackYamlValue(text) ?? yamlPackage().parse(text)) as { name?: unknown } | null;
  if (typeof doc?.name !== 'string' || doc.name === '') throw new Error('Pulumi.yaml: name: missing; the project name prefixes every config key');
  return doc.name;
}

export function stackFileName(env: string): string {
  return `Pulumi.${env}.yaml`;
}

/** Splits the `config:` mapping of a stack file text into this project's values, keyed without prefix. */
export function projectValues(text: string, file: string, project: string): Record<string, unknown> {
  return projectValuesOf(stackYamlValue(text, file), file, project);
}

/** `projectValues` of a stack file's plain value (`stackYamlValue`), for a caller that parsed it already. */
export function projectValuesOf(doc: unknown, file: string, project: string): Record<string, unknown> {
  const root = mapping(doc ?? {}, file, 'config: { ... }');
  for (const key of Object.keys(root)) {
    if (!['config', 'secretsprovider', 'encryptedkey', 'encryptionsalt', 'environment'].includes(key)) {
      throw new Error(`${file}: ${key}: unknown top-level key; allowed: config, secretsprovider, encryptedkey, encryptionsalt, environment`);
    }
  }
  const config = mapping(root.config ?? {}, `${file}: config`, `{ ${project}:images: { api: sha-1a2b3c4d } }`);
  const values: Record<string, unknown> = {};
  const prefix = `${project}:`;
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(prefix)) values[key.slice(prefix.length)] = value;
    else if (!key.includes(':')) {
      throw new Error(`${file}: config.${key}: keys must be namespaced; did you mean ${prefix}${key}?`);
    }
  }
  return values;
}

/** Reads and validates `Pulumi.<env>.yaml` for one environment of the platform. */
export function readStackConfig(root: string, platform: Platform, env: Environment, project = readProjectName(root)): StackConfig {
  const file = stackFileName(env.name);
  const path = join(root, file);
  if (!existsSync(path)) {
    throw new Error(`${file}: missing; environment '${env.name}' is in the promotion graph (${platform.promotionOrder()}): create it with ${project}:images`);
  }
  const values = projectValues(readFileSync(path, 'utf8'), file, project);
  return parseStackConfig(values, { file, project, platform, environment: env });
}

function chartServices(source: ConfigSource): string[] {
  return source.platform.services.filter((s) => s.chart !== undefined).map((s) => s.name);
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]!]));
}

/**
 * Seeded synthetic platforms for the fuzz tests that compare a fast path with the full one (the
 * incremental render, the tag-only diff): 1-4 services, 2-4 environments on one to three
 * clusters, with or without previews, config values and an autoscaler, written as a platform
 * repository's platform/platform.ts and Pulumi.<env>.yaml.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlatformRepo, SHOP_FIXTURE, type PlatformRepo, type PlatformRepoOptions } from './platform-repo.js';
import { seededRandom } from './seeded-random.js';

/** The stack file of an environment. */
export function stackPath(env: string): string {
  return `Pulumi.${env}.yaml`;
}

export type Rng = ReturnType<typeof seededRandom>;

export interface FuzzService {
  readonly name: string;
  port: number;
  readonly config: boolean;
}
export interface FuzzEnvironment {
  readonly name: string;
  readonly profile: string;
  tags: Record<string, string>;
  replicas?: number;
  serviceReplicas: Record<string, number>;
  config: Record<string, { host: string; timeout: number; v2: boolean }>;
  /** Pinned digests (`ferry:digests`), by service. @default - none */
  digests?: Record<string, string>;
}
export interface FuzzPlatform {
  services: FuzzService[];
  environments: FuzzEnvironment[];
  readonly previews: boolean;
  readonly autoscaled: string | undefined;
  nextId: number;
}

export const tag = (r: Rng) => `sha-${r.int(0xffffffff).toString(16).padStart(8, '0')}`;
export const digest = (r: Rng) => `sha256:${r.int(0xffffffff).toString(16).padStart(64, '0')}`;

export function newEnvironment(r: Rng, platform: FuzzPlatform, name: string, profile: string): FuzzEnvironment {
  const env: FuzzEnvironment = { name, profile, tags: {}, serviceReplicas: {}, config: {} };
  for (const service of platform.services) addServiceTo(r, env, service);
  return env;
}

export function addServiceTo(r: Rng, env: FuzzEnvironment, service: FuzzService): void {
  env.tags[service.name] = tag(r);
  if (service.config) env.config[service.name] = { host: `db-${r.int(100)}.${env.name}.internal`, timeout: 1000 + r.int(5000), v2: r.chance(0.5) };
}

export function generatePlatform(r: Rng): FuzzPlatform {
  const platform: FuzzPlatform = { services: [], environments: [], previews: r.chance(0.6), autoscaled: undefined, nextId: 0 };
  const serviceCount = 1 + r.int(4);
  for (let i = 0; i < serviceCount; i++) platform.services.push({ name: `svc-${platform.nextId++}`, port: 8000 + r.int(1000), config: r.chance(0.6) });
  const middle = r.int(3);
  const names = ['dev', ...['qa', 'stage', 'uat'].slice(0, middle), 'prod'];
  platform.environments = names.map((name, i) => newEnvironment(r, platform, name, i === 0 ? 'Profiles.development()' : i === names.length - 1 ? "Profiles.production({ approvers: ['@example-org/release-managers'] })" : r.pick(['Profiles.staging()', "Profiles.staging({ cluster: 'nonprod-2' })", "Profiles.development({ logLevel: 'INFO' })"])));
  (platform as { autoscaled: string | undefined }).autoscaled = r.chance(0.5) ? 'prod' : undefined;
  return platform;
}

/** `count` seeded platforms, numbered for `test.each`: the same seed gives the same platforms. */
export function fuzzedPlatforms(seed: number, count: number): (readonly [number, FuzzPlatform])[] {
  const r = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => [i, generatePlatform(r)] as const);
}

export function platformModule(platform: FuzzPlatform): string {
  const services = platform.services.map((s) => {
    const config = s.config
      ? ` config: {
        DATABASE_HOST: ConfigValue.string({ required: true, environmentSpecific: true, description: 'PostgreSQL host' }),
        REQUEST_TIMEOUT_MS: ConfigValue.number({ default: 3000 }),
        CHECKOUT_V2: ConfigValue.boolean({ default: false }),
        DATABASE_PASSWORD: ConfigValue.secretRef({ default: { secret: '${s.name}-database', key: 'password' } }),
      },`
      : '';
    const addons = platform.autoscaled ? ` addons: [new AutoscalerAddon({ maxReplicas: 10, placement: AddonPlacement.environments('${platform.autoscaled}') })],` : '';
    return `    { name: '${s.name}', port: ${s.port}, host: '${s.name}.example.com',${config}${addons} },`;
  });
  return `import { AddonPlacement, AutoscalerAddon, ConfigValue, Environment, Platform, Profiles } from 'ferry/model';
export const platform = new Platform({
  name: 'fuzz',
  repoURL: 'https://github.com/example-org/fuzz.git',
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  services: [
${services.join('\n')}
  ],
  environments: [
${platform.environments.map((e) => `    Environment.of('${e.name}', ${e.profile}),`).join('\n')}
  ],
${platform.previews ? "  previews: { owner: 'example-org', repo: 'fuzz' },\n" : ''}});
`;
}

export function stackModule(env: FuzzEnvironment): string {
  const lines = ['config:', '  aws:region: eu-west-1', '  ferry:images:', ...Object.entries(env.tags).map(([s, t]) => `    ${s}: ${t}`)];
  const digests = Object.entries(env.digests ?? {});
  if (digests.length > 0) lines.push('  ferry:digests:', ...digests.map(([s, d]) => `    ${s}: ${d}`));
  if (env.replicas !== undefined) lines.push(`  ferry:replicas: ${env.replicas}`);
  const overrides = Object.entries(env.serviceReplicas);
  if (overrides.length > 0) lines.push('  ferry:services:', ...overrides.flatMap(([s, n]) => [`    ${s}:`, `      replicas: ${n}`]));
  const config = Object.entries(env.config);
  if (config.length > 0) {
    lines.push('  ferry:config:', ...config.flatMap(([s, c]) => [`    ${s}:`, `      DATABASE_HOST: ${c.host}`, `      REQUEST_TIMEOUT_MS: ${c.timeout}`, `      CHECKOUT_V2: ${c.v2}`]));
  }
  return `${lines.join('\n')}\n`;
}

export function writePlatform(root: string, platform: FuzzPlatform): void {
  mkdirSync(join(root, 'platform'), { recursive: true });
  writeFileSync(join(root, 'platform/platform.ts'), platformModule(platform));
  for (const env of platform.environments) writeFileSync(join(root, stackPath(env.name)), stackModule(env));
}

/** A platform repository (./platform-repo.ts) of `platform`: its platform.ts and stack files beside the sample's Pulumi.yaml, rendered and committed. */
export async function createFuzzRepo(platform: FuzzPlatform, options: Pick<PlatformRepoOptions, 'initialRender'> = {}): Promise<PlatformRepo> {
  const fixture = mkdtempSync(join(tmpdir(), 'ferry-fuzz-'));
  try {
    cpSync(join(SHOP_FIXTURE, 'Pulumi.yaml'), join(fixture, 'Pulumi.yaml'));
    writePlatform(fixture, platform);
    return await createPlatformRepo({ ...options, fixture });
  } finally {
    rmSync(fixture, { recursive: true, force: true });
  }
}

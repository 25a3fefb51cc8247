/**
 * Synthetic platforms for the benchmark: a temp engine checkout (this repository's package.json,
 * bin/, compiled dist/ and templates/) whose platform/platform.ts has N services and 5
 * environments, with a stack file per environment. The platform imports 'ferry', which resolves
 * to the copy's own dist/ (package self-reference), as in ferry's own repository.
 *
 * By default every service is real-sized (issue 10): a config schema of four keys (a string, a
 * number, a boolean and a secret reference) with values in every stack file, and an autoscaler
 * add-on in prod. `{ plain: true }` leaves both out: the earlier platforms, for figures that compare
 * like with like.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SYNTHETIC_ENVIRONMENTS = ['dev', 'qa', 'stage', 'uat', 'prod'] as const;

export interface SyntheticOptions {
  /** Commit a first render on branch main. @default false */
  readonly git?: boolean;
  /** The engine checkout to copy. @default process.cwd() */
  readonly repoRoot?: string;
  /** Services without config and add-ons (the platforms before issue 10). @default false */
  readonly plain?: boolean;
}

export interface SyntheticRepo {
  readonly root: string;
  readonly services: readonly string[];
  cleanup(): void;
}

export function serviceName(i: number): string {
  return `svc-${String(i).padStart(3, '0')}`;
}

/** A hex tag unique per service and environment, so renders differ where they should. */
export function syntheticTag(i: number, env: number): string {
  return `sha-${((i * 7919 + env * 104729 + 0x1a2b3c4d) >>> 0).toString(16).padStart(8, '0').slice(-8)}`;
}

/**
 * A service's config schema and add-on, written out per service as a platform engineer would (no
 * shared constant), so platform.ts has its real size.
 */
export function serviceExtras(service: string, prodEnvironment: string): string {
  return ` config: {
      DATABASE_HOST: ConfigValue.string({ required: true, environmentSpecific: true, description: 'PostgreSQL host' }),
      DATABASE_PASSWORD: ConfigValue.secretRef({ default: { secret: '${service}-database', key: 'password' }, environmentSpecific: true }),
      CHECKOUT_V2: ConfigValue.boolean({ default: false }),
      REQUEST_TIMEOUT_MS: ConfigValue.number({ default: 3000 }),
    },
    addons: [new AutoscalerAddon({ maxReplicas: 10, placement: AddonPlacement.environments('${prodEnvironment}') })],`;
}

/** The `ferry:config` block of one stack file: every key set, one service per paragraph. */
export function stackConfig(services: readonly string[], env: string, e: number): string {
  const blocks = services.map((s, i) => `    ${s}:
      DATABASE_HOST: db-${i}.${env}.internal
      DATABASE_PASSWORD: { secret: ${s}-database, key: password }
      CHECKOUT_V2: ${(i + e) % 2 === 0}
      REQUEST_TIMEOUT_MS: ${1000 + ((i * 10 + e) % 5000)}
`);
  return `  ferry:config:\n${blocks.join('\n')}`;
}

/** The import line of a platform module: the add-on and config factories only where used. */
export function platformImports(plain: boolean): string {
  return `import { ${plain ? '' : 'AddonPlacement, AutoscalerAddon, ConfigValue, '}Environment, Platform, Profiles } from 'ferry/model';`;
}

function platformModule(services: readonly string[], plain: boolean): string {
  const lines = services.map((s, i) => `    { name: '${s}', port: ${8000 + (i % 1000)}, host: '${s}.example.com', env: { FEATURE: 'on' },${plain ? '' : serviceExtras(s, 'prod')} },`);
  return `${platformImports(plain)}
export const platform = new Platform({
  name: 'synthetic',
  repoURL: 'https://github.com/example-org/synthetic.git',
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  services: [
${lines.join('\n')}
  ],
  environments: [
    Environment.of('dev', Profiles.development()),
    Environment.of('qa', Profiles.development({ logLevel: 'INFO' })),
    Environment.of('stage', Profiles.staging()),
    Environment.of('uat', Profiles.staging({ soakHours: 0 })),
    Environment.of('prod', Profiles.production({ approvers: ['@example-org/release-managers'] })),
  ],
  previews: { owner: 'example-org', repo: 'synthetic' },
});
`;
}

/** Creates the repository; `git: true` also commits a first render on branch main. */
export function createSyntheticRepo(serviceCount: number, options: SyntheticOptions = {}): SyntheticRepo {
  const plain = options.plain ?? false;
  const source = options.repoRoot ?? process.cwd();
  const root = mkdtempSync(join(tmpdir(), `ferry-bench-${serviceCount}-`));
  for (const entry of ['package.json', 'bin', 'dist', 'templates']) cpSync(join(source, entry), join(root, entry), { recursive: true });
  symlinkSync(join(source, 'node_modules'), join(root, 'node_modules'), 'dir');
  const services = Array.from({ length: serviceCount }, (_, i) => serviceName(i));
  writeFileSync(join(root, 'Pulumi.yaml'), 'name: ferry\nruntime: nodejs\nmain: dist/stacks/index.js\n');
  mkdirSync(join(root, 'platform'));
  writeFileSync(join(root, 'platform/platform.ts'), platformModule(services, plain));
  SYNTHETIC_ENVIRONMENTS.forEach((env, e) => {
    const tags = services.map((s, i) => `    ${s}: ${env === 'prod' ? `v1.${i}.${e}` : syntheticTag(i, e)}`);
    writeFileSync(join(root, `Pulumi.${env}.yaml`), `config:\n  aws:region: eu-west-1\n  ferry:images:\n${tags.join('\n')}\n${plain ? '' : stackConfig(services, env, e)}`);
  });
  writeFileSync(join(root, '.gitignore'), 'node_modules\ndist\n');
  if (options.git) {
    execFileSync(process.execPath, [join(root, 'bin/ferry.js'), 'render', '--quiet'], { cwd: root });
    const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' };
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root, env });
    // A commit of 34,000 files (2,000 x 5) starts git's automatic gc in the background, which
    // would compete with the measured runs for the cores and write into .git while cleanup removes it.
    execFileSync('git', ['config', 'gc.auto', '0'], { cwd: root, env });
    execFileSync('git', ['add', '-A'], { cwd: root, env });
    execFileSync('git', ['commit', '-q', '-m', 'synthetic platform'], { cwd: root, env });
  }
  return { root, services, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

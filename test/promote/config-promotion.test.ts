/**
 * Per-environment config end to end in a real platform repository: render (kubectl kustomize on
 * the output), promotion of config values with the gates, dry run, trailers, status and history.
 * `render` and `validate` run in the file's resident ferry process (test/helpers/resident-ferry.ts:
 * what a process of its own prints, without its start-up).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import YAML from 'yaml';
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { residentFerry } from '../helpers/resident-ferry.js';
import { createPromoteRepo, editPlatform, type PromoteRepo } from './promote-fixture.js';
import { appendFileSync } from 'node:fs';

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});

const NOW = { FERRY_NOW: '2026-03-10T12:00:00Z' };

/** The shop fixture with a config schema on api and values in each stack file (one service per paragraph). */
function withConfig(stageProfile = 'Profiles.staging()'): (root: string) => void {
  return (root) => {
    editPlatform((text) =>
      text
        .replace("import { Environment, Platform, Profiles } from 'ferry';", "import { ConfigValue, Environment, Platform, Profiles } from 'ferry';")
        .replace(
          "env: { DB_POOL_SIZE: '10' } },",
          `env: { DB_POOL_SIZE: '10' }, config: {
      DATABASE_HOST: ConfigValue.string({ required: true, environmentSpecific: true }),
      DATABASE_PASSWORD: ConfigValue.secretRef({ default: { secret: 'api-database', key: 'password' }, environmentSpecific: true }),
      CHECKOUT_V2: ConfigValue.boolean({ default: false }),
      REQUEST_TIMEOUT_MS: ConfigValue.number({ default: 3000 }),
    } },`,
        )
        .replace("env: { API_URL: 'http://api' },", "env: { API_URL: 'http://api' }, config: { THEME: ConfigValue.string({ oneOf: ['light', 'dark'], default: 'light' }) },")
        .replace("Environment.of('stage', Profiles.staging())", `Environment.of('stage', ${stageProfile})`),
    )(root);
    const values: Record<string, string> = {
      dev: '      DATABASE_HOST: db.dev.internal\n      CHECKOUT_V2: true\n      REQUEST_TIMEOUT_MS: 2500\n\n    web:\n      THEME: dark\n',
      stage: '      DATABASE_HOST: db.stage.internal\n\n    web:\n      THEME: light\n',
      prod: '      DATABASE_HOST: db.prod.internal\n',
    };
    for (const [env, text] of Object.entries(values)) appendFileSync(join(root, `Pulumi.${env}.yaml`), `  ferry:config:\n    api:\n${text}`);
  };
}

/** Lines a diff adds or removes (without the file headers). */
function changedLines(repo: PromoteRepo, from: string, to: string, path: string): string[] {
  return repo.git(['diff', '-U0', from, ...(to === '' ? [] : [to]), '--', path]).split('\n').filter((l) => /^[-+][^-+]/.test(l));
}

interface K8sObject { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: any }

function build(repo: PromoteRepo, overlay: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', join(repo.root, 'manifests/overlays', overlay)], { encoding: 'utf8' });
  return YAML.parseAllDocuments(out).map((d) => d.toJSON() as K8sObject);
}

function containerEnv(objects: K8sObject[]): Record<string, unknown> {
  const deployment = objects.find((o) => o.kind === 'Deployment')!;
  return Object.fromEntries((deployment.spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[]).map((e) => [e.name, e.value ?? e.valueFrom]));
}

test('a config value changed in dev changes only dev (and the preview, which runs dev); the ConfigMap name carries a content hash the pods point at, also under a Rollout', async () => {
  const repo = await createPromoteRepo(registry, { edit: withConfig(), push: false });
  try {
    const devBefore = build(repo, 'dev/api');
    const configMap = devBefore.find((o) => o.kind === 'ConfigMap')!;
    expect(configMap.metadata.name).toMatch(/^api-config-[a-z0-9]{10}$/);
    expect(configMap.data).toEqual({ CHECKOUT_V2: 'true', DATABASE_HOST: 'db.dev.internal', REQUEST_TIMEOUT_MS: '2500' });
    expect(containerEnv(devBefore)).toEqual({
      DB_POOL_SIZE: '10',
      LOG_LEVEL: 'DEBUG',
      CHECKOUT_V2: { configMapKeyRef: { name: configMap.metadata.name, key: 'CHECKOUT_V2' } },
      DATABASE_HOST: { configMapKeyRef: { name: configMap.metadata.name, key: 'DATABASE_HOST' } },
      DATABASE_PASSWORD: { secretKeyRef: { name: 'api-database', key: 'password' } },
      REQUEST_TIMEOUT_MS: { configMapKeyRef: { name: configMap.metadata.name, key: 'REQUEST_TIMEOUT_MS' } },
    });
    // prod: the Rollout takes its pods from the Deployment (workloadRef), whose env kustomize rewrote.
    const prod = build(repo, 'prod/api');
    const prodConfigMap = prod.find((o) => o.kind === 'ConfigMap')!;
    expect(prod.find((o) => o.kind === 'Rollout')!.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', scaleDown: 'never' });
    expect(prodConfigMap.data).toEqual({ CHECKOUT_V2: 'false', DATABASE_HOST: 'db.prod.internal', REQUEST_TIMEOUT_MS: '3000' });
    expect(containerEnv(prod).DATABASE_HOST).toEqual({ configMapKeyRef: { name: prodConfigMap.metadata.name, key: 'DATABASE_HOST' } });
    // The preview runs dev's plain values; its namespace has no Secrets, so no secret reference.
    expect(containerEnv(build(repo, 'preview/api')).DATABASE_PASSWORD).toBeUndefined();

    repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml').replace('DATABASE_HOST: db.dev.internal', 'DATABASE_HOST: db2.dev.internal'));
    const render = await residentFerry().run(['render', '--quiet'], repo.root);
    expect(render.stderr).toBe('');
    expect(repo.status().split('\n').filter(Boolean).sort()).toEqual([
      ' M Pulumi.dev.yaml',
      ' M manifests/overlays/dev/api/kustomization.yaml',
      ' M manifests/overlays/preview/api/kustomization.yaml',
    ]);
    expect(changedLines(repo, 'HEAD', '', 'manifests/overlays/dev/api/kustomization.yaml')).toEqual(['-      - DATABASE_HOST=db.dev.internal', '+      - DATABASE_HOST=db2.dev.internal']);
    const devAfter = build(repo, 'dev/api');
    const renamed = devAfter.find((o) => o.kind === 'ConfigMap')!.metadata.name;
    expect(renamed).not.toBe(configMap.metadata.name);
    expect(containerEnv(devAfter).DATABASE_HOST).toEqual({ configMapKeyRef: { name: renamed, key: 'DATABASE_HOST' } });
    const validate = await residentFerry().run(['validate'], repo.root);
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
  } finally {
    repo.cleanup();
  }
});

test('bad config in a stack file is refused naming file, key, value and what is allowed; nothing is written', async () => {
  const repo = await createPromoteRepo(registry, { edit: withConfig(), push: false });
  try {
    const cases: [string, string, string][] = [
      ['REQUEST_TIMEOUT_MS: 2500', 'REQUEST_TIMEOUT_MS: soon', 'Pulumi.dev.yaml: ferry:config.api.REQUEST_TIMEOUT_MS: "soon" is not a number; allowed: a number (e.g. 10)'],
      ['CHECKOUT_V2: true', 'CHECKOUT_V3: true', 'Pulumi.dev.yaml: ferry:config.api.CHECKOUT_V3: unknown key; allowed: CHECKOUT_V2, DATABASE_HOST, DATABASE_PASSWORD, REQUEST_TIMEOUT_MS'],
      ['DATABASE_HOST: db.dev.internal', 'DATABASE_PORT: 5432', 'Pulumi.dev.yaml: ferry:config.api.DATABASE_PORT: unknown key; allowed: CHECKOUT_V2, DATABASE_HOST, DATABASE_PASSWORD, REQUEST_TIMEOUT_MS'],
      ['CHECKOUT_V2: true', 'DATABASE_PASSWORD: correct-horse', 'Pulumi.dev.yaml: ferry:config.api.DATABASE_PASSWORD: is a secret reference and an inline value "corr…" (13 characters) is refused (a secret value never goes into git); allowed: { secret: <Secret name>, key: <key in it> }'],
      ['DATABASE_HOST: db.dev.internal', 'DATABASE_HOST: AKIAIOSFODNN7EXAMPLE', 'Pulumi.dev.yaml: ferry:config.api.DATABASE_HOST: value "AKIA…" (20 characters) looks like an AWS access key id: a secret never goes into a stack file; declare the key ConfigValue.secretRef() and reference a Secret'],
    ];
    const original = repo.read('Pulumi.dev.yaml');
    for (const [from, to, message] of cases) {
      repo.write('Pulumi.dev.yaml', original.replace(from, to));
      const result = await residentFerry().run(['render'], repo.root);
      expect([result.code, result.stderr]).toEqual([1, `ferry render: ${message}\n`]);
      expect(repo.status()).toBe(' M Pulumi.dev.yaml\n');
    }
    repo.write('Pulumi.dev.yaml', original);
    repo.write('Pulumi.stage.yaml', repo.read('Pulumi.stage.yaml').replace('      DATABASE_HOST: db.stage.internal\n', '      CHECKOUT_V2: true\n'));
    const missing = await residentFerry().run(['render'], repo.root);
    expect(missing.stderr).toBe('ferry render: Pulumi.stage.yaml: ferry:config.api.DATABASE_HOST: missing; required (no default); allowed: a string (quote numbers and booleans)\n');
  } finally {
    repo.cleanup();
  }
});

test('promoting named config keys to stage: one commit with the gates and trailers; history and status show it', async () => {
  const repo = await createPromoteRepo(registry, { edit: withConfig() });
  try {
    const dry = await repo.run(['promote', 'api', '--to', 'stage', '--config', 'CHECKOUT_V2', '--dry-run'], NOW);
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toContain('api: config CHECKOUT_V2 (default) -> true in stage from dev\n');
    expect(dry.stdout).toContain('     api:\n       DATABASE_HOST: db.stage.internal\n+      CHECKOUT_V2: true\n');
    expect(dry.stdout).toContain('+      - CHECKOUT_V2=true');
    expect(dry.stdout).toContain('dry run: would write 2 file(s); nothing written');
    expect(repo.status()).toBe('');

    const result = await repo.run(['promote', 'api', '--to', 'stage', '--config', 'CHECKOUT_V2', '--commit'], { ...NOW, GIT_COMMITTER_DATE: '2026-03-10T12:00:00Z', GIT_AUTHOR_DATE: '2026-03-10T12:00:00Z' });
    expect(result.stderr).toBe('');
    const branch = 'promote/stage/api-config';
    expect(repo.git(['diff', '--name-only', 'main', branch]).trim().split('\n')).toEqual(['Pulumi.stage.yaml', 'manifests/overlays/stage/api/kustomization.yaml']);
    expect(changedLines(repo, 'main', branch, 'Pulumi.stage.yaml')).toEqual(['+      CHECKOUT_V2: true']);
    expect(repo.git(['log', '-1', '--format=%B', branch])).toBe('chore(promote): api config CHECKOUT_V2 to stage\n\nPromoted-From: dev\nConfig-Keys: CHECKOUT_V2\n\n');
    repo.git(['merge', '-q', '--ff-only', branch]);
    const check = await residentFerry().run(['render', '--check'], repo.root);
    expect([check.code, check.stderr]).toEqual([0, '']);

    // --config all moves every key not declared environmentSpecific: REQUEST_TIMEOUT_MS, not DATABASE_HOST.
    const all = await repo.run(['promote', 'api', '--to', 'stage', '--config', 'all', '--direct'], { ...NOW, GIT_COMMITTER_DATE: '2026-03-10T12:30:00Z', GIT_AUTHOR_DATE: '2026-03-10T12:30:00Z' });
    expect(all.stderr).toBe('');
    expect(repo.git(['log', '-1', '--format=%B'])).toBe('chore(promote): api config REQUEST_TIMEOUT_MS to stage\n\nPromoted-From: dev\nConfig-Keys: REQUEST_TIMEOUT_MS\n\n');
    expect(repo.read('Pulumi.stage.yaml')).toContain('    api:\n      DATABASE_HOST: db.stage.internal\n      CHECKOUT_V2: true\n      REQUEST_TIMEOUT_MS: 2500\n');
    const again = await repo.run(['promote', 'api', '--to', 'stage', '--config', 'all', '--direct'], NOW);
    expect(again.stdout).toBe('config: stage already has the selected values of dev; nothing to promote\n');

    const named = await repo.run(['promote', 'api', '--to', 'stage', '--config', 'DATABASE_HOST'], NOW);
    expect([named.code, named.stderr]).toEqual([1, "ferry promote: --config DATABASE_HOST: 'api' declares DATABASE_HOST environmentSpecific (its value belongs to each environment); edit it in the target's stack file instead\n"]);
    const unknown = await repo.run(['promote', 'api', '--to', 'stage', '--config', 'NOPE'], NOW);
    expect(unknown.stderr).toBe("ferry promote: --config NOPE: unknown config key of 'api'; allowed: CHECKOUT_V2, REQUEST_TIMEOUT_MS\n");

    const history = JSON.parse((await repo.ferry(['history', 'api', '--env', 'stage', '--json'])).stdout) as Record<string, unknown>[];
    expect(history.map((h) => [h.kind, h.from, h.tag, h.promotedFrom, h.config])).toEqual([
      ['initial', undefined, 'sha-3f9c2a1b', undefined, [{ key: 'DATABASE_HOST', before: '(default)', after: 'db.stage.internal' }]],
      ['promotion', 'sha-3f9c2a1b', 'sha-3f9c2a1b', 'dev', [{ key: 'CHECKOUT_V2', before: '(default)', after: 'true' }]],
      ['promotion', 'sha-3f9c2a1b', 'sha-3f9c2a1b', 'dev', [{ key: 'REQUEST_TIMEOUT_MS', before: '(default)', after: '2500' }]],
    ]);
    const table = (await repo.ferry(['history', 'api', '--env', 'stage'])).stdout;
    expect(table).toMatch(/^2026-03-10T12:30:00Z +stage +config REQUEST_TIMEOUT_MS: \(default\) -> 2500 +promotion +dev /m);
    const status = JSON.parse((await repo.ferry(['status', '--json'])).stdout) as { environment: string; service: string; config?: Record<string, unknown> }[];
    const head = repo.git(['rev-parse', 'HEAD']).trim();
    expect(status.find((s) => s.environment === 'stage' && s.service === 'api')!.config).toEqual({ keys: 3, since: '2026-03-10T12:30:00Z', by: 'Promoter Pat', commit: head, uncommitted: false });
    expect(status.find((s) => s.environment === 'prod' && s.service === 'web')!.config).toEqual({ keys: 0, since: undefined, by: undefined, commit: undefined, uncommitted: false });
    expect((await repo.ferry(['status'])).stdout).toMatch(new RegExp(`^stage +api +sha-3f9c2a1b .* 3 keys, changed 2026-03-10T12:30:00Z in ${head.slice(0, 7)}$`, 'm'));
  } finally {
    repo.cleanup();
  }
});

test('a config-only promotion runs the approval and freeze gates (not soak); refused writes nothing; with --image the tag and config land in one commit', async () => {
  const freeze = "Profiles.staging({ freezeWindows: [{ reason: 'release freeze', timeZone: 'UTC', days: [2], start: '09:00', end: '17:00' }] })";
  const repo = await createPromoteRepo(registry, { edit: withConfig(freeze) });
  try {
    const frozen = await repo.run(['promote', 'api', '--to', 'stage', '--config', 'CHECKOUT_V2', '--commit'], NOW);
    expect([frozen.code, frozen.stderr]).toEqual([1, `ferry promote: gate 'freeze': stage is frozen: release freeze (Tue 09:00-17:00 UTC; now Tue 12:00 UTC, 2026-03-10T12:00:00Z); override with --override freeze --reason "..."\n`]);
    expect(repo.status()).toBe('');
    expect(repo.git(['branch', '--list', 'promote/*'])).toBe('');

    // prod's upstream is stage: stage moves to CHECKOUT_V2 true for this step only (reset after).
    repo.write('Pulumi.stage.yaml', repo.read('Pulumi.stage.yaml').replace('      DATABASE_HOST: db.stage.internal\n', '      DATABASE_HOST: db.stage.internal\n      CHECKOUT_V2: true\n'));
    repo.git(['commit', '-qam', 'stage runs the new checkout']);
    const approval = await repo.run(['promote', 'api', '--to', 'prod', '--config', 'CHECKOUT_V2', '--direct'], NOW);
    expect(approval.stderr).toMatch(/^ferry promote: gate 'approval': prod requires review: /);
    expect(repo.status()).toBe('');
    repo.git(['reset', '-q', '--hard', 'HEAD~1']);

    // A new dev tag that has not soaked an hour: the image is refused by soak, config alone is not judged by it.
    await registry.pushImage('api', 'sha-4d4d4d4d');
    await repo.commitTag('dev', 'api', 'sha-4d4d4d4d', '2026-03-10T11:30:00Z');
    const both = await repo.run(['promote', 'api', '--to', 'stage', '--config', 'CHECKOUT_V2', '--image', '--override', 'freeze', '--reason', 'INC-7', '--commit'], NOW);
    expect(both.stderr).toMatch(/^ferry promote: gate 'soak': sha-4d4d4d4d has run in dev for 30m/);
    expect(repo.status()).toBe('');
    const configOnly = await repo.run(['promote', 'api', '--to', 'stage', '--config', 'CHECKOUT_V2', '--override', 'freeze', '--reason', 'INC-7', '--commit'], NOW);
    expect(configOnly.stderr).toBe('');
    expect(configOnly.stdout).toContain("api: OVERRIDDEN gate 'freeze': stage is frozen: release freeze");
    expect(repo.git(['log', '-1', '--format=%B', 'promote/stage/api-config'])).toBe(
      'chore(promote): api config CHECKOUT_V2 to stage\n\nPromoted-From: dev\nConfig-Keys: CHECKOUT_V2\nGate-Overrides: freeze; reason: INC-7\n\n',
    );

    const later = { FERRY_NOW: '2026-03-10T18:00:00Z' };
    const together = await repo.run(['promote', 'api', '--to', 'stage', '--config', 'CHECKOUT_V2', '--image', '--commit'], later);
    expect(together.stderr).toBe('');
    const branch = 'promote/stage/api-sha-4d4d4d4d+api-config';
    expect(repo.git(['diff', '--name-only', 'main', branch]).trim().split('\n')).toEqual(['Pulumi.stage.yaml', 'manifests/overlays/stage/api/kustomization.yaml']);
    expect(changedLines(repo, 'main', branch, 'Pulumi.stage.yaml')).toEqual(['-    api: sha-3f9c2a1b', '+    api: sha-4d4d4d4d', '+      CHECKOUT_V2: true']);
    const digest = await registry.client.manifestDigest('api', 'sha-4d4d4d4d');
    expect(repo.git(['log', '-1', '--format=%B', branch])).toBe(
      `chore(promote): api sha-4d4d4d4d + config CHECKOUT_V2 to stage\n\nPromoted-From: dev\nImage-Tag: sha-4d4d4d4d\nImage-Digest: ${digest}\nConfig-Keys: CHECKOUT_V2\n\n`,
    );
  } finally {
    repo.cleanup();
  }
});

test('two config promotion pull requests of different services to one environment merge in either order (one service per paragraph)', async () => {
  const repo = await createPromoteRepo(registry, { edit: withConfig() });
  try {
    for (const service of ['api', 'web']) {
      const result = await repo.run(['promote', service, '--to', 'stage', '--config', 'all', '--commit'], NOW);
      expect(result.stderr).toBe('');
    }
    expect(changedLines(repo, 'main', 'promote/stage/web-config', 'Pulumi.stage.yaml')).toEqual(['-      THEME: light', '+      THEME: dark']);
    for (const [first, second] of [['api', 'web'], ['web', 'api']]) {
      repo.git(['checkout', '-q', '-B', `merge-${first}-first`, 'main']);
      repo.git(['merge', '-q', '--no-ff', '-m', `merge ${first}`, `promote/stage/${first}-config`]);
      repo.git(['merge', '-q', '--no-ff', '-m', `merge ${second}`, `promote/stage/${second}-config`]);
      expect(repo.read('Pulumi.stage.yaml')).toContain('    api:\n      DATABASE_HOST: db.stage.internal\n      CHECKOUT_V2: true\n      REQUEST_TIMEOUT_MS: 2500\n\n    web:\n      THEME: dark\n');
      const check = await residentFerry().run(['render', '--check'], repo.root);
      expect([check.code, check.stderr]).toEqual([0, '']);
    }
  } finally {
    repo.cleanup();
  }
});

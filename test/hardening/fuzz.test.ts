/**
 * Fuzz (issue 12): hostile stack files and platform definitions from a seeded generator (no
 * dependency: the same seed gives the same inputs, and a failure prints the case to replay).
 *
 * - every refusal is an Error (never a TypeError, RangeError or stack overflow) whose message
 *   names the file or the key;
 * - every accepted input renders, and every rendered object passes the Kubernetes/Argo schemas
 *   (validateObjects) and the consumers' name rules (nameProblems: names, namespaces, labels,
 *   hosts, tags, repo URLs, refs);
 * - a refused stack file given to `ferry render` writes nothing.
 *
 * FERRY_FUZZ_SEED and FERRY_FUZZ_SCALE (a multiplier of the counts) vary a run.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { renderPlatform } from '../../lib/render/render.js';
import { validateObjects } from '../../lib/render/schema-validation.js';
import { nameProblems } from '../../lib/render/verify-tree.js';
import { listFiles } from '../../lib/render/tree.js';
import { Environment, Platform, Profiles, type EnvironmentProfileProps, type PlatformProps } from '../../model/platform.js';
import { parseStackConfig, projectValues, type StackConfig } from '../../model/stack-config.js';
import { createPlatformRepo, SHOP_FIXTURE, type PlatformRepo } from '../helpers/platform-repo.js';
import { seededRandom } from '../helpers/seeded-random.js';

const SEED = Number(process.env.FERRY_FUZZ_SEED ?? 20260112);
const SCALE = Number(process.env.FERRY_FUZZ_SCALE ?? 1);
const STACK_FILES = Math.round(520 * SCALE);
const PLATFORMS = Math.round(160 * SCALE);
/** Refused stack files also given to `ferry render` in a real repository (each costs a render). */
const CLI_REFUSALS = Math.round(8 * SCALE);

const rng = seededRandom;
type Rng = ReturnType<typeof rng>;

const HOSTILE_STRINGS = [
  '',
  ' ',
  '--all',
  '-oProxyCommand=touch /tmp/pwned',
  '--upload-pack=touch /tmp/pwned',
  'main; rm -rf /',
  '$(id)',
  '`id`',
  'a\nb',
  'tab\there',
  '"quoted"',
  "it's",
  'Kube System',
  'Argo CD',
  'Prod X',
  '../../etc/passwd',
  '/abs/path',
  'ünïcödé',
  '💥',
  '\u202eevil',
  'zero\u200bwidth',
  '\u0000nul',
  'latest',
  'UPPER',
  'a.b.c',
  '-',
  '.',
  '..',
  '{{.service}}',
  '${{ github.event.issue.title }}',
  'https://user:pass@github.com/x/y.git',
  'ssh://-oProxyCommand=x/y',
  'git@github.com:x/y.git',
  'sha-1a2b3c4d',
  'v1.2.0',
  'pr-1-1a2b3c4',
  '250m',
  '1Gi',
  'api',
  'web',
  'dev',
  'nginx',
  '__proto__',
  'constructor',
  'toString',
];

/** A hostile value of any type. */
function hostile(r: Rng, depth = 0): unknown {
  switch (r.int(12)) {
    case 0:
      return null;
    case 1:
      return r.pick([0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER, 65536, 80, 8080, 3]);
    case 2:
      return r.pick([true, false]);
    case 3:
      return r.pick(['a', 'x', '9', '-', 'é', '.']).repeat(r.pick([63, 64, 128, 129, 253, 254, 402, 5000]));
    case 4:
      return depth < 24 ? (r.chance(0.5) ? [hostile(r, depth + 1)] : { [r.pick(HOSTILE_STRINGS)]: hostile(r, depth + 1) }) : 'deep';
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return `${r.pick(HOSTILE_STRINGS)}${r.pick(HOSTILE_STRINGS)}`;
    default:
      return r.pick(HOSTILE_STRINGS);
  }
}

function isCleanError(e: unknown, names: RegExp): string | undefined {
  if (!(e instanceof Error)) return `threw a non-Error ${String(e)}`;
  if (e.constructor !== Error) return `threw ${e.constructor.name}: ${e.message}`;
  if (/Maximum call stack|Cannot read propert|is not a function|is not iterable|undefined|\[object Object\]/.test(e.message) && !names.test(e.message)) return `unhelpful message: ${e.message}`;
  if (!names.test(e.message)) return `message names no file or key: ${e.message.slice(0, 300)}`;
  return undefined;
}

/** Every object of the rendered files. */
function objectsOf(files: ReadonlyMap<string, string>, filter: (path: string) => boolean = () => true): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  for (const [path, text] of files) {
    if (!filter(path) || path.endsWith('/kustomization.yaml')) continue;
    for (const doc of YAML.parseAllDocuments(text)) out.push(doc.toJSON());
  }
  return out;
}

async function objectProblems(objects: Record<string, any>[]): Promise<string[]> {
  const problems = (await validateObjects(objects)).map((v) => `${v.object}: ${v.message}`);
  problems.push(...nameProblems(objects, 'rendered').map((p) => `${p.object}: ${p.message}`));
  return problems;
}

// ---------------------------------------------------------------- stack files

const fixturePlatformProps = (): PlatformProps => ({
  name: 'shop',
  repoURL: 'https://github.com/example-org/shop-platform.git',
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  services: [
    { name: 'api', host: 'api.shop.example.com', env: { DB_POOL_SIZE: '10' } },
    { name: 'web', port: 3000, host: 'shop.example.com' },
  ],
  environments: [
    Environment.of('dev', Profiles.development()),
    Environment.of('stage', Profiles.staging()),
    Environment.of('prod', Profiles.production({ approvers: ['@example-org/release-managers'] })),
  ],
  previews: { owner: 'example-org', repo: 'shop-platform' },
});

const STACK_KEYS = ['images', 'digests', 'replicas', 'logLevel', 'resources', 'services', 'instanceType', 'diskSizeGb', 'imagePublishers', 'ciSubjects', 'githubRepository', 'adminCidrs'];

function validStack(env: string): Record<string, unknown> {
  return {
    images: env === 'prod' ? { api: 'v1.3.2', web: 'v1.3.0' } : { api: 'sha-1a2b3c4d', web: '1.4.0-SNAPSHOT-8e1d4c7' },
    replicas: 2,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    services: { api: { replicas: 3, logLevel: 'DEBUG' } },
  };
}

/** Sets a hostile value somewhere in `value` (a path of existing keys, or a new key). */
function mutate(r: Rng, value: Record<string, unknown>): void {
  let node: any = value;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0 || r.chance(0.35)) break;
    const key = r.pick(keys);
    if (node[key] === null || typeof node[key] !== 'object' || r.chance(0.3)) {
      node[key] = hostile(r);
      return;
    }
    node = node[key];
  }
  node[r.chance(0.5) ? r.pick(STACK_KEYS) : r.chance(0.5) ? r.pick(['cpu', 'memory', 'api', 'web', 'gpu', 'extra']) : String(hostile(r))] = hostile(r);
}

/** A stack file text: a valid one mutated as a value, then possibly as text. */
function stackFileText(r: Rng, env: string, project: string): string {
  const values = validStack(env);
  const mutations = r.int(4);
  for (let i = 0; i < mutations; i++) mutate(r, values);
  const config: Record<string, unknown> = { 'aws:region': 'eu-west-1' };
  for (const [k, v] of Object.entries(values)) config[`${project}:${k}`] = v;
  if (r.chance(0.1)) config[r.pick(['images', 'bare', 'x'])] = 1; // not namespaced
  const doc: Record<string, unknown> = { config };
  if (r.chance(0.05)) doc[r.pick(['runtime', 'extra'])] = hostile(r);
  let text: string;
  try {
    text = YAML.stringify(r.chance(0.05) ? hostile(r) : doc, { aliasDuplicateObjects: false });
  } catch {
    text = YAML.stringify(doc);
  }
  switch (r.int(10)) {
    case 0:
      return text.slice(0, r.int(text.length)); // truncated
    case 1:
      return `${text}\nconfig: {}\n`; // a key twice
    case 2:
      return `${text.replace('config:', `config: ${'['.repeat(r.pick([17, 500, 100000]))}`)}`; // deep flow nesting
    case 3:
      return `${text}${Array.from({ length: 30 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} x\n`; // deep block nesting
    case 4:
      return `${text}${r.pick(['a: &x [1]\nb: *x\n', '\t- tab\n', '"unterminated\n', '? complex\n: key\n', '%YAML 1.1\n---\n', '!!binary aGk=\n'])}`;
    case 5:
      return r.chance(0.2) ? `${text}  pad: "${'x'.repeat(1.1 * 1024 * 1024)}"\n` : text.replace(/sha-1a2b3c4d/, `"${'x'.repeat(r.pick([129, 402]))}"`);
    default:
      return text;
  }
}

describe('fuzz', () => {
  const counts = { stackFiles: 0, stackAccepted: 0, stackRefused: 0, platforms: 0, platformAccepted: 0, platformRefused: 0, renderedObjects: 0, cliRefusals: 0 };
  afterAll(() => {
    // The counts docs/reliability.md records.
    process.stdout.write(`fuzz counts (seed ${SEED}): ${JSON.stringify(counts)}\n`);
  });

  test(`${STACK_FILES} hostile stack files: refused with a message naming the file, or accepted and rendered valid`, async () => {
    const r = rng(SEED);
    const started = Date.now();
    const platform = new Platform(fixturePlatformProps());
    const project = 'ferry';
    const good = new Map<string, StackConfig>(
      platform.environments.map((env) => [env.name, parseStackConfig(validStack(env.name), { file: `Pulumi.${env.name}.yaml`, project, platform, environment: env })]),
    );
    const failures: string[] = [];
    const refusedTexts: { env: string; text: string }[] = [];
    for (let i = 0; i < STACK_FILES; i++) {
      const env = r.pick(platform.environments);
      const file = `Pulumi.${env.name}.yaml`;
      const text = stackFileText(r, env.name, project);
      counts.stackFiles++;
      let config: StackConfig;
      try {
        config = parseStackConfig(projectValues(text, file, project), { file, project, platform, environment: env });
      } catch (e) {
        counts.stackRefused++;
        const problem = isCleanError(e, new RegExp(`^${file.replace(/\./g, '\\.')}: `));
        if (problem) failures.push(`#${i} ${problem}\n${text.slice(0, 400)}`);
        if (refusedTexts.length < CLI_REFUSALS && Buffer.byteLength(text) < 64 * 1024) refusedTexts.push({ env: env.name, text });
        continue;
      }
      counts.stackAccepted++;
      try {
        const output = renderPlatform(platform, new Map([...good, [env.name, config]]));
        const objects = objectsOf(output.files, (p) => p.startsWith(`manifests/overlays/${env.name}/`));
        counts.renderedObjects += objects.length;
        const problems = await objectProblems(objects);
        if (problems.length > 0) failures.push(`#${i} accepted but the rendered objects are refused: ${problems.slice(0, 3).join('; ')}\n${text.slice(0, 400)}`);
      } catch (e) {
        failures.push(`#${i} accepted but render threw ${(e as Error).constructor.name}: ${(e as Error).message.slice(0, 300)}\n${text.slice(0, 400)}`);
      }
    }
    process.stdout.write(`stack files in-process: ${Date.now() - started} ms\n`);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(counts.stackFiles).toBeGreaterThanOrEqual(500);
    expect(counts.stackAccepted).toBeGreaterThan(0);
    expect(counts.stackRefused).toBeGreaterThan(counts.stackFiles / 2);

    // ferry render with a refused stack file: exit 1, a message, and no file written or removed.
    const repo: PlatformRepo = await createPlatformRepo({ git: false });
    try {
      await repo.ferry(['render', '--quiet']);
      const snapshot = () => createHash('sha256').update([...listFiles(repo.root, 'manifests'), ...listFiles(repo.root, '.github')].map((p) => `${p}\0${readFileSync(join(repo.root, p))}`).join('\0')).digest('hex');
      const project = YAML.parse(readFileSync(join(SHOP_FIXTURE, 'Pulumi.yaml'), 'utf8')).name as string;
      expect(project).toBe('ferry');
      for (const { env, text } of refusedTexts) {
        const original = repo.read(`Pulumi.${env}.yaml`);
        repo.write(`Pulumi.${env}.yaml`, text);
        const before = snapshot();
        const result = await repo.ferry(['render', '--quiet']);
        counts.cliRefusals++;
        expect({ code: result.code, stdout: result.stdout, named: result.stderr.includes(`Pulumi.${env}.yaml`), trace: /\n\s+at /.test(result.stderr) }).toEqual({ code: 1, stdout: '', named: true, trace: false });
        expect(snapshot()).toBe(before);
        repo.write(`Pulumi.${env}.yaml`, original);
      }
      expect(counts.cliRefusals).toBe(refusedTexts.length);
    } finally {
      repo.cleanup();
    }
  });

  test(`${PLATFORMS} hostile platform definitions: refused naming the key, or accepted and rendered valid`, async () => {
    const r = rng(SEED + 1);
    const failures: string[] = [];
    const KEY = /(^|: )(platform|service|environment|TagFormat)\b|'[A-Za-z.[\]0-9]+'/;
    for (let i = 0; i < PLATFORMS; i++) {
      counts.platforms++;
      const trail: string[] = [];
      // Most cases change one to three values; some none (the valid base must render).
      const rate = r.pick([0, 0.01, 0.02, 0.03, 0.05, 0.1]);
      const h = (key: string, fallback: unknown) => {
        if (!r.chance(rate)) return fallback;
        const value = hostile(r);
        trail.push(`${key}=${JSON.stringify(value)?.slice(0, 80)}`);
        return value;
      };
      let platform: Platform;
      try {
        const profiles = [
          ['dev', Profiles.development()],
          ['stage', Profiles.staging({ cluster: 'nonprod' })],
          ['prod', Profiles.production({ approvers: ['@example-org/release-managers'] })],
        ] as const;
        const environments = profiles.map(([name, profile]) => {
          const p: Record<string, unknown> = { ...profile };
          for (const key of ['replicas', 'resources', 'logLevel', 'cluster', 'namespace', 'hostPrefix', 'soakHours', 'approvers', 'requiresReview', 'tagFormats', 'freezeWindows', 'syncPolicy', 'strategy', 'gates']) {
            const v = h(`${name}.${key}`, p[key]);
            if (v !== undefined) p[key] = v;
          }
          return Environment.of(h(`${name}.name`, name) as string, (r.chance(0.02) ? hostile(r) : p) as EnvironmentProfileProps);
        });
        const service = (name: string, host: string) => ({
          name: h('service.name', name),
          repository: h('service.repository', undefined),
          port: h('service.port', undefined),
          healthPath: h('service.healthPath', undefined),
          readinessPath: h('service.readinessPath', undefined),
          host: h('service.host', host),
          env: h('service.env', { MODE: 'prod' }),
          healthResponse: h('service.healthResponse', undefined),
        });
        const props = {
          name: h('name', 'shop'),
          repoURL: h('repoURL', r.pick(['https://github.com/example-org/shop.git', 'git@github.com:example-org/shop.git'])),
          targetRevision: h('targetRevision', undefined),
          registry: h('registry', 'registry.example.com'),
          services: h('services', [service('api', 'api.example.com'), service('web', 'shop.example.com')]),
          environments: h('environments', environments),
          previews: h('previews', r.chance(0.5) ? { owner: h('previews.owner', 'example-org'), repo: h('previews.repo', 'shop'), label: h('previews.label', 'preview'), cluster: h('previews.cluster', 'nonprod'), tokenSecret: h('previews.tokenSecret', 'github-token') } : false),
          ingressClassName: h('ingressClassName', undefined),
          allowedIngressNamespaces: h('allowedIngressNamespaces', undefined),
          argocdNamespace: h('argocdNamespace', undefined),
        };
        // Remove the keys left undefined, as a platform.ts that does not set them would.
        for (const key of Object.keys(props) as (keyof typeof props)[]) if (props[key] === undefined) delete props[key];
        for (const s of Array.isArray(props.services) ? (props.services as Record<string, unknown>[]) : []) {
          if (s && typeof s === 'object') for (const key of Object.keys(s)) if (s[key] === undefined) delete s[key];
        }
        platform = new Platform(props as unknown as PlatformProps);
      } catch (e) {
        counts.platformRefused++;
        const problem = isCleanError(e, KEY);
        if (problem) failures.push(`#${i} ${problem} [${trail.join(', ')}]`);
        continue;
      }
      counts.platformAccepted++;
      try {
        const configs = new Map<string, StackConfig>(
          platform.environments.map((env) => [
            env.name,
            { file: `Pulumi.${env.name}.yaml`, environment: env.name, images: Object.fromEntries(platform.services.map((s) => [s.name, env.tagFormats[0]!.example])), digests: {}, services: {}, infra: {} },
          ]),
        );
        const output = renderPlatform(platform, configs);
        for (const path of output.files.keys()) {
          if (!/^manifests(\/[a-z0-9-]+)+\.yaml$/.test(path)) failures.push(`#${i} accepted but renders the path ${JSON.stringify(path)} [${trail.join(', ')}]`);
        }
        const objects = objectsOf(output.files);
        counts.renderedObjects += objects.length;
        const problems = await objectProblems(objects);
        if (problems.length > 0) failures.push(`#${i} accepted but the rendered objects are refused: ${problems.slice(0, 3).join('; ')} [${trail.join(', ')}]`);
      } catch (e) {
        failures.push(`#${i} accepted but render threw ${(e as Error).constructor.name}: ${(e as Error).message.slice(0, 300)} [${trail.join(', ')}]`);
      }
    }
    expect(failures.slice(0, 8)).toEqual([]);
    expect(counts.platforms).toBeGreaterThanOrEqual(150);
    expect(counts.platformAccepted).toBeGreaterThan(10);
    expect(counts.platformRefused).toBeGreaterThan(counts.platforms / 3);
  });
});

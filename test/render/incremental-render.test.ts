/**
 * The incremental render (lib/render/incremental-render.ts) against the full one, on the same
 * inputs: after every edit, `ferry render` takes the path its change allows (unchanged: nothing
 * synthesised; services: only the overlays whose image tag or digest moved; environments: only the
 * changed stack files'; full otherwise) and then a full render agrees (test/helpers/render-oracle.ts).
 *
 * Cases: the sample platform of this repository, the Helm fixture, and a seeded set of synthetic
 * platforms with random edits (tags, digests, config values, replicas, several stack files at once, an
 * environment added or removed, a service added, hand-edited, deleted and stale output files, a
 * hand-edited CODEOWNERS). FERRY_FUZZ_SEED and FERRY_FUZZ_SCALE vary a run; FERRY_FUZZ_ONLY=<n> replays one platform.
 *
 * The incremental renders run in one ferry process that stays up for this file; the full render
 * they are compared with never does (test/helpers/render-oracle.ts: every third a process of its
 * own, the others in a process that only checks). Within one process an edited platform.ts is loaded
 * again (its URL carries its content hash) but a module it imports is not: the test that edits one
 * runs every render as a process of its own.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRecordPath } from '../../lib/render/render-record.js';
import { listFiles } from '../../lib/render/tree.js';
import { createPlatformRepo, createSampleRepo, SHOP_FIXTURE, type PlatformRepo } from '../helpers/platform-repo.js';
import { checkLikeFull, expectUpToDate, PLATFORM_CHANGED, renderAndCompare, renderIncremental, RESIDENT_INITIAL_RENDER, TREE_DIFFERS, UNCHANGED } from '../helpers/render-oracle.js';
import { addServiceTo, createFuzzRepo, digest, fuzzedPlatforms, newEnvironment, stackModule, stackPath, tag, writePlatform, type FuzzEnvironment, type FuzzPlatform, type FuzzService, type Rng } from '../helpers/fuzz-platform.js';
import { seededRandom as rng } from '../helpers/seeded-random.js';

const SEED = Number(process.env.FERRY_FUZZ_SEED ?? 20261201);
const SCALE = Number(process.env.FERRY_FUZZ_SCALE ?? 1);
const PLATFORMS = Math.max(1, Math.round(4 * SCALE));
const ONLY = process.env.FERRY_FUZZ_ONLY === undefined ? undefined : Number(process.env.FERRY_FUZZ_ONLY);
const STEPS = 8;

describe('incremental render on the sample platform', () => {
  let repo: PlatformRepo;
  beforeAll(async () => {
    repo = await createSampleRepo(RESIDENT_INITIAL_RENDER);
  });
  afterAll(() => repo.cleanup());

  test('each path gives the full render, and the record stays out of the work tree', async () => {
    // The fixture's first render ran before `git init`: there was nowhere to keep a record.
    await renderAndCompare(repo, 'ferry render: full: no render record yet\n', 'first render');
    await renderAndCompare(repo, UNCHANGED, 'nothing changed');
    expect(repo.git(['status', '--porcelain'])).toBe('');
    expect(renderRecordPath(repo.root)).toBe(join(repo.root, '.git/ferry/render-state.json'));

    repo.write('Pulumi.prod.yaml', repo.read('Pulumi.prod.yaml').replace(/api: v\d+\.\d+\.\d+/, 'api: v9.9.9'));
    await renderAndCompare(repo, 'ferry render: services: only image tags or digests changed (api in prod); re-rendered those overlays\n', 'prod tag');
    expect(repo.read('manifests/overlays/prod/api/kustomization.yaml')).toContain('newTag: v9.9.9');

    repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml').replace(/DATABASE_HOST: \S+/, 'DATABASE_HOST: db.elsewhere.internal'));
    await renderAndCompare(repo, "ferry render: environments: Pulumi.dev.yaml changed; re-rendered dev, the previews and every cluster's Argo CD objects\n", 'dev config');

    repo.write('platform/platform.ts', repo.read('platform/platform.ts').replace("Environment.of('prod'", "Environment.of('uat', Profiles.staging()),\n    Environment.of('prod'"));
    repo.write('Pulumi.uat.yaml', repo.read('Pulumi.stage.yaml'));
    await renderAndCompare(repo, PLATFORM_CHANGED, 'uat added');
    expect(listFiles(repo.root, 'manifests/overlays/uat').length).toBeGreaterThan(0);
    await renderAndCompare(repo, UNCHANGED, 'nothing changed after uat');
  });

  test('render --check finds a hand-edited overlay without rendering, and lists it as the full render does', async () => {
    await renderIncremental(repo, ['--quiet']);
    const clean = await renderIncremental(repo, ['--check', '--explain']);
    expect(clean).toEqual({ code: 0, stdout: `manifests/ is up to date (${listFiles(repo.root, 'manifests').length} files)\n`, stderr: UNCHANGED });
    const overlay = 'manifests/overlays/prod/api/kustomization.yaml';
    const original = repo.read(overlay);
    repo.write(overlay, original.replace('replicas', 'replicaz'));
    const check = await checkLikeFull(repo, 'hand-edited overlay');
    expect(check).toEqual({ code: 1, stdout: '', stderr: `manifests/ differs from a fresh render; run \`npm run render\` and commit the result:\n  changed: ${overlay}\n` });
    await renderAndCompare(repo, "ferry render: environments: the tree differs from the last render; re-rendered prod and every cluster's Argo CD objects\n", 'restore the overlay');
    expect(repo.read(overlay)).toBe(original);

    // A stack file edited and not rendered: CI's drift check.
    repo.write('Pulumi.prod.yaml', repo.read('Pulumi.prod.yaml').replace(/api: v\d+\.\d+\.\d+/, 'api: v9.9.10'));
    const stale = await checkLikeFull(repo, 'stack file not rendered');
    expect(stale).toEqual({ code: 1, stdout: '', stderr: `manifests/ differs from a fresh render; run \`npm run render\` and commit the result:\n  changed: ${overlay}\n` });
  });
});

describe('a record that cannot be used means a full render', () => {
  let repo: PlatformRepo;
  beforeEach(async () => {
    repo = await createPlatformRepo(RESIDENT_INITIAL_RENDER);
    await renderIncremental(repo, ['--quiet']);
  });
  afterEach(() => repo.cleanup());

  test.each([
    ['unreadable', 'not json', /^ferry render: full: the render record is unreadable \(.+\)\n$/],
    ['of another version', JSON.stringify({ version: 0 }), /^ferry render: full: the render record is of another version \(0, this ferry writes 3\)\n$/],
    ['malformed', JSON.stringify({ version: 3, root: 'x' }), /^ferry render: full: the render record is malformed\n$/],
  ])('a record that is %s', async (_name, content, message) => {
    writeFileSync(renderRecordPath(repo.root)!, content);
    const result = await renderIncremental(repo, ['--quiet', '--explain']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(message);
    await expectUpToDate(repo, 'after a bad record');
    await renderAndCompare(repo, UNCHANGED, 'the record is whole again');
  });

  test('a record of another checkout', async () => {
    const path = renderRecordPath(repo.root)!;
    const record = JSON.parse(readFileSync(path, 'utf8')) as { root: string };
    writeFileSync(path, JSON.stringify({ ...record, root: '/elsewhere' }));
    await renderAndCompare(repo, 'ferry render: full: the render record is of another checkout (/elsewhere)\n', 'another checkout');
  });

  test('a stale record (an earlier render) re-renders what changed since and gives the full render', async () => {
    const path = renderRecordPath(repo.root)!;
    const earlier = readFileSync(path);
    repo.write('Pulumi.stage.yaml', repo.read('Pulumi.stage.yaml').replace(/api: \S+/, 'api: sha-0badc0de'));
    await renderAndCompare(repo, 'ferry render: services: only image tags or digests changed (api in stage); re-rendered those overlays\n', 'stage tag');
    writeFileSync(path, earlier);
    repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml').replace(/web: \S+/, 'web: sha-0ddba11a'));
    // The earlier record knows neither change, and the stack files kept beside it are the later
    // render's, which it did not hash: both environments are rendered again.
    await renderAndCompare(repo, "ferry render: environments: Pulumi.dev.yaml, Pulumi.stage.yaml changed; re-rendered dev, stage, the previews and every cluster's Argo CD objects\n", 'stale record');
  });

  test('a record without the kinds of a chart left out renders in full', async () => {
    const path = renderRecordPath(repo.root)!;
    const record = JSON.parse(readFileSync(path, 'utf8')) as { chartKinds: string };
    writeFileSync(path, JSON.stringify({ ...record, chartKinds: record.chartKinds.split('\n').filter((line) => !line.startsWith('manifests/base/api\t')).join('\n') }));
    repo.write('Pulumi.prod.yaml', repo.read('Pulumi.prod.yaml').replace(/api: \S+/, 'api: v7.7.7'));
    await renderAndCompare(repo, 'ferry render: full: the render record lacks the kinds of a chart a scoped render leaves out\n', 'kinds missing');
  });

  test('a record whose hashes lie is caught by the files on disk', async () => {
    const path = renderRecordPath(repo.root)!;
    const record = JSON.parse(readFileSync(path, 'utf8')) as { manifests: string };
    record.manifests = record.manifests.replace(/^[0-9a-f]{64} manifests\/base\/api\/deployment\.yaml$/m, `${'0'.repeat(64)} manifests/base/api/deployment.yaml`);
    expect(record.manifests).toContain(`${'0'.repeat(64)} manifests/base/api/deployment.yaml`);
    writeFileSync(path, JSON.stringify(record));
    await renderAndCompare(repo, TREE_DIFFERS, 'lying record');
    const check = await renderIncremental(repo, ['--check', '--explain']);
    expect(check).toEqual({ code: 0, stdout: expect.stringMatching(/^manifests\/ is up to date/), stderr: UNCHANGED });
  });

  test('a hand-edited CODEOWNERS or Argo CD file is restored without rendering an environment', async () => {
    repo.write('.github/CODEOWNERS', '* @someone\n');
    const argocd = listFiles(repo.root, 'manifests/argocd')[0]!;
    rmSync(join(repo.root, argocd));
    await renderAndCompare(repo, "ferry render: environments: the tree differs from the last render; re-rendered every cluster's Argo CD objects\n", 'CODEOWNERS and Argo CD');
    expect(repo.git(['status', '--porcelain'])).toBe('');
  });

  test('without git there is no record, and every render is a full one', async () => {
    const plain = await createPlatformRepo({ ...RESIDENT_INITIAL_RENDER, git: false });
    try {
      const first = await renderIncremental(plain, ['--quiet', '--explain']);
      const second = await renderIncremental(plain, ['--quiet', '--explain']);
      expect([first, second]).toEqual([0, 0].map(() => ({ code: 0, stdout: '', stderr: 'ferry render: full: no git directory to keep a render record in\n' })));
    } finally {
      plain.cleanup();
    }
  });

  test('a platform that reads the environment is always rendered in full', async () => {
    repo.write('platform/platform.ts', `${repo.read('platform/platform.ts')}\nexport const replicasFromEnvironment = process.env.REPLICAS;\n`);
    await renderAndCompare(repo, 'ferry render: full: platform/platform.ts reads something ferry cannot follow\n', 'reads the environment');
    await renderAndCompare(repo, 'ferry render: full: platform/platform.ts reads something ferry cannot follow\n', 'still');
  });

  test('an edited module the platform imports is a platform change', async () => {
    // Whole processes: in one process an imported module keeps its first content (import caches by URL).
    const render = () => repo.ferrySpawn(['render', '--quiet', '--explain']);
    repo.write('platform/hosts.ts', "export const apiHost = 'api.shop.example.com';\n");
    repo.write('platform/platform.ts', `import { apiHost } from './hosts.ts';\n${repo.read('platform/platform.ts').replace("host: 'api.shop.example.com'", 'host: apiHost')}`);
    expect(render()).toEqual({ code: 0, stdout: '', stderr: PLATFORM_CHANGED });
    expect(render()).toEqual({ code: 0, stdout: '', stderr: UNCHANGED });
    repo.write('platform/hosts.ts', "export const apiHost = 'api2.shop.example.com';\n");
    expect(render()).toEqual({ code: 0, stdout: '', stderr: PLATFORM_CHANGED });
    expect(repo.read('manifests/base/api/ingress.yaml')).toContain('api2.shop.example.com');
    expect(repo.ferrySpawn(['render', '--check', '--full'])).toEqual({ code: 0, stdout: expect.stringMatching(/^manifests\/ is up to date/), stderr: '' });
  });
});

describe('incremental render on the Helm fixture', () => {
  test('a chart version in one stack file re-renders that environment and the Helm Applications', async () => {
    const repo = await createPlatformRepo({ ...RESIDENT_INITIAL_RENDER, fixture: SHOP_FIXTURE.replace(/shop$/, 'helm') });
    try {
      await renderIncremental(repo, ['--quiet']);
      repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml').replace('version: 1.4.0', 'version: 1.5.0'));
      await renderAndCompare(repo, "ferry render: environments: Pulumi.dev.yaml changed; re-rendered dev, the previews and every cluster's Argo CD objects\n", 'chart version');
      expect(listFiles(repo.root, 'manifests/argocd').map((p) => repo.read(p)).join('\n')).toContain('targetRevision: 1.5.0');
    } finally {
      repo.cleanup();
    }
  });
});

function environmentsMessage(platform: FuzzPlatform, changed: readonly string[]): string {
  const ordered = platform.environments.map((e) => e.name).filter((name) => changed.includes(name));
  const previews = platform.previews && ordered.includes(platform.environments[0]!.name) ? ', the previews' : '';
  return `ferry render: environments: ${ordered.map(stackPath).join(', ')} changed; re-rendered ${ordered.join(', ')}${previews} and every cluster's Argo CD objects\n`;
}

/** The services path's line when `services` moved in `changed` (environment names). */
function servicesMessage(platform: FuzzPlatform, services: readonly string[], changed: readonly string[]): string {
  const names = [...new Set(services)].sort();
  const ordered = platform.environments.map((e) => e.name).filter((name) => changed.includes(name));
  const previews = platform.previews && ordered.includes(platform.environments[0]!.name) ? ' and their previews' : '';
  return `ferry render: services: only image tags or digests changed (${names.join(', ')} in ${ordered.join(', ')}); re-rendered those overlays${previews}\n`;
}

/** A promotion of `service` in `env`: a new tag or, now and then, a digest pinned or unpinned. */
function promote(r: Rng, env: FuzzEnvironment, service: string): void {
  if (r.chance(0.7)) {
    env.tags[service] = tag(r);
    return;
  }
  env.digests = { ...env.digests };
  if (env.digests[service] === undefined) env.digests[service] = digest(r);
  else delete env.digests[service];
}

/** One random edit of the platform or the tree; returns the --explain line the next render must print. */
function edit(r: Rng, platform: FuzzPlatform, repo: PlatformRepo): { readonly what: string; readonly explain: string; readonly checkFirst: boolean } {
  const env = r.pick(platform.environments);
  const stack = (envs: readonly FuzzEnvironment[], what: string, movedServices?: readonly string[]) => {
    for (const e of envs) repo.write(stackPath(e.name), stackModule(e));
    const names = envs.map((e) => e.name);
    // A promotion is checked first less often: the most frequent edit, and a check-first step spawns twice the processes.
    return { what, explain: movedServices ? servicesMessage(platform, movedServices, names) : environmentsMessage(platform, names), checkFirst: r.chance(movedServices ? 0.15 : 0.3) };
  };
  const outputs = () => listFiles(repo.root, 'manifests');
  // Promotions (0, 3 and 10-13) are the commonest change of a platform repository: the most weight.
  // Mostly two-process steps, so the suite spawns no more processes than before they were added.
  switch (r.int(15)) {
    case 0:
    case 10:
    case 11:
    case 12:
    case 13: {
      const service = r.pick(platform.services).name;
      promote(r, env, service);
      return stack([env], `${service} promoted in ${env.name}`, [service]);
    }
    case 1: {
      const service = platform.services.find((s) => s.config);
      if (!service) return { what: 'nothing', explain: UNCHANGED, checkFirst: false };
      const values = env.config[service.name]!;
      const field = r.int(3);
      if (field === 0) values.host = `db-${r.int(100)}.${env.name}.internal`;
      else if (field === 1) values.timeout = 1000 + r.int(5000);
      else values.v2 = !values.v2;
      return stack([env], `config of ${service.name} in ${env.name}`);
    }
    case 2: {
      if (r.chance(0.5)) env.replicas = env.replicas === undefined ? 1 + r.int(4) : undefined;
      else env.serviceReplicas[r.pick(platform.services).name] = 1 + r.int(5);
      // A tag beside the replicas: more than tags changed, the whole environment is rendered.
      const withTag = r.chance(0.5);
      if (withTag) promote(r, env, r.pick(platform.services).name);
      return stack([env], `replicas${withTag ? ' and a promotion' : ''} in ${env.name}`);
    }
    case 3: {
      const other = r.pick(platform.environments.filter((e) => e !== env));
      const services = [r.pick(platform.services).name, r.pick(platform.services).name];
      promote(r, env, services[0]!);
      promote(r, other, services[1]!);
      return stack([env, other], `${services[0]} promoted in ${env.name}, ${services[1]} in ${other.name}`, services);
    }
    case 4: {
      const names = platform.environments.map((e) => e.name);
      const removable = platform.environments.slice(1, -1);
      if (removable.length > 0 && r.chance(0.5)) {
        const gone = r.pick(removable);
        platform.environments = platform.environments.filter((e) => e !== gone);
        rmSync(join(repo.root, stackPath(gone.name)));
        writePlatform(repo.root, platform);
        return { what: `environment ${gone.name} removed`, explain: PLATFORM_CHANGED, checkFirst: r.chance(0.5) };
      }
      const name = ['qa', 'stage', 'uat', 'perf'].find((n) => !names.includes(n));
      if (!name) return { what: 'nothing', explain: UNCHANGED, checkFirst: false };
      platform.environments.splice(platform.environments.length - 1, 0, newEnvironment(r, platform, name, 'Profiles.staging()'));
      writePlatform(repo.root, platform);
      return { what: `environment ${name} added`, explain: PLATFORM_CHANGED, checkFirst: r.chance(0.5) };
    }
    case 5: {
      if (r.chance(0.5)) {
        const service: FuzzService = { name: `svc-${platform.nextId++}`, port: 8000 + r.int(1000), config: r.chance(0.5) };
        platform.services.push(service);
        for (const e of platform.environments) addServiceTo(r, e, service);
      } else {
        r.pick(platform.services).port = 8000 + r.int(1000);
      }
      writePlatform(repo.root, platform);
      return { what: 'platform.ts changed', explain: PLATFORM_CHANGED, checkFirst: r.chance(0.5) };
    }
    case 6: {
      const file = r.pick(outputs());
      repo.write(file, `${repo.read(file)}# edited by hand\n`);
      return { what: `hand-edited ${file}`, explain: TREE_DIFFERS, checkFirst: true };
    }
    case 7: {
      const file = r.pick(outputs());
      rmSync(join(repo.root, file));
      return { what: `deleted ${file}`, explain: TREE_DIFFERS, checkFirst: true };
    }
    case 8:
      repo.write(`manifests/overlays/${env.name}/retired/kustomization.yaml`, 'stale\n');
      // Only a removal: the record's hashes are enough.
      return { what: 'stale file', explain: UNCHANGED, checkFirst: true };
    case 9:
      repo.write('.github/CODEOWNERS', '* @someone\n');
      return { what: 'hand-edited CODEOWNERS', explain: TREE_DIFFERS, checkFirst: true };
    default:
      return { what: 'nothing', explain: UNCHANGED, checkFirst: r.chance(0.5) };
  }
}

describe('incremental render on fuzzed platforms', () => {
  const cases = fuzzedPlatforms(SEED, PLATFORMS);

  test.each(cases.filter(([i]) => ONLY === undefined || i === ONLY))('platform %i: every edit renders byte-identically to the full render', async (index, platform) => {
    const repo = await createFuzzRepo(platform, RESIDENT_INITIAL_RENDER);
    try {
      await renderIncremental(repo, ['--quiet']);
      const edits = rng(SEED + 1 + index);
      for (let step = 0; step < STEPS; step++) {
        const { what, explain, checkFirst } = edit(edits, platform, repo);
        const where = `seed ${SEED}, platform ${index}, step ${step}: ${what}`;
        if (checkFirst) {
          await checkLikeFull(repo, where);
          // A check records the inputs it rendered: the render after it finds them unchanged and, where the tree is behind, renders fully.
          const result = await renderIncremental(repo, ['--quiet', '--explain']);
          expect([where, result.code, result.stderr]).toEqual([where, 0, expect.stringMatching(/^ferry render: (unchanged|services|environments|full): /)]);
          await expectUpToDate(repo, where);
        } else {
          await renderAndCompare(repo, explain, where);
        }
      }
    } finally {
      repo.cleanup();
    }
  });
});

describe('where the record lives', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'ferry-record-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  test('in the git directory of the repository, or of a linked worktree; nowhere outside git', () => {
    expect(renderRecordPath(scratch)).toBe(undefined);
    mkdirSync(join(scratch, 'repo/.git'), { recursive: true });
    expect(renderRecordPath(join(scratch, 'repo'))).toBe(join(scratch, 'repo/.git/ferry/render-state.json'));
    mkdirSync(join(scratch, 'worktree'));
    writeFileSync(join(scratch, 'worktree/.git'), 'gitdir: ../repo/.git/worktrees/worktree\n');
    expect(renderRecordPath(join(scratch, 'worktree'))).toBe(join(scratch, 'repo/.git/worktrees/worktree/ferry/render-state.json'));
  });

  test('a platform in a subfolder has a record of its own', () => {
    mkdirSync(join(scratch, 'repo/.git'), { recursive: true });
    const a = renderRecordPath(join(scratch, 'repo/platforms/a'))!;
    const b = renderRecordPath(join(scratch, 'repo/platforms/b'))!;
    expect([a, b].map((p) => p.replace(/[0-9a-f]{12}\.json$/, '<hash>.json'))).toEqual([0, 1].map(() => join(scratch, 'repo/.git/ferry/render-state-<hash>.json')));
    expect(a).not.toBe(b);
  });
});

/**
 * The tag-only diff (lib/render/tag-only-change.ts): when only image tags or digests moved, `ferry diff`
 * renders those services' bases and overlays alone. Its report must be the full path's, field for
 * field (`--full` renders everything on both sides): on the sample platform, for the changes that
 * must leave the fast path, and on seeded synthetic platforms with random edits.
 * FERRY_FUZZ_SEED and FERRY_FUZZ_SCALE vary a run.
 */
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tagOnlyChange } from '../../lib/render/tag-only-change.js';
import type { DiffReport } from '../../lib/diff/report.js';
import { loadPlatform } from '../../lib/loader/load-platform.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';
import { createFuzzRepo, fuzzedPlatforms, stackModule, stackPath, tag, type FuzzPlatform, type Rng } from '../helpers/fuzz-platform.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { edit } from './fixtures.js';

const SEED = Number(process.env.FERRY_FUZZ_SEED ?? 20261202);
const SCALE = Number(process.env.FERRY_FUZZ_SCALE ?? 1);
const PLATFORMS = Math.max(1, Math.round(2 * SCALE));
const STEPS = 4;

const STACK_FILES = ['Pulumi.yaml', 'Pulumi.dev.yaml', 'Pulumi.stage.yaml', 'Pulumi.prod.yaml'];

/**
 * Points the repository's kustomize build cache (`<git dir>/ferry/kustomize-builds`) at a folder of
 * `path`'s own: each path keeps its cache, so the two see the same history of builds and count the
 * same overlays built, and what an earlier step built is read instead of built again.
 */
function useCacheOf(repo: PlatformRepo, path: 'fast' | 'full'): void {
  const ferryDir = join(repo.root, '.git', 'ferry');
  const link = join(ferryDir, 'kustomize-builds');
  mkdirSync(join(ferryDir, `kustomize-builds-${path}`), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(`kustomize-builds-${path}`, link, 'dir');
}

/** `ferry diff --format json` with and without `--full`: both reports, and the same exit code and stderr. */
async function bothPaths(repo: PlatformRepo, where: string): Promise<{ fast: DiffReport; full: DiffReport }> {
  useCacheOf(repo, 'fast');
  const fast = await repo.ferry(['diff', '--format', 'json']);
  useCacheOf(repo, 'full');
  const full = await repo.ferry(['diff', '--format', 'json', '--full']);
  expect([where, fast.code, fast.stderr]).toEqual([where, full.code, full.stderr]);
  expect([where, fast.code]).toEqual([where, 0]);
  return { fast: JSON.parse(fast.stdout) as DiffReport, full: JSON.parse(full.stdout) as DiffReport };
}

/** The two reports agree in everything but how they were made. */
function expectSameReport(where: string, fast: DiffReport, full: DiffReport, rendered: DiffReport['stats']['rendered']): void {
  const { rendered: fastRendered, ...fastStats } = fast.stats;
  const { rendered: fullRendered, ...fullStats } = full.stats;
  expect([where, fastRendered, fullRendered]).toEqual([where, rendered, 'everything']);
  expect([where, { ...fast, stats: fastStats }]).toEqual([where, { ...full, stats: fullStats }]);
}

describe('which changes are tag-only', () => {
  let repo: PlatformRepo;
  let texts: Map<string, string>;
  beforeAll(async () => {
    repo = await createPlatformRepo();
    texts = new Map(STACK_FILES.map((f) => [f, repo.read(f)]));
  });
  afterAll(() => repo.cleanup());
  const headWith = (file: string, from: string, to: string) => {
    const text = texts.get(file)!;
    if (!text.includes(from)) throw new Error(`${file}: fixture text not found: ${from}`);
    return new Map([...texts, [file, text.replace(from, to)]]);
  };

  test('a moved tag or a pinned digest scopes the render to its services and environments, with both sides configs', async () => {
    const platform = await loadPlatform(repo.root);
    const change = tagOnlyChange(platform, 'ferry', texts, headWith('Pulumi.prod.yaml', 'api: v1.3.2', 'api: v1.3.3'))!;
    expect([[...change.scope.services], [...change.scope.environments]]).toEqual([['api'], ['prod']]);
    expect([change.baseConfigs.get('prod')!.images.api, change.headConfigs.get('prod')!.images.api]).toEqual(['v1.3.2', 'v1.3.3']);
    expect([...change.headConfigs.keys()]).toEqual(['prod']);

    const digest = `sha256:${'a'.repeat(64)}`;
    const pinned = tagOnlyChange(platform, 'ferry', texts, headWith('Pulumi.dev.yaml', '  ferry:images:\n', `  ferry:digests:\n    web: ${digest}\n  ferry:images:\n`))!;
    expect([[...pinned.scope.services], [...pinned.scope.environments]]).toEqual([['web'], ['dev']]);
    expect(pinned.headConfigs.get('dev')!.digests).toEqual({ web: digest });
  });

  test('a key the render ignores (not the project\'s) changes nothing; anything else the render reads leaves the fast path', async () => {
    const platform = await loadPlatform(repo.root);
    const region = tagOnlyChange(platform, 'ferry', texts, headWith('Pulumi.prod.yaml', 'aws:region: eu-west-1', 'aws:region: eu-west-2'))!;
    expect([[...region.scope.services], [...region.scope.environments]]).toEqual([[], []]);

    expect(tagOnlyChange(platform, 'ferry', texts, headWith('Pulumi.prod.yaml', 'ferry:logLevel: WARN', 'ferry:logLevel: INFO'))).toBeUndefined();
    expect(tagOnlyChange(platform, 'ferry', texts, headWith('Pulumi.prod.yaml', '    web: v1.3.0\n', '    web: v1.3.0\n    cart: v1.0.0\n'))).toBeUndefined();
    expect(tagOnlyChange(platform, 'ferry', texts, headWith('Pulumi.yaml', 'name: ferry', 'name: ferry # renamed later'))).toBeUndefined();
    const withoutStage = new Map(texts);
    withoutStage.delete('Pulumi.stage.yaml');
    expect(tagOnlyChange(platform, 'ferry', texts, withoutStage)).toBeUndefined();
  });

  test('a bad tag fails as the render fails it, naming the file and key', async () => {
    const platform = await loadPlatform(repo.root);
    expect(() => tagOnlyChange(platform, 'ferry', texts, headWith('Pulumi.prod.yaml', 'api: v1.3.2', 'api: latest'))).toThrow(/^Pulumi\.prod\.yaml: ferry:images\.api: /);
  });
});

describe('the tag-only diff gives the full diff\'s report', () => {
  let repo: PlatformRepo;
  beforeEach(async () => {
    repo = await createPlatformRepo();
    repo.git(['checkout', '-q', '-b', 'feature']);
  });
  afterEach(() => repo.cleanup());

  test('a promotion to prod, rendered and committed: only its service is rendered', async () => {
    edit(repo, 'Pulumi.prod.yaml', 'api: v1.3.2', 'api: v1.3.3');
    await repo.ferry(['render', '--quiet']);
    repo.commitAll('promote api v1.3.3 to prod');
    const { fast, full } = await bothPaths(repo, 'prod promotion');
    expectSameReport('prod promotion', fast, full, 'changed services');
    expect(fast.summaryLines).toContain('prod: api: v1.3.2 → v1.3.3; 0 added, 1 changed, 0 removed');
    expect(fast.stats).toEqual({ overlaysBuilt: 1, overlaysSkipped: 7, kustomizeRuns: 2, rendered: 'changed services' });
  });

  test('the first environment\'s tag moves its previews too; a stack file left unrendered is flagged by neither', async () => {
    const before = repo.read('Pulumi.dev.yaml');
    const running = /api: (\S+)/.exec(before)![1]!;
    edit(repo, 'Pulumi.dev.yaml', `api: ${running}`, 'api: sha-0badcafe');
    const { fast, full } = await bothPaths(repo, 'dev tag');
    expectSameReport('dev tag', fast, full, 'changed services');
    expect(fast.stats.overlaysBuilt).toBe(2);
  });

  test('a hand edit of another folder, a config value or replicas take the full path, with the same report', async () => {
    edit(repo, 'Pulumi.prod.yaml', 'api: v1.3.2', 'api: v1.3.3');
    await repo.ferry(['render', '--quiet']);
    repo.write('manifests/overlays/stage/web/kustomization.yaml', `${repo.read('manifests/overlays/stage/web/kustomization.yaml')}# edited by hand\n`);
    const handEdit = await bothPaths(repo, 'hand edit');
    expectSameReport('hand edit', handEdit.fast, handEdit.full, 'everything');
    expect(handEdit.fast.risks.map((r) => r.code)).toContain('not-rendered');

    repo.git(['checkout', '-q', '--', 'manifests']);
    edit(repo, 'Pulumi.prod.yaml', 'ferry:logLevel: WARN', 'ferry:logLevel: INFO');
    const logLevel = await bothPaths(repo, 'log level');
    expectSameReport('log level', logLevel.fast, logLevel.full, 'everything');
  });

  test('a bad tag fails both paths with the same message', async () => {
    edit(repo, 'Pulumi.prod.yaml', 'api: v1.3.2', 'api: latest');
    const fast = await repo.ferry(['diff']);
    const full = await repo.ferry(['diff', '--full']);
    expect(fast.code).toBe(1);
    expect(fast.stderr).toMatch(/Pulumi\.prod\.yaml: ferry:images\.api: /);
    expect([fast.code, fast.stderr]).toEqual([full.code, full.stderr]);
  });
});

/** One random edit of the synthetic platform's stack files; whether the diff may stay tag-only. */
function editStacks(r: Rng, platform: FuzzPlatform, repo: PlatformRepo): { readonly what: string; readonly tagOnly: boolean } {
  const env = r.pick(platform.environments);
  const service = r.pick(platform.services).name;
  let what: string;
  let tagOnly = true;
  switch (r.int(5)) {
    case 0:
    case 1:
      env.tags[service] = tag(r);
      what = `tag of ${service} in ${env.name}`;
      break;
    case 2: {
      const other = r.pick(platform.environments);
      env.tags[service] = tag(r);
      other.tags[r.pick(platform.services).name] = tag(r);
      what = `tags in ${env.name} and ${other.name}`;
      for (const e of [env, other]) repo.write(stackPath(e.name), stackModule(e));
      break;
    }
    case 3:
      env.digests = { ...env.digests };
      if (env.digests[service] === undefined) env.digests[service] = `sha256:${r.int(0xffffffff).toString(16).padStart(64, '0')}`;
      else delete env.digests[service];
      what = `digest of ${service} in ${env.name}`;
      break;
    default:
      env.serviceReplicas[service] = 1 + r.int(5);
      what = `replicas of ${service} in ${env.name}`;
      tagOnly = false;
  }
  repo.write(stackPath(env.name), stackModule(env));
  return { what, tagOnly };
}

describe('the tag-only diff on fuzzed platforms', () => {
  const cases = fuzzedPlatforms(SEED, PLATFORMS);

  test.each(cases)('platform %i: every edit gives the full diff\'s report', async (index, platform) => {
    const repo = await createFuzzRepo(platform);
    try {
      repo.git(['checkout', '-q', '-b', 'feature']);
      const edits = seededRandom(SEED + 1 + index);
      let tagOnly = true;
      for (let step = 0; step < STEPS; step++) {
        const edited = editStacks(edits, platform, repo);
        tagOnly &&= edited.tagOnly;
        // Half the time the change is rendered (a promotion's pull request), half not (a hand edit of the stack file).
        if (edits.chance(0.5)) await repo.ferry(['render', '--quiet']);
        const where = `seed ${SEED}, platform ${index}, step ${step}: ${edited.what}`;
        const { fast, full } = await bothPaths(repo, where);
        expectSameReport(where, fast, full, tagOnly ? 'changed services' : 'everything');
      }
    } finally {
      repo.cleanup();
    }
  });
});

/**
 * `ferry validate` and `ferry diff` report the same with the kustomize build cache cold, warm
 * (base side only, and fully) and off, on the same inputs: the shop fixture and a seeded set of
 * synthetic platforms (test/helpers/fuzz-platform.ts). Real kubectl kustomize, real git.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeDiff } from '../../lib/diff/compute-diff.js';
import type { DiffReport } from '../../lib/diff/report.js';
import { KustomizeBuildCache } from '../../lib/kustomize/build-cache.js';
import { overlayFolders, verifyRenderedTree } from '../../lib/render/verify-tree.js';
import { createFuzzRepo, fuzzedPlatforms } from '../helpers/fuzz-platform.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

const SEED = Number(process.env.FERRY_FUZZ_SEED ?? 20261202);
const PLATFORMS = 2;

/** A report without its counters of work done (which the cache changes by design). */
function withoutStats(report: DiffReport): Omit<DiffReport, 'stats'> {
  const { stats, ...rest } = report;
  void stats;
  return rest;
}

/** Every tag of every stack file changed to one allowed everywhere: every overlay differs. */
function changeEveryTag(repo: PlatformRepo): void {
  for (const file of ['Pulumi.dev.yaml', 'Pulumi.stage.yaml', 'Pulumi.prod.yaml', 'Pulumi.qa.yaml', 'Pulumi.uat.yaml']) {
    let text: string;
    try {
      text = repo.read(file);
    } catch {
      continue;
    }
    const changed = text.replace(/^( {4}[a-z][\w-]*: )(sha-[0-9a-f]{8}|v\d+\.\d+\.\d+|\d+\.\d+\.\d+-SNAPSHOT-[0-9a-f]{7})$/gm, '$1sha-0badc0de');
    repo.write(file, changed);
  }
}

async function expectSameReports(repo: PlatformRepo, where: string): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'ferry-cache-reports-'));
  const cacheAt = (name: string) => new KustomizeBuildCache({ dir: join(scratch, name) });
  try {
    const overlays = overlayFolders(repo.root).length;

    // validate: off, cold, warm.
    const off = await verifyRenderedTree(repo.root, { buildCache: false });
    const coldCache = cacheAt('validate');
    const cold = await verifyRenderedTree(repo.root, { kustomize: { cache: coldCache } });
    const warmCache = cacheAt('validate');
    const warm = await verifyRenderedTree(repo.root, { kustomize: { cache: warmCache } });
    expect([where, cold]).toEqual([where, off]);
    expect([where, warm]).toEqual([where, off]);
    expect([where, coldCache.stats]).toEqual([where, { hits: 0, misses: overlays, uncacheable: 0, stored: overlays }]);
    expect([where, warmCache.stats]).toEqual([where, { hits: overlays, misses: 0, uncacheable: 0, stored: 0 }]);

    // diff of a change touching every overlay: off, cold, base side warm (the base commit was validated), fully warm.
    // What validating the base commit leaves in a cache: the entries validate's cold run stored above
    // (the same inputs give the same entries), copied rather than built a third time.
    cpSync(join(scratch, 'validate'), join(scratch, 'diff'), { recursive: true });
    changeEveryTag(repo);
    const diffOff = await computeDiff({ root: repo.root, buildCache: false });
    expect([where, diffOff.counts.changed]).toEqual([where, expect.any(Number)]);
    expect(diffOff.counts.changed).toBeGreaterThan(0);
    const diffCold = await computeDiff({ root: repo.root, kustomize: { cache: cacheAt('diff-cold') } });
    const baseWarm = cacheAt('diff');
    const diffBaseWarm = await computeDiff({ root: repo.root, kustomize: { cache: baseWarm } });
    const fullyWarm = cacheAt('diff');
    const diffWarm = await computeDiff({ root: repo.root, kustomize: { cache: fullyWarm } });
    for (const [name, report] of [
      ['cold', diffCold],
      ['base warm', diffBaseWarm],
      ['warm', diffWarm],
    ] as const) {
      expect([where, name, withoutStats(report)]).toEqual([where, name, withoutStats(diffOff)]);
    }
    // The base side of every built overlay came from validate's entries; then nothing is built at all.
    expect([where, baseWarm.stats.hits]).toEqual([where, diffOff.stats.overlaysBuilt]);
    expect([where, diffWarm.stats.kustomizeRuns, fullyWarm.stats.misses]).toEqual([where, 0, 0]);
    expect(diffOff.stats.kustomizeRuns).toBeGreaterThan(0);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

test('the shop fixture: the same reports with the cache cold, warm and off', async () => {
  const repo = await createPlatformRepo();
  try {
    await expectSameReports(repo, 'shop');
  } finally {
    repo.cleanup();
  }
});

describe('fuzzed platforms: the same reports with the cache cold, warm and off', () => {
  const cases = fuzzedPlatforms(SEED, PLATFORMS);
  test.each(cases)('platform %i', async (index, platform) => {
    const repo = await createFuzzRepo(platform);
    try {
      await expectSameReports(repo, `seed ${SEED}, platform ${index}`);
    } finally {
      repo.cleanup();
    }
  });
});

test('ferry validate and diff keep the cache in the git directory; --no-cache and FERRY_KUSTOMIZE_CACHE=0 build everything', async () => {
  const repo = await createPlatformRepo();
  try {
    const dir = join(repo.git(['rev-parse', '--absolute-git-dir']).trim(), 'ferry', 'kustomize-builds');
    const cold = await repo.ferry(['validate']);
    expect(cold).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+ overlays and \d+ objects are valid\n$/) });
    expect(readFileSync(join(dir, 'kustomize-versions.json'), 'utf8')).toMatch(/kustomize v\d/);
    expect(readdirSync(dir).filter((n) => n.endsWith('.build'))).toHaveLength(Number(/^(\d+) overlays/.exec(cold.stdout)![1]));
    expect(repo.git(['status', '--porcelain'])).toBe('');
    for (const flags of [['--no-cache'], []]) {
      const result = await repo.ferry(['validate', ...flags], flags.length === 0 ? {} : { FERRY_KUSTOMIZE_CACHE: '1' });
      expect(result).toEqual(cold);
    }
    const bad = await repo.ferry(['validate'], { FERRY_KUSTOMIZE_CACHE: 'off' });
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("ferry validate: FERRY_KUSTOMIZE_CACHE 'off' is not allowed; allowed: 0 (no cache), 1 (cache, the default)") });
    writeFileSync(join(repo.root, 'Pulumi.prod.yaml'), repo.read('Pulumi.prod.yaml').replace('api: v1.3.2', 'api: v1.3.3'));
    const noCache = await repo.ferry(['diff', '--format', 'json', '--no-cache']);
    const envOff = await repo.ferry(['diff', '--format', 'json'], { FERRY_KUSTOMIZE_CACHE: '0' });
    // The base side was validated above: only the head side of the one changed overlay is built.
    const warm = await repo.ferry(['diff', '--format', 'json']);
    const reports = [noCache, envOff, warm].map((d) => JSON.parse(d.stdout) as DiffReport);
    expect(reports.map(withoutStats)).toEqual([0, 1, 2].map(() => withoutStats(reports[0]!)));
    expect(reports.map((d) => d.stats.kustomizeRuns)).toEqual([2, 2, 1]);
  } finally {
    repo.cleanup();
  }
});

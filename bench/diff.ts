/**
 * Diff benchmark: one tag changed on a synthetic 100 services × 5 environments platform.
 * Figures: the whole-process `ferry diff` (median of 5) without the build cache and warm; once
 * more with every tag of every environment changed (all overlays built on both sides) without
 * the cache, with it cold (emptied), with the base side warm (a `ferry validate` of the base
 * commit ran first, as main's CI does) and fully warm; the kustomize floor of that change (1,000
 * overlays in batches of 50); and in the same run the naive way: `kubectl kustomize` of every
 * overlay on both sides (one process per overlay, as many at once as there are CPUs) plus
 * `diff -r` of the outputs; and the ratio of the two.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchResult } from './render.js';
import { createSyntheticRepo, SYNTHETIC_ENVIRONMENTS } from './synthetic.js';
import { mapLimit } from '../lib/kustomize/map-limit.js';
import { median, runFerry } from './timing.js';
import { kustomizeFloor, runCold } from './validate.js';

const SERVICES = 100;
const RUNS = 5;
const GOAL_MS = 3000;
const EVERY_OVERLAY_GOAL_MS = 10_000;

function kustomize(dir: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(error);
      else {
        writeFileSync(out, stdout);
        resolve();
      }
    });
  });
}

/** Builds every overlay under `<root>/manifests/overlays` into `<out>/<env>/<service>.yaml`, `concurrency` at a time. */
async function buildAll(root: string, out: string, concurrency: number): Promise<number> {
  const jobs: [string, string][] = [];
  for (const env of readdirSync(join(root, 'manifests/overlays'))) {
    mkdirSync(join(out, env), { recursive: true });
    for (const service of readdirSync(join(root, 'manifests/overlays', env))) {
      jobs.push([join(root, 'manifests/overlays', env, service), join(out, env, `${service}.yaml`)]);
    }
  }
  await mapLimit(jobs, concurrency, ([dir, file]) => kustomize(dir, file));
  return jobs.length;
}

export async function benchDiff(): Promise<BenchResult> {
  const repo = createSyntheticRepo(SERVICES, { git: true });
  const scratch = mkdtempSync(join(tmpdir(), 'ferry-bench-diff-'));
  try {
    const stack = join(repo.root, 'Pulumi.prod.yaml');
    const before = readFileSync(stack, 'utf8');
    const service = repo.services[42]!;
    const after = before.replace(new RegExp(`^(    ${service}: ).*$`, 'm'), '$1v9.9.9');
    if (after === before) throw new Error(`bench: could not change ${service}'s tag in Pulumi.prod.yaml`);
    writeFileSync(stack, after);

    // ferry diff, whole process: check it sees exactly the one change, then time it.
    const check = spawnSync(process.execPath, [join(repo.root, 'bin/ferry.js'), 'diff', '--format', 'json'], { cwd: repo.root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (check.status !== 0) throw new Error(`bench: ferry diff failed: ${check.stderr}`);
    const report = JSON.parse(check.stdout) as { counts: { changed: number }; summaryLines: string[] };
    if (report.counts.changed !== 1) throw new Error(`bench: expected 1 changed object, got ${JSON.stringify(report.counts)}`);
    const runs = runFerry(repo.root, ['diff', '--no-cache'], RUNS);
    const ferryMs = median(runs.map((r) => r.ms));
    runFerry(repo.root, ['diff'], 1);
    const warmRuns = runFerry(repo.root, ['diff'], RUNS);
    const warmMs = median(warmRuns.map((r) => r.ms));
    writeFileSync(stack, before);

    // Every tag of every environment changed (sha-<8 hex> is allowed everywhere): all overlays built on both sides, in bounded batches.
    const stacks = SYNTHETIC_ENVIRONMENTS.map((env) => join(repo.root, `Pulumi.${env}.yaml`));
    const saved = stacks.map((f) => readFileSync(f, 'utf8'));
    const changeEveryTag = () => stacks.forEach((f, i) => writeFileSync(f, saved[i]!.replace(/^( {4}svc-\d+: ).*$/gm, '$1sha-0badc0de')));
    changeEveryTag();
    const all = runFerry(repo.root, ['diff', '--no-cache'], 1)[0]!;
    const allCold = runCold(repo.root, ['diff'], 1)[0]!;
    // The base side warm: the committed tree (the base) validated with the cache emptied first.
    stacks.forEach((f, i) => writeFileSync(f, saved[i]!));
    runCold(repo.root, ['validate'], 1);
    changeEveryTag();
    const allBaseWarm = runFerry(repo.root, ['diff'], 1)[0]!;
    const allWarm = runFerry(repo.root, ['diff'], 1)[0]!;
    stacks.forEach((f, i) => writeFileSync(f, saved[i]!));
    const floor = await kustomizeFloor(repo.root);
    writeFileSync(stack, after);

    // The naive way: render the head, check out the base, kustomize every overlay of both, diff -r.
    execFileSync(process.execPath, [join(repo.root, 'bin/ferry.js'), 'render', '--quiet'], { cwd: repo.root });
    const baseTree = join(scratch, 'base');
    execFileSync('git', ['worktree', 'add', '--detach', '--quiet', baseTree, 'HEAD'], { cwd: repo.root });
    const concurrency = availableParallelism();
    const start = process.hrtime.bigint();
    const overlays = (await buildAll(baseTree, join(scratch, 'out/base'), concurrency)) + (await buildAll(repo.root, join(scratch, 'out/head'), concurrency));
    const diff = spawnSync('diff', ['-r', join(scratch, 'out/base'), join(scratch, 'out/head')], { encoding: 'utf8' });
    const naiveMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (diff.status !== 1) throw new Error(`bench: diff -r found ${diff.status === 0 ? 'no difference' : `an error: ${diff.stderr}`}`);
    execFileSync('git', ['worktree', 'remove', '--force', baseTree], { cwd: repo.root });

    return {
      name: `diff ${SERVICES} services × ${SYNTHETIC_ENVIRONMENTS.length} envs, one tag`,
      figures: {
        ferryDiffMedianMs: Math.round(ferryMs),
        ferryDiffWarmMedianMs: Math.round(warmMs),
        ferryDiffMaxRssMiB: Math.round(Math.max(...runs.map((r) => r.maxRssMiB))),
        ferryDiffEveryOverlayMs: Math.round(all.ms),
        ferryDiffEveryOverlayCpuMs: all.cpuMs,
        ferryDiffEveryOverlayColdMs: Math.round(allCold.ms),
        ferryDiffEveryOverlayBaseWarmMs: Math.round(allBaseWarm.ms),
        ferryDiffEveryOverlayBaseWarmCpuMs: allBaseWarm.cpuMs,
        ferryDiffEveryOverlayWarmMs: Math.round(allWarm.ms),
        ferryDiffEveryOverlayWarmCpuMs: allWarm.cpuMs,
        kustomizeFloorOverlays: floor.overlays,
        kustomizeFloorMs: floor.ms,
        kustomizeFloorCpuMs: floor.cpuMs,
        kustomizeAllPlusDiffMs: Math.round(naiveMs),
        kustomizeBuilds: overlays,
        ratio: Math.round((naiveMs / ferryMs) * 10) / 10,
      },
      goals: [
        [`ferry diff under ${GOAL_MS} ms (median ${Math.round(ferryMs)} ms, no cache)`, ferryMs < GOAL_MS],
        [`ferry diff of every overlay under ${EVERY_OVERLAY_GOAL_MS} ms with the base side warm (${Math.round(allBaseWarm.ms)} ms)`, allBaseWarm.ms < EVERY_OVERLAY_GOAL_MS],
        [`ferry diff of every overlay under ${EVERY_OVERLAY_GOAL_MS} ms with the cache cold (${Math.round(allCold.ms)} ms)`, allCold.ms < EVERY_OVERLAY_GOAL_MS],
      ],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    repo.cleanup();
  }
}

// `node dist/bench/diff.js` runs this benchmark alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchDiff();
  console.log(r.name, JSON.stringify(r.figures));
  for (const [goal, met] of r.goals ?? []) console.log(`  goal ${met ? 'met ' : 'MISSED'}: ${goal}`);
}

/**
 * Validate benchmark on a synthetic 100 services × 5 environments platform (500 overlays, plus
 * the preview overlays): the whole-process `ferry validate` (median of 3) without the build
 * cache, with it cold (emptied before each run) and warm; the kustomize floor (1,000 overlays,
 * both sides of a diff touching every overlay, in batches of 50: what no cache-less run can go
 * under); and the kustomize batch figures behind it: one process building N overlays (cost per
 * overlay grows with N, so batches are bounded), and the 100 overlays of one environment built
 * one process per overlay vs in the runner's default batches.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KustomizeRunner, type KustomizeRunnerProps } from '../lib/kustomize/kustomize-runner.js';
import { overlayFolders } from '../lib/render/verify-tree.js';
import type { BenchResult } from './render.js';
import { createSyntheticRepo, SYNTHETIC_ENVIRONMENTS } from './synthetic.js';
import { childrenCpuMs } from './child-cpu.js';
import { median, runFerry } from './timing.js';

const SERVICES = 100;
const GOAL_MS = 10_000;

/** Builds `groups` of `root` with a fresh runner; wall time, CPU time of the kustomize processes and the runner's counters. */
async function timeBuild(root: string, groups: readonly (readonly string[])[], props: KustomizeRunnerProps) {
  const runner = new KustomizeRunner(props);
  const cpuBefore = childrenCpuMs();
  const start = process.hrtime.bigint();
  await runner.buildFolders(root, groups);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpuMs = childrenCpuMs() - cpuBefore;
  const stats = runner.stats;
  if (stats.fallbacks + stats.splits > 0) throw new Error(`bench: batches fell back on a healthy tree: ${JSON.stringify(stats)}`);
  return { ms, cpuMs, processes: stats.processes };
}

/** The build cache of the repository at `root` (what `ferry validate` and `ferry diff` fill). */
export function buildCacheDir(root: string): string {
  return join(execFileSync('git', ['rev-parse', '--absolute-git-dir'], { cwd: root, encoding: 'utf8' }).trim(), 'ferry', 'kustomize-builds');
}

/** `ferry <args>` `runs` times, each with the build cache emptied first. */
export function runCold(root: string, args: readonly string[], runs: number) {
  return Array.from({ length: runs }, () => {
    rmSync(buildCacheDir(root), { recursive: true, force: true });
    return runFerry(root, args, 1)[0]!;
  });
}

/**
 * The kustomize floor of the synthetic platform at `root`: its environments' overlays built twice
 * (1,000 at 100 x 5, both sides of a diff touching every overlay) in the runner's batches of 50,
 * no cache; wall and CPU of the kustomize processes.
 */
export async function kustomizeFloor(root: string) {
  const dirs = overlayFolders(root).filter((d) => (SYNTHETIC_ENVIRONMENTS as readonly string[]).includes(d.split('/')[2]!));
  const groups = SYNTHETIC_ENVIRONMENTS.map((env) => dirs.filter((d) => d.split('/')[2] === env));
  const first = await timeBuild(root, groups, {});
  const second = await timeBuild(root, groups, {});
  return { overlays: dirs.length * 2, ms: Math.round(first.ms + second.ms), cpuMs: Math.round(first.cpuMs + second.cpuMs), processes: first.processes + second.processes };
}

export async function benchValidate(): Promise<BenchResult[]> {
  const repo = createSyntheticRepo(SERVICES, { git: true });
  try {
    const runs = runFerry(repo.root, ['validate', '--no-cache'], 3);
    const validateMs = median(runs.map((r) => r.ms));
    const cold = runCold(repo.root, ['validate'], 3);
    const warm = runFerry(repo.root, ['validate'], 3);
    const coldMs = median(cold.map((r) => r.ms));
    const warmMs = median(warm.map((r) => r.ms));
    const floor = await kustomizeFloor(repo.root);

    const overlays = overlayFolders(repo.root);
    const env = (name: string) => overlays.filter((d) => d.split('/')[2] === name);
    const batch: Record<string, number> = {};
    for (const size of [10, 50, 100, 200]) {
      const dirs = [...env('dev'), ...env('qa')].slice(0, size);
      const { ms, cpuMs } = await timeBuild(repo.root, [dirs], { batchSize: size, concurrency: 1 });
      batch[`batchOf${size}Ms`] = Math.round(ms);
      batch[`batchOf${size}CpuMsPerOverlay`] = Math.round((cpuMs / size) * 10) / 10;
    }
    const perOverlay = await timeBuild(repo.root, [env('dev')], { batchSize: 1 });
    const batched = await timeBuild(repo.root, [env('dev')], {});

    return [
      {
        name: `validate ${SERVICES} services × ${SYNTHETIC_ENVIRONMENTS.length} envs (${overlays.length} overlays)`,
        figures: {
          noCacheMedianMs: Math.round(validateMs),
          noCacheMedianCpuMs: Math.round(median(runs.map((r) => r.cpuMs))),
          coldMedianMs: Math.round(coldMs),
          coldMedianCpuMs: Math.round(median(cold.map((r) => r.cpuMs))),
          warmMedianMs: Math.round(warmMs),
          warmMedianCpuMs: Math.round(median(warm.map((r) => r.cpuMs))),
          maxRssMiB: Math.round(Math.max(...[...runs, ...cold, ...warm].map((r) => r.maxRssMiB))),
        },
        goals: [
          [`ferry validate, cache warm, under ${GOAL_MS} ms (median ${Math.round(warmMs)} ms)`, warmMs < GOAL_MS],
          [`ferry validate, cache cold, under ${GOAL_MS} ms (median ${Math.round(coldMs)} ms)`, coldMs < GOAL_MS],
        ],
      },
      {
        name: `kustomize floor: ${floor.overlays} overlays in batches of 50, no cache`,
        figures: { ms: floor.ms, cpuMs: floor.cpuMs, processes: floor.processes },
      },
      { name: 'kustomize: one process building N overlays', figures: batch },
      {
        name: `kustomize: ${env('dev').length} overlays of one env`,
        figures: {
          perOverlayMs: Math.round(perOverlay.ms),
          perOverlayCpuMs: perOverlay.cpuMs,
          perOverlayProcesses: perOverlay.processes,
          batchedMs: Math.round(batched.ms),
          batchedCpuMs: batched.cpuMs,
          batchedProcesses: batched.processes,
          ratio: Math.round((perOverlay.ms / batched.ms) * 10) / 10,
        },
      },
    ];
  } finally {
    repo.cleanup();
  }
}

// `node dist/bench/validate.js` runs this benchmark alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await benchValidate()) {
    console.log(r.name, JSON.stringify(r.figures));
    for (const [goal, met] of r.goals ?? []) console.log(`  goal ${met ? 'met ' : 'MISSED'}: ${goal}`);
  }
}

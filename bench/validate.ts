/**
 * Validate benchmark on a synthetic 100 services × 5 environments platform (500 overlays, plus
 * the preview overlays): the whole-process `ferry validate` (median of 3), and the kustomize
 * batch figures behind it: one process building N overlays (cost per overlay grows with N, so
 * batches are bounded), and the 100 overlays of one environment built one process per overlay
 * vs in the runner's default batches.
 */
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

export async function benchValidate(): Promise<BenchResult[]> {
  const repo = createSyntheticRepo(SERVICES, { git: true });
  try {
    const runs = runFerry(repo.root, ['validate'], 3);
    const validateMs = median(runs.map((r) => r.ms));

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
          medianMs: Math.round(validateMs),
          medianCpuMs: Math.round(median(runs.map((r) => r.cpuMs))),
          maxRssMiB: Math.round(Math.max(...runs.map((r) => r.maxRssMiB))),
        },
        goals: [[`ferry validate under ${GOAL_MS} ms (median ${Math.round(validateMs)} ms)`, validateMs < GOAL_MS]],
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

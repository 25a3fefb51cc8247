/**
 * Issue 15 goal 1, "diff follows the change": `ferry diff` of one tag changed in prod (a
 * promotion's pull request) at 10 and at 2,000 services × 5 environments, whole processes, median
 * of 5 each, in one run. Goals: the 2,000 × 5 figure at most 1.5 × the 10 × 5 one, and at most
 * 150 MiB. The first run of each size fills the history cache (.git/ferry/) and is printed apart.
 * Beside them, at each size, what loading the platform alone costs (bench/load-floor.ts), and
 * goal 4's promote of one service (the image gate overridden), since this is the bench's only
 * 2,000 × 5 repository with history.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchResult } from './render.js';
import { createSyntheticRepo, SYNTHETIC_ENVIRONMENTS } from './synthetic.js';
import { median, runFerry, runLoadFloor } from './timing.js';

const RUNS = 5;
const SIZES = [10, 2000] as const;
const RATIO_GOAL = 1.5;
const MEMORY_GOAL_MIB = 150;
const PROMOTE_GOAL_MS = 300;

async function oneTag(services: number): Promise<{ first: number; ms: number; cpuMs: number; maxRssMiB: number; platformLoadMs: number; promoteMs: number }> {
  const repo = createSyntheticRepo(services, { git: true });
  try {
    // The floor of every command that reads the platform: its module evaluated, nothing else.
    const platformLoadMs = median(runLoadFloor(repo.root, 'platform', RUNS).map((r) => r.ms));
    // Issue 15 goal 4 at this size: promote one service (the image gate overridden: no registry here).
    const promoteRuns: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      promoteRuns.push(runFerry(repo.root, ['promote', repo.services[0]!, '--to', 'prod', '--override', 'image', '--reason', 'benchmark without a registry'], 1)[0]!.ms);
      execFileSync('git', ['checkout', '-q', '--', '.'], { cwd: repo.root });
    }
    const stack = join(repo.root, 'Pulumi.prod.yaml');
    const before = readFileSync(stack, 'utf8');
    const service = repo.services[Math.floor(services / 2)]!;
    const after = before.replace(new RegExp(`^(    ${service}: ).*$`, 'm'), '$1v9.9.9');
    if (after === before) throw new Error(`bench: could not change ${service}'s tag in Pulumi.prod.yaml`);
    writeFileSync(stack, after);
    const [first] = runFerry(repo.root, ['diff', '--format', 'json'], 1);
    const runs = runFerry(repo.root, ['diff'], RUNS);
    return { first: first!.ms, ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs)), maxRssMiB: Math.max(...runs.map((r) => r.maxRssMiB)), platformLoadMs, promoteMs: median(promoteRuns) };
  } finally {
    repo.cleanup();
  }
}

export async function benchDiffScale(): Promise<BenchResult> {
  const [small, large] = [await oneTag(SIZES[0]), await oneTag(SIZES[1])];
  const ratio = large.ms / small.ms;
  const envs = SYNTHETIC_ENVIRONMENTS.length;
  return {
    name: `diff one tag, ${SIZES[0]} vs ${SIZES[1]} services × ${envs} envs`,
    figures: {
      smallMedianMs: Math.round(small.ms),
      smallCpuMs: Math.round(small.cpuMs),
      smallFirstRunMs: Math.round(small.first),
      largeMedianMs: Math.round(large.ms),
      largeCpuMs: Math.round(large.cpuMs),
      largeFirstRunMs: Math.round(large.first),
      largeMaxRssMiB: Math.round(large.maxRssMiB),
      ratio: Math.round(ratio * 100) / 100,
      // What the ratio leaves for the larger platform, beside what merely loading it costs more.
      'ratio allowance ms': Math.round((RATIO_GOAL - 1) * small.ms),
      'small platform load floor ms': Math.round(small.platformLoadMs),
      'large platform load floor ms': Math.round(large.platformLoadMs),
      'large - small platform load ms': Math.round(large.platformLoadMs - small.platformLoadMs),
      'promote 1 service small ms': Math.round(small.promoteMs),
      'promote 1 service large ms': Math.round(large.promoteMs),
    },
    goals: [
      [`one tag at ${SIZES[1]} × ${envs} at most ${RATIO_GOAL} × its cost at ${SIZES[0]} × ${envs} (${ratio.toFixed(2)} ×)`, ratio <= RATIO_GOAL],
      [`one tag at ${SIZES[1]} × ${envs} within ${MEMORY_GOAL_MIB} MiB (${Math.round(large.maxRssMiB)} MiB)`, large.maxRssMiB <= MEMORY_GOAL_MIB],
      [`promote one service at ${SIZES[1]} × ${envs} < ${PROMOTE_GOAL_MS} ms (${Math.round(large.promoteMs)} ms; loading the platform alone: ${Math.round(large.platformLoadMs)} ms)`, large.promoteMs < PROMOTE_GOAL_MS],
    ],
  };
}

// `node dist/bench/diff-scale.js` runs this benchmark alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchDiffScale();
  console.log(r.name, JSON.stringify(r.figures));
  for (const [goal, met] of r.goals ?? []) console.log(`  goal ${met ? 'met ' : 'MISSED'}: ${goal}`);
}

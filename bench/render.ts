import { createSyntheticRepo, SYNTHETIC_ENVIRONMENTS } from './synthetic.js';
import { median, runFerry } from './timing.js';

export interface BenchResult {
  readonly name: string;
  readonly figures: Record<string, number>;
  /** Goals as [label, met]. */
  readonly goals?: readonly (readonly [string, boolean])[];
}

/**
 * Whole-process `ferry render` on 10, 100 and 500 services × 5 environments: real-sized services
 * (config and an add-on each, the issue 10 goals) and, at 100 and 500, the plain services of the
 * earlier figures beside them, so the two compare like with like.
 */
export async function benchRender(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const cases = [[10, 7, false], [100, 7, true], [100, 7, false], [500, 3, true], [500, 3, false]] as const;
  for (const [count, runs, plain] of cases) {
    const repo = createSyntheticRepo(count, { plain });
    try {
      runFerry(repo.root, ['render', '--quiet'], 1); // warm the file cache
      const measured = runFerry(repo.root, ['render', '--quiet'], runs);
      const ms = median(measured.map((r) => r.ms));
      const rss = Math.max(...measured.map((r) => r.maxRssMiB));
      const goals: [string, boolean][] = [];
      if (count === 100 && !plain) goals.push(['100 × 5 render with config + add-on < 1000 ms', ms < 1000]);
      if (count === 500 && !plain) goals.push(['500 × 5 with config + add-on peak memory < 400 MB', rss * 1.048576 < 400]);
      results.push({
        name: `render ${count} × ${SYNTHETIC_ENVIRONMENTS.length}${plain ? ', plain services' : ', config + add-on'}`,
        figures: { 'median ms': Math.round(ms), 'peak RSS MiB': Math.round(rss), runs },
        goals,
      });
    } finally {
      repo.cleanup();
    }
  }
  return results;
}

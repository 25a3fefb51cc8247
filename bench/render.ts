import { createSyntheticRepo, SYNTHETIC_ENVIRONMENTS } from './synthetic.js';
import { median, runFerry } from './timing.js';

export interface BenchResult {
  readonly name: string;
  readonly figures: Record<string, number>;
  /** Goals as [label, met]. */
  readonly goals?: readonly (readonly [string, boolean])[];
}

/** Whole-process `ferry render` on 10, 100 and 500 services × 5 environments. */
export async function benchRender(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [count, runs] of [[10, 7], [100, 7], [500, 3]] as const) {
    const repo = createSyntheticRepo(count);
    try {
      runFerry(repo.root, ['render', '--quiet'], 1); // warm the file cache
      const measured = runFerry(repo.root, ['render', '--quiet'], runs);
      const ms = median(measured.map((r) => r.ms));
      const rss = Math.max(...measured.map((r) => r.maxRssMiB));
      const goals: [string, boolean][] = [];
      if (count === 100) goals.push(['100 × 5 render < 1000 ms', ms < 1000]);
      if (count === 500) goals.push(['500 × 5 peak memory < 400 MB', rss * 1.048576 < 400]);
      results.push({
        name: `render ${count} services × ${SYNTHETIC_ENVIRONMENTS.length} environments`,
        figures: { 'median ms': Math.round(ms), 'peak RSS MiB': Math.round(rss), runs },
        goals,
      });
    } finally {
      repo.cleanup();
    }
  }
  return results;
}

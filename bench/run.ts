/**
 * `npm run bench`: whole-process figures for render, promote, diff, validate, status and history on
 * synthetic platforms. Prints figures as each finishes; it asserts nothing, so it is not a test.
 * `npm run bench -- render` (or promote, diff, diff-scale, validate, status, history) runs one of them; status,
 * history and promote also measure 20 environments x 100 services with ~1,000 commits of history
 * (one repository for all three).
 */
import { benchDiff } from './diff.js';
import { benchDiffScale } from './diff-scale.js';
import { benchGraphScale } from './graph-scale.js';
import { benchIncrementalRender } from './incremental-render.js';
import { benchPromote } from './promote.js';
import { benchRender, type BenchResult } from './render.js';
import { benchValidate } from './validate.js';

const selected = process.argv.slice(2);
const GRAPH_PARTS = ['status', 'history', 'promote'] as const;
// One 20 × 100 repository (about a minute and a half to build) serves every graph-scale part asked for.
let graphResults: Promise<BenchResult[]> | undefined;
const graphScale = async (part: (typeof GRAPH_PARTS)[number]): Promise<BenchResult[]> => {
  graphResults ??= benchGraphScale(GRAPH_PARTS.filter((p) => selected.length === 0 || selected.includes(p)));
  return (await graphResults).filter((r) => r.name.startsWith(part));
};

const BENCHES: Record<string, () => Promise<BenchResult | BenchResult[]>> = {
  render: async () => [...(await benchRender()), ...(await benchIncrementalRender())],
  // Issue 15 goal 3 alone: fresh, unchanged and one-stack-file renders at 100 and 2,000 × 5.
  'render-incremental': benchIncrementalRender,
  promote: async () => [await benchPromote(), ...(await graphScale('promote'))],
  diff: benchDiff,
  // Issue 15 goal 1: one tag at 10 and 2,000 × 5 (builds a 2,000-service repository: minutes).
  'diff-scale': benchDiffScale,
  validate: benchValidate,
  status: () => graphScale('status'),
  history: () => graphScale('history'),
};

for (const name of selected) {
  if (!(name in BENCHES)) throw new Error(`unknown benchmark '${name}'; allowed: ${Object.keys(BENCHES).join(', ')}`);
}
console.log(`node ${process.version}, ${(await import('node:os')).availableParallelism()} cores, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const [name, bench] of Object.entries(BENCHES)) {
  if (selected.length > 0 && !selected.includes(name)) continue;
  if (selected.length === 0 && name === 'render-incremental') continue; // part of render
  const results = [await bench()].flat();
  for (const r of results) {
    const figures = Object.entries(r.figures).map(([k, v]) => `${k}: ${v}`).join(', ');
    // The load when the figure was taken: on a shared machine wall times scale with it.
    console.log(`${r.name.padEnd(44)} ${figures}, load average ${(await import('node:os')).loadavg()[0]!.toFixed(2)}`);
    for (const [goal, met] of r.goals ?? []) console.log(`  goal ${met ? 'met   ' : 'MISSED'}: ${goal}`);
  }
}

/**
 * `npm run bench`: whole-process figures for render, promote, diff, validate, status and history on
 * synthetic platforms. Prints figures as each finishes; it asserts nothing, so it is not a test.
 * `npm run bench -- render` (or promote, diff, validate, status, history) runs one of them; status,
 * history and promote also measure 20 environments x 100 services with ~1,000 commits of history.
 */
import { benchDiff } from './diff.js';
import { benchGraphScale } from './graph-scale.js';
import { benchPromote } from './promote.js';
import { benchRender, type BenchResult } from './render.js';
import { benchValidate } from './validate.js';

const BENCHES: Record<string, () => Promise<BenchResult | BenchResult[]>> = {
  render: benchRender,
  promote: async () => [await benchPromote(), ...(await benchGraphScale(['promote']))],
  diff: benchDiff,
  validate: benchValidate,
  status: () => benchGraphScale(['status']),
  history: () => benchGraphScale(['history']),
};

const selected = process.argv.slice(2);
for (const name of selected) {
  if (!(name in BENCHES)) throw new Error(`unknown benchmark '${name}'; allowed: ${Object.keys(BENCHES).join(', ')}`);
}
console.log(`node ${process.version}, ${(await import('node:os')).availableParallelism()} cores, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const [name, bench] of Object.entries(BENCHES)) {
  if (selected.length > 0 && !selected.includes(name)) continue;
  const results = [await bench()].flat();
  for (const r of results) {
    const figures = Object.entries(r.figures).map(([k, v]) => `${k}: ${v}`).join(', ');
    console.log(`${r.name.padEnd(44)} ${figures}`);
    for (const [goal, met] of r.goals ?? []) console.log(`  goal ${met ? 'met   ' : 'MISSED'}: ${goal}`);
  }
}

/**
 * `npm run bench`: whole-process figures for render (and promote and diff where present).
 * Prints figures; it asserts nothing, so it is not a test.
 */
import { benchRender, type BenchResult } from './render.js';

async function optional(module: string, fn: string): Promise<BenchResult[]> {
  try {
    const m = (await import(module)) as Record<string, () => Promise<BenchResult | BenchResult[]>>;
    if (typeof m[fn] !== 'function') return [];
    const r = await m[fn]!();
    return Array.isArray(r) ? r : [r];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return [];
    throw e;
  }
}

const results: BenchResult[] = [...(await benchRender()), ...(await optional('./promote.js', 'benchPromote')), ...(await optional('./diff.js', 'benchDiff'))];
for (const r of results) {
  const figures = Object.entries(r.figures).map(([k, v]) => `${k}: ${v}`).join(', ');
  console.log(`${r.name.padEnd(44)} ${figures}`);
  for (const [goal, met] of r.goals ?? []) console.log(`  goal ${met ? 'met ' : 'MISSED'}: ${goal}`);
}

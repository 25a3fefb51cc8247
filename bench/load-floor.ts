/**
 * What a command cannot go below, as a whole process in a platform repository, reported like
 * bench/measure.ts (`FERRY_BENCH {"maxRssKiB":N,"cpuMs":N}` on stderr):
 * - `platform`: node's start, ferry's loader and the platform's own module (`platform/platform.ts`,
 *   type-stripped from the cache), evaluated: what every command that reads the platform pays
 *   before it does anything (promote, status, history, diff, render);
 * - `cdk8s`: node's start and loading cdk8s and cdk8s-plus-28, which every render synthesises with.
 * Both with Node's compile cache on, as bin/ferry.js runs.
 */
import module from 'node:module';
import { childrenCpuMs } from './child-cpu.js';

(module as unknown as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const what = process.argv[2];
if (what === 'platform') {
  const { loadPlatform } = await import('../lib/loader/load-platform.js');
  await loadPlatform(process.cwd());
} else if (what === 'cdk8s') {
  await import('cdk8s');
  await import('cdk8s-plus-28');
} else {
  throw new Error(`load-floor: '${what}' is not a floor; use platform or cdk8s`);
}
const usage = process.resourceUsage();
const cpuMs = Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) + childrenCpuMs();
process.stderr.write(`FERRY_BENCH ${JSON.stringify({ maxRssKiB: usage.maxRSS, cpuMs })}\n`);

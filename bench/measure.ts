/**
 * Runs one ferry command as its own process, like bin/ferry.js, and reports its peak resident
 * memory and the CPU time of it and its finished child processes (kustomize, git) on stderr as a
 * last line `FERRY_BENCH {"maxRssKiB":N,"cpuMs":N}`. CPU time, unlike wall time, barely depends on
 * what else the machine runs.
 */
import module from 'node:module';
import { childrenCpuMs } from './child-cpu.js';

// As bin/ferry.js does (V8's code cache and the type-stripped platform.ts kept between runs).
(module as unknown as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main, processIO } = await import('../cli/main.js');
const code = await main(process.argv.slice(2), { ...processIO(), out: () => undefined });
const usage = process.resourceUsage();
const cpuMs = Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) + childrenCpuMs();
process.stderr.write(`FERRY_BENCH ${JSON.stringify({ maxRssKiB: usage.maxRSS, cpuMs })}\n`);
process.exit(code); // as bin/ferry.js does

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** One whole-process run: wall time and peak memory. */
export interface ProcessRun {
  readonly ms: number;
  readonly maxRssMiB: number;
  /** CPU time of the process and its finished children (0 where /proc is missing). */
  readonly cpuMs: number;
}

/**
 * Runs `ferry <args>` in `cwd` as a fresh node process through bench/measure, `runs` times. The
 * measuring entry point is the copy inside `cwd` when there is one, so the process loads exactly
 * the modules `node bin/ferry.js` would there.
 */
export function runFerry(cwd: string, args: readonly string[], runs: number, repoRoot = process.cwd(), env: NodeJS.ProcessEnv = process.env): ProcessRun[] {
  return runBenchEntry('measure.js', cwd, args, runs, repoRoot, env, `ferry ${args.join(' ')}`);
}

/**
 * A floor of `cwd`'s commands, `runs` times (see bench/load-floor.ts): `platform`, loading the
 * platform's module; `cdk8s`, loading cdk8s and cdk8s-plus-28.
 */
export function runLoadFloor(cwd: string, what: 'platform' | 'cdk8s', runs: number, repoRoot = process.cwd()): ProcessRun[] {
  return runBenchEntry('load-floor.js', cwd, [what], runs, repoRoot, process.env, `load floor '${what}'`);
}

/**
 * Runs dist/bench/<entry> in `cwd` (its own copy when it has one), which reports a FERRY_BENCH line;
 * throws at the first run that fails, naming it `what`.
 */
function runBenchEntry(entryName: string, cwd: string, args: readonly string[], runs: number, repoRoot: string, env: NodeJS.ProcessEnv, what: string): ProcessRun[] {
  const results: ProcessRun[] = [];
  const entry = existsSync(join(cwd, 'dist/bench', entryName)) ? join(cwd, 'dist/bench', entryName) : join(repoRoot, 'dist/bench', entryName);
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [entry, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr}`);
    const line = r.stderr.split('\n').find((l) => l.startsWith('FERRY_BENCH '));
    const { maxRssKiB, cpuMs } = JSON.parse(line!.slice('FERRY_BENCH '.length)) as { maxRssKiB: number; cpuMs?: number };
    results.push({ ms, maxRssMiB: maxRssKiB / 1024, cpuMs: cpuMs ?? 0 });
  }
  return results;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times a function `runs` times in this process, in milliseconds. */
export function timeIt(fn: () => void, runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return out;
}

/**
 * Issue 15 goal 3: render close to its floors, at 100 and 2,000 services × 5 environments (config
 * and an add-on each), whole processes in a git repository (where the render record lives):
 *
 * - fresh: no manifests/, no .github/, no record; beside it the plain-`fs` write floor (the same
 *   files written with mkdirSync/writeFileSync into an empty folder, in this process);
 * - unchanged: `render` and `render --check` of the tree the last render wrote;
 * - one stack file changed: a tag in Pulumi.uat.yaml, toggled before each run (a promotion);
 *   CPU time beside the wall time of it and of the unchanged render (the machine may be shared);
 * - beside them the module-load floor (`ferry --version`) and the cost of reading the inputs
 *   (platform.ts, the stack files) and of reading every rendered file, in this process.
 *
 * Goal 3: fresh 100 × 5 under 0.5 s and 2,000 × 5 under 4 s on tmpfs-class storage (run with
 * TMPDIR=/dev/shm: the storage is printed); an unchanged tree under 1.5 × the floor plus the cost
 * of reading the inputs and the rendered files (an unchanged tree cannot be known without reading them).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { listFiles } from '../lib/render/tree.js';
import { renderRecordPath } from '../lib/render/render-record.js';
import type { BenchResult } from './render.js';
import { createSyntheticRepo, SYNTHETIC_ENVIRONMENTS } from './synthetic.js';
import { median, runFerry, runLoadFloor, timeIt, type ProcessRun } from './timing.js';

const TMPFS_MAGIC = 0x01021994;

/** The rendered files of the repository at `root`: manifests/ and .github/. */
function renderedFiles(root: string): string[] {
  return [...listFiles(root, 'manifests'), ...listFiles(root, '.github')];
}

/** How the render was answered, from its --explain line. */
function explain(root: string, args: readonly string[]): string {
  const r = spawnSync(process.execPath, [join(root, 'bin/ferry.js'), ...args, '--explain'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0 && !args.includes('--check')) throw new Error(`ferry ${args.join(' ')} failed: ${r.stderr}`);
  return r.stderr.split('\n').find((l) => l.startsWith('ferry render: '))!.slice('ferry render: '.length).split(':')[0]!;
}

export async function benchIncrementalRender(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [count, runs] of [[100, 5], [2000, 3]] as const) {
    const repo = createSyntheticRepo(count, { git: true });
    const label = `${count} × ${SYNTHETIC_ENVIRONMENTS.length}, config + add-on`;
    try {
      const storage = statfsSync(repo.root).type === TMPFS_MAGIC ? 'tmpfs' : 'disk (not tmpfs)';
      const record = renderRecordPath(repo.root)!;
      const floor = median(runFerry(repo.root, ['--version'], runs).map((r) => r.ms));
      // What a fresh render cannot go below: cdk8s and cdk8s-plus-28 loaded, and the platform's module evaluated.
      const cdk8sFloor = median(runLoadFloor(repo.root, 'cdk8s', runs).map((r) => r.ms));
      const platformFloor = median(runLoadFloor(repo.root, 'platform', runs).map((r) => r.ms));

      // Fresh: nothing rendered, nothing recorded.
      const fresh: number[] = [];
      for (let i = 0; i < runs; i++) {
        for (const dir of ['manifests', '.github']) rmSync(join(repo.root, dir), { recursive: true, force: true });
        rmSync(record, { force: true });
        fresh.push(runFerry(repo.root, ['render', '--quiet'], 1)[0]!.ms);
      }
      const files = renderedFiles(repo.root);
      const contents = files.map((path) => [path, readFileSync(join(repo.root, path))] as const);
      const scratch = mkdtempSync(join(tmpdir(), 'ferry-write-floor-'));
      const writeFloor = median(
        timeIt(() => {
          rmSync(join(scratch, 'tree'), { recursive: true, force: true });
          for (const [path, content] of contents) {
            mkdirSync(dirname(join(scratch, 'tree', path)), { recursive: true });
            writeFileSync(join(scratch, 'tree', path), content);
          }
        }, runs),
      );
      rmSync(scratch, { recursive: true, force: true });

      const inputs = ['platform/platform.ts', 'Pulumi.yaml', ...SYNTHETIC_ENVIRONMENTS.map((e) => `Pulumi.${e}.yaml`)];
      const readInputs = median(timeIt(() => inputs.forEach((p) => readFileSync(join(repo.root, p))), runs));
      const readOutputs = median(timeIt(() => renderedFiles(repo.root).forEach((p) => readFileSync(join(repo.root, p))), runs));

      const unchangedPath = explain(repo.root, ['render', '--quiet']);
      const unchangedRuns = runFerry(repo.root, ['render', '--quiet'], runs);
      const unchanged = median(unchangedRuns.map((r) => r.ms));
      const check = median(runFerry(repo.root, ['render', '--check'], runs).map((r) => r.ms));

      // One stack file changed before each run: a tag of svc-000 in uat, toggled.
      const stackFile = join(repo.root, 'Pulumi.uat.yaml');
      const original = readFileSync(stackFile, 'utf8');
      const toggled = original.replace(/^( {4}svc-000: )\S+$/m, '$1sha-0badc0de');
      let flip = false;
      const edit = () => {
        flip = !flip;
        writeFileSync(stackFile, flip ? toggled : original);
      };
      edit();
      const oneStackPath = explain(repo.root, ['render', '--quiet']);
      const oneStack: ProcessRun[] = [];
      for (let i = 0; i < runs; i++) {
        edit();
        oneStack.push(runFerry(repo.root, ['render', '--quiet'], 1)[0]!);
      }

      const freshMs = median(fresh);
      const unchangedBudget = 1.5 * floor + readInputs + readOutputs;
      const goals: [string, boolean][] = [
        [`fresh ${label} < ${count === 100 ? 500 : 4000} ms on tmpfs-class storage (this run: ${storage})`, freshMs < (count === 100 ? 500 : 4000)],
        [`unchanged ${label} < 1.5 × floor + reading inputs and rendered files = ${Math.round(unchangedBudget)} ms`, unchanged < unchangedBudget],
      ];
      results.push({
        name: `render ${label}, ${storage}`,
        figures: {
          'floor (ferry --version) ms': Math.round(floor),
          'fresh ms': Math.round(freshMs),
          'plain-fs write floor ms': Math.round(writeFloor),
          'cdk8s + cdk8s-plus-28 load floor ms': Math.round(cdk8sFloor),
          'platform load floor ms': Math.round(platformFloor),
          files: files.length,
          [`unchanged (${unchangedPath}) ms`]: Math.round(unchanged),
          'unchanged CPU ms': Math.round(median(unchangedRuns.map((r) => r.cpuMs))),
          'unchanged --check ms': Math.round(check),
          [`one stack file changed (${oneStackPath}) ms`]: Math.round(median(oneStack.map((r) => r.ms))),
          'one stack file changed CPU ms': Math.round(median(oneStack.map((r) => r.cpuMs))),
          'read inputs ms': Math.round(readInputs),
          'read rendered files ms': Math.round(readOutputs),
          runs,
        },
        goals,
      });
    } finally {
      repo.cleanup();
    }
  }
  return results;
}

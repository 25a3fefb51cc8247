/**
 * `npm run bench -- status|history|promote`: whole-process `ferry status`, `ferry history` and
 * `ferry promote` (one service) on 20 environments × 100 services with ~1,000 promotion commits of
 * history, median of 5, beside the floor: `ferry --version`, node's startup and the CLI's module
 * load, which no command can go below. Goal (issue 11): promote < 0.5 s for one service. Every
 * service has config and an add-on (as bench/synthetic.ts), unless FERRY_BENCH_PLAIN=1 asks for the
 * plain services of the earlier figures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, REGISTRY_BINARY } from '../lib/testing/local-registry.js';
import type { BenchResult } from './render.js';
import { platformImports, serviceExtras, serviceName, stackConfig, syntheticTag } from './synthetic.js';
import { median, runFerry, runLoadFloor } from './timing.js';

const ENVIRONMENTS = 20;
const SERVICES = 100;
const HISTORY_COMMITS = 1000;
const RUNS = 5;

const envName = (e: number) => `env-${String(e).padStart(2, '0')}`;

/** A chain of 20: a development source, 18 stagings without soak, a production sink (24 h soak, review). */
function platformModule(services: readonly string[], plain: boolean): string {
  const envs = Array.from({ length: ENVIRONMENTS }, (_, e) => {
    const profile = e === 0 ? 'Profiles.development()' : e === ENVIRONMENTS - 1 ? "Profiles.production({ approvers: ['@example-org/release-managers'] })" : 'Profiles.staging({ soakHours: 0 })';
    return `    Environment.of('${envName(e)}', ${profile}),`;
  });
  return `${platformImports(plain)}
export const platform = new Platform({
  name: 'graph-scale',
  repoURL: 'https://github.com/example-org/graph-scale.git',
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  services: [
${services.map((s, i) => `    { name: '${s}', port: ${8000 + i}, host: '${s}.example.com',${plain ? '' : serviceExtras(s, envName(ENVIRONMENTS - 1))} },`).join('\n')}
  ],
  environments: [
${envs.join('\n')}
  ],
});
`;
}

function stackText(tags: readonly string[], services: readonly string[], e: number, plain: boolean): string {
  return `config:\n  aws:region: eu-west-1\n  ferry:images:\n${services.map((s, i) => `    ${s}: ${tags[i]}`).join('\n')}\n${plain ? '' : stackConfig(services, envName(e), e)}`;
}

/**
 * An engine checkout (as bench/synthetic.ts makes) with 20 × 100 stack files, a first render, then
 * HISTORY_COMMITS promotion commits (one tag line each, with ferry's trailers, an hour apart,
 * written with one `git fast-import`), then a render commit so the overlays match.
 */
export function createGraphRepo(plain = process.env.FERRY_BENCH_PLAIN === '1'): { root: string; services: string[]; plain: boolean; cleanup(): void } {
  const source = process.cwd();
  const root = mkdtempSync(join(tmpdir(), 'ferry-bench-graph-'));
  for (const entry of ['package.json', 'bin', 'dist', 'templates']) cpSync(join(source, entry), join(root, entry), { recursive: true });
  symlinkSync(join(source, 'node_modules'), join(root, 'node_modules'), 'dir');
  const services = Array.from({ length: SERVICES }, (_, i) => serviceName(i));
  writeFileSync(join(root, 'Pulumi.yaml'), 'name: ferry\nruntime: nodejs\nmain: dist/stacks/index.js\n');
  mkdirSync(join(root, 'platform'));
  writeFileSync(join(root, 'platform/platform.ts'), platformModule(services, plain));
  const tags = Array.from({ length: ENVIRONMENTS }, (_, e) => services.map((_s, i) => syntheticTag(i, e)));
  tags.forEach((t, e) => writeFileSync(join(root, `Pulumi.${envName(e)}.yaml`), stackText(t, services, e, plain)));
  writeFileSync(join(root, '.gitignore'), 'node_modules\ndist\n');
  const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' };
  const ferry = (args: string[]) => execFileSync(process.execPath, [join(root, 'bin/ferry.js'), ...args], { cwd: root, env });
  ferry(['render', '--quiet']);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root, env });
  // As in synthetic.ts: no automatic gc in the background of the measured runs.
  execFileSync('git', ['config', 'gc.auto', '0'], { cwd: root, env });
  execFileSync('git', ['add', '-A'], { cwd: root, env });
  execFileSync('git', ['commit', '-q', '-m', 'graph-scale platform'], { cwd: root, env });

  // Promotions down the chain; svc-000 is left alone so the benchmark's promotion is the same every run.
  const start = Date.parse('2026-01-02T00:00:00Z') / 1000;
  let stream = '';
  for (let k = 0; k < HISTORY_COMMITS; k++) {
    const e = 1 + (k % (ENVIRONMENTS - 1));
    const i = 1 + ((k * 37) % (SERVICES - 1));
    tags[e]![i] = tags[e - 1]![i]!;
    tags[e - 1]![i] = syntheticTag(i, 1000 + k);
    const message = `chore(promote): ${services[i]} ${tags[e]![i]} to ${envName(e)}\n\nPromoted-From: ${envName(e - 1)}\nImage-Tag: ${tags[e]![i]}\n`;
    const files = [e - 1, e].map((f) => {
      const content = stackText(tags[f]!, services, f, plain);
      return `M 100644 inline Pulumi.${envName(f)}.yaml\ndata ${Buffer.byteLength(content)}\n${content}\n`;
    });
    stream += `commit refs/heads/main\ncommitter bench <bench@example.com> ${start + k * 3600} +0000\ndata ${Buffer.byteLength(message)}\n${message}\n${k === 0 ? 'from refs/heads/main^0\n' : ''}${files.join('')}\n`;
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: root, env, input: stream, maxBuffer: 64 * 1024 * 1024 });
  execFileSync('git', ['reset', '-q', '--hard', 'main'], { cwd: root, env });
  ferry(['render', '--quiet']);
  execFileSync('git', ['add', '-A'], { cwd: root, env });
  execFileSync('git', ['commit', '-q', '-m', 'render'], { cwd: root, env: { ...env, GIT_AUTHOR_DATE: '2026-03-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-03-01T00:00:00Z' } });
  return { root, services, plain, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Status, history and promote on 20 × 100 with ~1,000 commits; `which` picks some. */
export async function benchGraphScale(which: readonly ('status' | 'history' | 'promote')[]): Promise<BenchResult[]> {
  const repo = createGraphRepo();
  const registry = which.includes('promote') && existsSync(REGISTRY_BINARY) ? await startRegistry() : undefined;
  try {
    const commits = Number(execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: repo.root, encoding: 'utf8' }).trim());
    const shape = `${ENVIRONMENTS} envs x ${SERVICES} services${repo.plain ? ' (plain)' : ' + config + add-on'}, ${commits} commits`;
    runFerry(repo.root, ['--version'], 1); // warm the file cache
    const floorRuns = runFerry(repo.root, ['--version'], RUNS);
    const floor = { ms: Math.round(median(floorRuns.map((r) => r.ms))), cpuMs: Math.round(median(floorRuns.map((r) => r.cpuMs))) };
    // Every one of these commands evaluates the platform's module first.
    const platformFloor = Math.round(median(runLoadFloor(repo.root, 'platform', RUNS).map((r) => r.ms)));
    const results: BenchResult[] = [];
    const measure = (name: string, args: string[], after?: () => void, goal?: [string, (ms: number) => boolean]): void => {
      // Cold: what a fresh clone (CI) pays once: no history cache in .git/ferry, an empty compile cache.
      rmSync(join(repo.root, '.git/ferry'), { recursive: true, force: true });
      const compileCache = mkdtempSync(join(tmpdir(), 'ferry-bench-compile-cache-'));
      const cold = runFerry(repo.root, args, 1, process.cwd(), { ...process.env, NODE_COMPILE_CACHE: compileCache })[0]!;
      rmSync(compileCache, { recursive: true, force: true });
      after?.();
      const runs: { ms: number; cpuMs: number }[] = [];
      for (let i = 0; i < RUNS; i++) {
        runs.push(runFerry(repo.root, args, 1)[0]!);
        after?.();
      }
      const ms = Math.round(median(runs.map((r) => r.ms)));
      // CPU time (the process and its git children) depends far less on what else the machine runs.
      const cpuMs = Math.round(median(runs.map((r) => r.cpuMs)));
      results.push({
        name: `${name}, ${shape}`,
        figures: { 'median ms': ms, 'floor ms': floor.ms, 'platform load floor ms': platformFloor, 'median CPU ms': cpuMs, 'floor CPU ms': floor.cpuMs, runs: RUNS, 'cold ms (no caches)': Math.round(cold.ms), 'cold CPU ms': Math.round(cold.cpuMs) },
        goals: goal ? [[goal[0], goal[1](ms)]] : [],
      });
    };
    if (which.includes('status')) {
      measure('status --json', ['status', '--json']);
      measure('status 1 service --json', ['status', repo.services[1]!, '--json'], undefined, ['status of one service < 300 ms', (ms) => ms < 300]);
    }
    if (which.includes('history')) {
      measure('history 1 service, every env', ['history', repo.services[1]!, '--json']);
      measure(`history 1 service --env ${envName(ENVIRONMENTS - 1)}`, ['history', repo.services[1]!, '--env', envName(ENVIRONMENTS - 1), '--json'], undefined, ['history of one service in one environment < 300 ms', (ms) => ms < 300]);
    }
    if (which.includes('promote')) {
      const service = repo.services[0]!;
      const args = ['promote', service, '--to', envName(ENVIRONMENTS - 1)];
      if (registry) {
        await registry.pushImage(service, syntheticTag(0, ENVIRONMENTS - 2));
        args.push('--registry-url', registry.url);
      } else {
        args.push('--override', 'image', '--reason', 'benchmark without a registry');
      }
      measure(`promote 1 service to ${envName(ENVIRONMENTS - 1)}${registry ? '' : ' (no registry)'}`, args, () => execFileSync('git', ['checkout', '-q', '--', '.'], { cwd: repo.root }), ['promote whole process < 500 ms', (ms) => ms < 500]);
    }
    return results;
  } finally {
    await registry?.stop();
    repo.cleanup();
  }
}

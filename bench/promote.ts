/**
 * Whole-process `ferry promote` of one service on a synthetic 100 services × 5 environments
 * platform (a git repository with a committed render), against a real registry on loopback when
 * Debian's docker-registry is installed (otherwise the image gate is overridden). Goal: < 0.5 s.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startRegistry, REGISTRY_BINARY } from '../lib/testing/local-registry.js';
import { createSyntheticRepo, syntheticTag, SYNTHETIC_ENVIRONMENTS } from './synthetic.js';
import { median, runFerry } from './timing.js';

export async function benchPromote(): Promise<{ name: string; figures: Record<string, number>; goals?: [string, boolean][] }> {
  const repo = createSyntheticRepo(100, { git: true });
  const registry = existsSync(REGISTRY_BINARY) ? await startRegistry() : undefined;
  try {
    const service = repo.services[0]!;
    const tag = syntheticTag(0, SYNTHETIC_ENVIRONMENTS.indexOf('uat'));
    const args = ['promote', service, '--to', 'prod'];
    if (registry) {
      await registry.pushImage(service, tag);
      args.push('--registry-url', registry.url);
    } else {
      args.push('--override', 'image', '--reason', 'benchmark without a registry');
    }
    const runs: number[] = [];
    for (let i = 0; i < 7; i++) {
      runs.push(runFerry(repo.root, args, 1)[0]!.ms);
      execFileSync('git', ['checkout', '-q', '--', '.'], { cwd: repo.root });
    }
    const ms = Math.round(median(runs));
    return {
      name: `promote 1 service, 100 x 5${registry ? '' : ' (no registry)'}`,
      figures: { medianMs: ms, minMs: Math.round(Math.min(...runs)) },
      goals: [['promote whole process < 500 ms', ms < 500]],
    };
  } finally {
    await registry?.stop();
    repo.cleanup();
  }
}

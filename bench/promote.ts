/**
 * Whole-process `ferry promote` of one service on a synthetic 100 services × 5 environments
 * platform (a git repository with a committed render), against a real registry on loopback when
 * Debian's docker-registry is installed (otherwise the image gate is overridden). Goal: < 0.5 s.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRegistry, REGISTRY_BINARY } from '../lib/testing/local-registry.js';
import { createSyntheticRepo, syntheticTag, SYNTHETIC_ENVIRONMENTS } from './synthetic.js';
import { median, runFerry } from './timing.js';

export async function benchPromote(): Promise<{ name: string; figures: Record<string, number>; goals?: [string, boolean][] }> {
  const repo = createSyntheticRepo(100);
  commitSynthetic(repo.root);
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

/** Renders and commits the synthetic platform; prod gets approvers, which the model requires for reviewed environments. */
function commitSynthetic(root: string): void {
  const file = join(root, 'dist/platform/platform.js');
  const text = readFileSync(file, 'utf8');
  if (!text.includes('approvers')) writeFileSync(file, text.replace('Profiles.production()', "Profiles.production({ approvers: ['@example-org/release-managers'] })"));
  const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' };
  execFileSync(process.execPath, [join(root, 'bin/ferry.js'), 'render', '--quiet'], { cwd: root });
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root, env });
  execFileSync('git', ['add', '-A'], { cwd: root, env });
  execFileSync('git', ['commit', '-q', '-m', 'synthetic platform'], { cwd: root, env });
}

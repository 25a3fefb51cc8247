/**
 * Promotion pull requests landed the three ways GitHub lands them (merge commit, squash, rebase),
 * in real git: history, status and the order/soak gates read them right, trailers included, and
 * two promotion PRs of different services to one environment merge in either order.
 */
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import type { PlatformRepo } from '../helpers/platform-repo.js';
import { createPromoteRepo } from './promote-fixture.js';
import { createPlatformRepo } from '../helpers/platform-repo.js';
import { fileURLToPath } from 'node:url';
import { GIT_ENV } from './promote-fixture.js';

const REGIONAL = fileURLToPath(new URL('../fixtures/regional', import.meta.url));
const NOW = { FERRY_NOW: '2026-03-10T12:00:00Z' };
type Strategy = 'merge' | 'squash' | 'rebase';
const STRATEGIES: readonly Strategy[] = ['merge', 'squash', 'rebase'];

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
  for (const service of ['simple-env-app', 'gpu-app']) await registry.pushImage(service, 'sha-aaaa0001');
});
afterAll(async () => {
  await registry.stop();
});

/** Lands `branch` on main as GitHub would with `strategy`, committed at `date`; throws on a conflict. */
function land(repo: PlatformRepo, branch: string, strategy: Strategy, date: string): void {
  const env = { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, GIT_COMMITTER_NAME: 'GitHub', GIT_COMMITTER_EMAIL: 'noreply@github.com' };
  if (strategy === 'merge') {
    repo.git(['merge', '-q', '--no-ff', '-m', `Merge pull request #12 from example-org/${branch}`, '-m', 'reviewed', branch], env);
  } else if (strategy === 'squash') {
    // A hand-edited title, the squashed commit's message as a bullet, and a co-author trailer last.
    const body = repo.git(['log', '-1', '--format=%B', branch]).trim();
    repo.git(['merge', '-q', '--squash', branch]);
    repo.git(['commit', '-q', '-m', 'Promotion (#12)', '-m', `* ${body}`, '-m', 'Co-authored-by: Reviewer <reviewer@example.com>'], { ...env, GIT_AUTHOR_NAME: 'Promoter Pat', GIT_AUTHOR_EMAIL: 'pat@example.com' });
  } else {
    repo.git(['cherry-pick', '--allow-empty', branch], env);
  }
}

describe.each(STRATEGIES)('a promotion pull request landed by %s', (strategy) => {
  test('history keeps kind, source, release-of and overrides; status shows it; the soak gate counts from when it landed', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      // web: dev -> stage through a pull request, landed at midnight while main moved on.
      const toStage = await repo.run(['promote', 'web', '--to', 'stage', '--commit'], NOW);
      expect(toStage.stderr).toBe('');
      repo.write('README.md', 'main moves on\n');
      repo.commitAll('docs: main moves on', '2026-03-09T23:00:00Z');
      land(repo, 'promote/stage/web-sha-8e1d4c7a', strategy, '2026-03-10T00:00:00Z');
      const landed = repo.git(['rev-parse', 'HEAD']).trim();
      const stage = JSON.parse((await repo.ferry(['history', 'web', '--env', 'stage', '--json'])).stdout).at(-1);
      expect(stage).toMatchObject({ kind: 'promotion', promotedFrom: 'dev', tag: 'sha-8e1d4c7a', from: '1.4.0-SNAPSHOT-8e1d4c7', commit: landed, date: '2026-03-10T00:00:00Z', author: 'Promoter Pat' });
      const status = JSON.parse((await repo.ferry(['status', '--json'])).stdout).find((s: { environment: string; service: string }) => s.environment === 'stage' && s.service === 'web');
      expect(status).toMatchObject({ tag: 'sha-8e1d4c7a', commit: landed });
      // The order gate finds it in stage; the soak gate measures from the landing, not the branch commit.
      const toProd = await repo.run(['promote', 'web', '--to', 'prod', '--commit'], NOW);
      expect(toProd.stderr).toBe(`ferry promote: gate 'soak': sha-8e1d4c7a has run in stage for 12h 0m since 2026-03-10T00:00:00Z (commit ${landed.slice(0, 7)}); prod requires 24h; override with --override soak --reason "..."\n`);

      // api: a release to prod with an override, through a pull request (one version per strategy: the registry is shared).
      const version = `v1.2.${STRATEGIES.indexOf(strategy)}`;
      await registry.pushImage('api', '1.2.0-SNAPSHOT-7d2a1b3');
      await repo.commitTag('stage', 'api', '1.2.0-SNAPSHOT-7d2a1b3', '2026-03-08T00:00:00Z');
      const release = await repo.run(['promote', 'api', '--to', 'prod', '--release', version, '--override', 'freeze', '--reason', 'hotfix INC-42', '--commit'], NOW);
      expect(release.stderr).toBe('');
      land(repo, `promote/prod/api-${version}`, strategy, '2026-03-10T13:00:00Z');
      const prod = JSON.parse((await repo.ferry(['history', 'api', '--env', 'prod', '--json'])).stdout).at(-1);
      expect(prod).toMatchObject({ kind: 'promotion', promotedFrom: 'stage', tag: version, releaseOf: '1.2.0-SNAPSHOT-7d2a1b3', overrides: 'freeze; reason: hotfix INC-42' });
      const text = (await repo.ferry(['history', 'api', '--env', 'prod'])).stdout;
      expect(text).toContain(`v1.3.2 -> ${version} (release of 1.2.0-SNAPSHOT-7d2a1b3)`);
      expect(text).toMatch(/\)\s+promotion\s+stage\s+Promoter Pat/);
    } finally {
      repo.cleanup();
    }
  });

  test.each([['simple-env-app first'], ['gpu-app first']])('two promotion PRs of different services to one environment merge without conflict (%s)', async (order) => {
    const repo = await createPlatformRepo({ fixture: REGIONAL });
    try {
      const run = (args: string[]) => repo.ferry([...args, '--registry-url', registry.url], { ...GIT_ENV, ...NOW });
      for (const service of ['simple-env-app', 'gpu-app']) expect((await run(['promote', service, '--to', 'prod-eu', '--commit'])).stderr).toBe('');
      const branches = ['promote/prod-eu/simple-env-app-sha-aaaa0001', 'promote/prod-eu/gpu-app-sha-aaaa0001'];
      if (order === 'gpu-app first') branches.reverse();
      land(repo, branches[0]!, strategy, '2026-03-10T12:30:00Z');
      land(repo, branches[1]!, strategy, '2026-03-10T12:40:00Z');
      expect(repo.git(['status', '--porcelain'])).toBe('');
      expect(repo.read('Pulumi.prod-eu.yaml')).toContain('    gpu-app: sha-aaaa0001\n\n    simple-env-app: sha-aaaa0001\n');
      // In-process: the check of the merged tree is not about the process (render-check tests spawn it).
      const check = await repo.ferry(['render', '--check']);
      expect(check.stderr).toBe('');
      for (const service of ['simple-env-app', 'gpu-app']) {
        const last = JSON.parse((await repo.ferry(['history', service, '--env', 'prod-eu', '--json'])).stdout).at(-1);
        expect(last).toMatchObject({ kind: 'promotion', promotedFrom: 'staging-eu', tag: 'sha-aaaa0001' });
      }
    } finally {
      repo.cleanup();
    }
  });
});

import { execFileSync } from 'node:child_process';
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { remoteThatMoved } from '../helpers/platform-repo.js';
import { createPromoteRepo, editPlatform, GIT_ENV, type PromoteRepo } from './promote-fixture.js';

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});

const NOW = { FERRY_NOW: '2026-03-10T12:00:00Z' };
/** prod requires a healthy verification upstream (stage). */
const VERIFIED_PROD = editPlatform((text) => text.replace("Profiles.production({ approvers: ['@example-org/release-managers'] })", "Profiles.production({ approvers: ['@example-org/release-managers'], requiresVerification: true })"));
/** Records made at a fixed time, so messages naming it are exact. */
const AT = (date: string) => ({ GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date });

async function record(repo: PromoteRepo, args: string[], env: Record<string, string> = AT('2026-03-05T10:00:00Z')): Promise<{ code: number; stdout: string; stderr: string }> {
  return repo.ferry(['verify', 'record', ...args], { ...GIT_ENV, ...env });
}

describe("gate 'verified'", () => {
  test('refuses an unverified tag, naming service, tag, upstream and the rule; nothing is written', async () => {
    const repo = await createPromoteRepo(registry, { edit: VERIFIED_PROD });
    try {
      const head = repo.git(['rev-parse', 'HEAD']);
      const result = await repo.run(['promote', 'api', '--to', 'prod', '--commit'], NOW);
      expect(result.stderr).toBe(
        `ferry promote: gate 'verified': api sha-3f9c2a1b was never verified in stage (no verification record on the branch); prod requires a healthy verification upstream; override with --override verified --reason "..."\n`,
      );
      expect(result.code).toBe(1);
      expect(repo.git(['rev-parse', 'HEAD'])).toBe(head);
      expect(repo.git(['branch', '--list'])).toBe('* main\n');
      expect(repo.status()).toBe('');
    } finally {
      repo.cleanup();
    }
  });

  test('passes a tag verified healthy upstream', async () => {
    const repo = await createPromoteRepo(registry, { edit: VERIFIED_PROD });
    try {
      const recorded = await record(repo, ['--env', 'stage', '--service', 'api', '--tag', 'sha-3f9c2a1b', '--result', 'healthy']);
      expect(recorded.stderr).toBe('');
      expect(recorded.stdout).toMatch(/^api sha-3f9c2a1b in stage healthy: recorded in [0-9a-f]{12}\n$/);
      const promoted = await repo.run(['promote', 'api', '--to', 'prod', '--commit'], NOW);
      expect(promoted.stderr).toBe('');
      expect(promoted.code).toBe(0);
      expect(repo.git(['log', '-1', '--format=%s', 'promote/prod/api-sha-3f9c2a1b'])).toBe('chore(promote): api sha-3f9c2a1b to prod\n');
    } finally {
      repo.cleanup();
    }
  });

  test('a failed verification refuses, naming when, the record and what the cluster said; a later healthy one passes', async () => {
    const repo = await createPromoteRepo(registry, { edit: VERIFIED_PROD });
    try {
      expect((await record(repo, ['--env', 'stage', '--service', 'api', '--tag', 'sha-3f9c2a1b', '--result', 'healthy'], AT('2026-03-04T10:00:00Z'))).code).toBe(0);
      const degraded = await record(repo, ['--env', 'stage', '--service', 'api', '--tag', 'sha-3f9c2a1b', '--result', 'aborted', '--detail', 'RolloutAborted:\n  Metric "health" assessed Failed']);
      expect(degraded.code).toBe(0);
      const commit = repo.git(['rev-parse', 'HEAD']).trim();
      const refused = await repo.run(['promote', 'api', '--to', 'prod', '--commit'], NOW);
      expect(refused.stderr).toBe(
        `ferry promote: gate 'verified': api sha-3f9c2a1b was verified aborted in stage at 2026-03-05T10:00:00Z (commit ${commit.slice(0, 7)}): RolloutAborted: Metric "health" assessed Failed; prod requires a healthy verification upstream; override with --override verified --reason "..."\n`,
      );
      expect(refused.code).toBe(1);
      expect((await record(repo, ['--env', 'stage', '--service', 'api', '--tag', 'sha-3f9c2a1b', '--result', 'healthy'], AT('2026-03-06T10:00:00Z'))).code).toBe(0);
      expect((await repo.run(['promote', 'api', '--to', 'prod', '--commit'], NOW)).code).toBe(0);
    } finally {
      repo.cleanup();
    }
  });

  test('--override verified --reason is recorded in the commit like every gate', async () => {
    const repo = await createPromoteRepo(registry, { edit: VERIFIED_PROD });
    try {
      const promoted = await repo.run(['promote', 'api', '--to', 'prod', '--commit', '--override', 'verified', '--reason', 'notifications down, verified by hand INC-9'], NOW);
      expect(promoted.stderr).toBe('');
      expect(promoted.code).toBe(0);
      expect(repo.git(['log', '-1', '--format=%(trailers:key=Gate-Overrides,valueonly)', 'promote/prod/api-sha-3f9c2a1b']).trim()).toBe('verified; reason: notifications down, verified by hand INC-9');
    } finally {
      repo.cleanup();
    }
  });

  test('is off by default: an environment without requiresVerification promotes an unverified tag', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      const promoted = await repo.run(['promote', 'api', '--to', 'prod', '--commit'], NOW);
      expect(promoted.stderr).toBe('');
      expect(promoted.code).toBe(0);
    } finally {
      repo.cleanup();
    }
  });

  test('never holds back a rollback', async () => {
    const repo = await createPromoteRepo(registry, { edit: VERIFIED_PROD });
    try {
      const setup = await repo.run(['promote', 'api', '--to', 'prod', '--direct', '--override', 'verified', '--override', 'approval', '--reason', 'setup'], NOW);
      expect(setup.stderr).toBe('');
      const rollback = await repo.run(['rollback', 'api', '--env', 'prod', '--commit'], NOW);
      expect(rollback.stderr).toBe('');
      expect(rollback.code).toBe(0);
    } finally {
      repo.cleanup();
    }
  });
});

describe('ferry verify record', () => {
  test('writes an empty commit with trailers, leaves staged changes out, and does not repeat the same record', async () => {
    const repo = await createPromoteRepo(registry, { push: false });
    try {
      const before = repo.git(['rev-parse', 'HEAD']).trim();
      repo.write('README.md', 'staged, not part of the record\n');
      repo.git(['add', 'README.md']);
      const revision = before;
      const result = await record(repo, ['--env', 'stage', '--service', 'web', '--revision', revision, '--result', 'degraded', '--detail', 'Deployment web: Progressing deadline exceeded']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(repo.git(['log', '-1', '--format=%B'])).toBe(
        [
          'chore(verify): web 1.4.0-SNAPSHOT-8e1d4c7 in stage degraded',
          '',
          'Verified-Environment: stage',
          'Verified-Service: web',
          'Verified-Tag: 1.4.0-SNAPSHOT-8e1d4c7',
          'Verification: degraded',
          `Verified-Revision: ${revision}`,
          'Verification-Detail: Deployment web: Progressing deadline exceeded',
          '',
          '',
        ].join('\n'),
      );
      expect(repo.git(['rev-parse', 'HEAD^']).trim()).toBe(before);
      expect(repo.git(['diff', '--name-only', 'HEAD^', 'HEAD'])).toBe('');
      expect(repo.git(['status', '--porcelain'])).toBe('A  README.md\n');
      const again = await record(repo, ['--env', 'stage', '--service', 'web', '--revision', revision, '--result', 'degraded']);
      expect(again.stdout).toBe(`web 1.4.0-SNAPSHOT-8e1d4c7 in stage degraded: already recorded in ${repo.git(['rev-parse', 'HEAD']).trim().slice(0, 12)}; nothing new\n`);
      expect(repo.git(['rev-list', '--count', `${before}..HEAD`]).trim()).toBe('1');
    } finally {
      repo.cleanup();
    }
  });

  test('refuses bad input with the value and what is allowed, writing nothing', async () => {
    const repo = await createPromoteRepo(registry, { push: false });
    try {
      const head = repo.git(['rev-parse', 'HEAD']).trim();
      const cases: [string[], number, string][] = [
        [['--env', 'stage', '--service', 'api', '--tag', 'sha-3f9c2a1b', '--result', 'fine'], 2, 'ferry verify record: --result "fine" is not allowed; allowed: healthy, degraded, aborted'],
        [['--env', 'stage', '--service', 'api', '--tag', 'sha-3f9c2a1b'], 2, "ferry verify record: --result is required; see 'ferry verify --help'"],
        [['--env', 'stage', '--service', 'api', '--result', 'healthy'], 1, 'ferry verify record: give the tag verified with --tag, or the commit Argo CD synced with --revision'],
        [['--env', 'stage', '--service', 'api', '--tag', 'v9.9.9', '--result', 'healthy'], 1, 'ferry verify record: v9.9.9 has never run in stage (git history of Pulumi.stage.yaml: ferry:images.api held sha-3f9c2a1b); nothing to verify'],
        [['--env', 'stage', '--service', 'api', '--tag', 'v1.3.2', '--revision', head, '--result', 'healthy'], 1, `ferry verify record: --tag v1.3.2 does not match Pulumi.stage.yaml at ${head.slice(0, 12)}, which names ferry:images.api sha-3f9c2a1b; the cluster reported a revision that deployed another tag`],
        [['--env', 'stage', '--service', 'api', '--revision', 'main', '--result', 'healthy'], 1, 'ferry verify record: --revision "main" is not a git commit id (7 to 40 lowercase hex digits)'],
      ];
      for (const [args, code, message] of cases) {
        const result = await record(repo, args);
        expect(result.stderr).toBe(`${message}\n`);
        expect(result.code).toBe(code);
      }
      const unknownEnv = await record(repo, ['--env', 'qa', '--service', 'api', '--tag', 'sha-3f9c2a1b', '--result', 'healthy']);
      expect(unknownEnv.code).toBe(2);
      expect(unknownEnv.stderr).toMatch(/^ferry verify record: unknown environment 'qa'; environments: dev → stage → prod\n$/);
      expect(repo.git(['rev-parse', 'HEAD']).trim()).toBe(head);
    } finally {
      repo.cleanup();
    }
  });

  test('status and history show the verification', async () => {
    const repo = await createPromoteRepo(registry, { push: false });
    try {
      expect((await record(repo, ['--env', 'stage', '--service', 'api', '--tag', 'sha-3f9c2a1b', '--result', 'healthy'])).code).toBe(0);
      const commit = repo.git(['rev-parse', 'HEAD']).trim();
      const status = JSON.parse((await repo.ferry(['status', '--json'])).stdout) as Record<string, unknown>[];
      expect(status.find((s) => s.environment === 'stage' && s.service === 'api')).toMatchObject({ tag: 'sha-3f9c2a1b', verified: 'healthy', verifiedAt: '2026-03-05T10:00:00Z' });
      expect(status.find((s) => s.environment === 'dev' && s.service === 'api')).not.toHaveProperty('verified');
      const table = (await repo.ferry(['status'])).stdout.split('\n');
      expect(table[0]).toMatch(/^ENV +SERVICE +TAG +DIGEST +SINCE +BY +COMMIT +VERIFIED$/);
      expect(table.find((l) => l.startsWith('stage  api'))).toMatch(/ healthy 2026-03-05T10:00:00Z$/);
      const history = JSON.parse((await repo.ferry(['history', 'api', '--env', 'stage', '--json'])).stdout) as Record<string, unknown>[];
      expect(history.at(-1)).toMatchObject({ tag: 'sha-3f9c2a1b', verification: { result: 'healthy', date: '2026-03-05T10:00:00Z', commit } });
      const text = (await repo.ferry(['history', 'api', '--env', 'stage'])).stdout.split('\n');
      expect(text[0]).toMatch(/^DATE +ENV +CHANGE +KIND +FROM +BY +COMMIT +VERIFIED +OVERRIDES$/);
      expect(text[1]).toMatch(/ healthy 2026-03-05T10:00:00Z +-$/);
    } finally {
      repo.cleanup();
    }
  });

  test('a record survives a promotion pull request landed by merge commit, squash or rebase after it', async () => {
    const repo = await createPromoteRepo(registry, { edit: VERIFIED_PROD });
    try {
      // The pull request's branch is cut before the record lands on main.
      expect((await repo.run(['promote', 'web', '--to', 'stage', '--commit'], NOW)).code).toBe(0);
      expect((await record(repo, ['--env', 'stage', '--service', 'api', '--tag', 'sha-3f9c2a1b', '--result', 'healthy'])).code).toBe(0);
      const branch = 'promote/stage/web-sha-8e1d4c7a';
      const landings: Record<string, () => void> = {
        'merge commit': () => repo.git(['merge', '-q', '--no-ff', '-m', `Merge pull request #1 from ${branch}`, branch]),
        squash: () => {
          repo.git(['merge', '-q', '--squash', branch]);
          repo.git(['commit', '-q', '-m', 'chore(promote): web sha-8e1d4c7a to stage (#1)']);
        },
        rebase: () => {
          repo.git(['rebase', '-q', 'main', branch]);
          repo.git(['checkout', '-q', 'main']);
          repo.git(['merge', '-q', '--ff-only', branch]);
        },
      };
      for (const [how, land] of Object.entries(landings)) {
        const start = repo.git(['rev-parse', 'HEAD']).trim();
        land();
        expect(repo.git(['log', '-1', '--format=%s'])).toMatch(how === 'merge commit' ? /^Merge pull request #1/ : /^chore\(promote\): web sha-8e1d4c7a to stage/);
        const status = JSON.parse((await repo.ferry(['status', '--json'])).stdout) as Record<string, unknown>[];
        expect(status.find((s) => s.environment === 'stage' && s.service === 'api')).toMatchObject({ verified: 'healthy' });
        expect(status.find((s) => s.environment === 'stage' && s.service === 'web')).toMatchObject({ tag: 'sha-8e1d4c7a' });
        expect((await repo.run(['promote', 'api', '--to', 'prod', '--dry-run'], NOW)).code).toBe(0);
        repo.git(['reset', '-q', '--hard', start]);
      }
    } finally {
      repo.cleanup();
    }
  });

  test('--push records on top of a remote that moved (fetch, record again, push)', async () => {
    const repo = await createPromoteRepo(registry, { push: false });
    const remote = remoteThatMoved(repo, { file: '.gitignore', edit: (t) => `${t}*.log\n`, message: 'chore: another push first' });
    try {
      const result = await record(repo, ['--env', 'stage', '--service', 'api', '--tag', 'sha-3f9c2a1b', '--result', 'healthy', '--push'], { ...AT('2026-03-05T10:00:00Z'), FERRY_PUSH_TIMEOUT_MS: '20000' });
      expect(result.stderr).toMatch(/^origin\/main moved \(.*\); fetching and recording again in \d+ ms \(attempt 2 of 12\)\n$/);
      expect(result.stdout).toMatch(/^api sha-3f9c2a1b in stage healthy: recorded in [0-9a-f]{12}, pushed \(2 attempts\)\n$/);
      const remoteLog = execFileSync('git', ['log', '--format=%s', '-3', 'main'], { cwd: remote.bare, encoding: 'utf8' });
      expect(remoteLog).toBe('chore(verify): api sha-3f9c2a1b in stage healthy\nchore: another push first\ninitial platform\n');
      expect(repo.git(['rev-parse', 'HEAD']).trim()).toBe(execFileSync('git', ['rev-parse', 'main'], { cwd: remote.bare, encoding: 'utf8' }).trim());
    } finally {
      remote.cleanup();
      repo.cleanup();
    }
  });
});

/**
 * Pushes that fail: every rejection form is retried with backoff (injected clock), the lock is held
 * through the push, a promotion that did not reach the remote is undone and reported, promotion
 * commits an earlier run left unpushed are pushed first, and a --pr whose pull request cannot be
 * opened leaves nothing behind (or is reused by the rerun).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePushOutput } from '../../lib/git/push-output.js';
import { loadPlatform } from '../../lib/loader/load-platform.js';
import { deliverPromotion } from '../../lib/promote/deliver.js';
import { LOCK_FILE } from '../../lib/promote/lock.js';
import { PromotionError, type PromotionRequest } from '../../lib/promote/promotion.js';
import { backoffDelay, nextDelay, resolveRetryPolicy, type RetryClock } from '../../lib/promote/push-retry.js';
import { OciImageRegistry } from '../../lib/registry/oci-image-registry.js';
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { createPromoteRepo, GIT_ENV, type PromoteRepo } from './promote-fixture.js';

const NOW = { FERRY_NOW: '2026-03-10T12:00:00Z' };

describe('git push --porcelain output', () => {
  test.each([
    ['To /r.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone\n', '', true],
    ['To /r.git\n!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)\nDone\n', '', true],
    ['To /r.git\n!\tHEAD:refs/heads/main\t[rejected] (stale info)\nDone\n', '', true],
    ['To /r.git\n!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)\nDone\n', "remote: error: cannot lock ref 'refs/heads/main': Unable to create '/r.git/./refs/heads/main.lock': File exists.\n", true],
    ['To /r.git\n!\tHEAD:refs/heads/main\t[remote rejected] (cannot lock ref \'refs/heads/main\': is at 1234567 but expected 89abcde)\nDone\n', '', true],
    ['To /r.git\n!\tHEAD:refs/heads/main\t[remote rejected] (incorrect old value provided)\nDone\n', '', true],
    ['', "error: cannot lock ref 'refs/heads/main': is at 1234567abc but expected 89abcdef01\nerror: failed to push some refs to '/r.git'\n", true],
    ['', 'error: failed to push some refs\nhint: Updates were rejected because the remote contains work that you do\n', true],
    ['To /r.git\n!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)\nDone\n', '', false],
    ['', "remote: Permission to o/r.git denied to bot.\nfatal: unable to access 'https://github.com/o/r.git/': The requested URL returned error: 403\n", false],
  ])('%j / %j: contended %s', (stdout, stderr, contended) => {
    const report = parsePushOutput(1, stdout, stderr);
    expect(report.contended).toBe(contended);
    expect(report.message).not.toBe('');
  });

  test('a dropped connection is transient; a clean push is ok', () => {
    expect(parsePushOutput(128, '', 'error: RPC failed; HTTP 502 curl 22\nfatal: the remote end hung up unexpectedly\n')).toMatchObject({ contended: false, transient: true });
    expect(parsePushOutput(0, 'To /r.git\n \tHEAD:refs/heads/main\t1111111..2222222\nDone\n', '')).toMatchObject({ contended: false, transient: false, message: '', refs: [{ flag: ' ', from: 'HEAD', to: 'refs/heads/main', summary: '1111111..2222222' }] });
  });
});

describe('backoff', () => {
  const clock = (start = 0): RetryClock & { t: number } => {
    const c = { t: start, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
    return c;
  };

  test('full jitter under an exponential ceiling scaled by the attempt, capped', () => {
    const max = resolveRetryPolicy({ random: () => 0.999999, baseDelayMs: 100, maxDelayMs: 5000 });
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(max, n))).toEqual([99, 199, 399, 799, 1599, 3199, 4999]);
    expect(backoffDelay(max, 1, 2000)).toBe(1999); // a slow attempt scales the wait
    expect(backoffDelay(resolveRetryPolicy({ random: () => 0 }), 5)).toBe(0);
  });

  test('bounded in count and in total time; env overrides the defaults', () => {
    const c = clock(1000);
    const policy = resolveRetryPolicy({ clock: c, random: () => 0.5, baseDelayMs: 1000, maxDelayMs: 60_000, totalMs: 10_000, attempts: 12 });
    const delays: number[] = [];
    for (let failures = 1; ; failures++) {
      const delay = nextDelay(policy, failures, 1000);
      if (delay === undefined) break;
      delays.push(delay);
      c.t += delay;
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]); // the next (8000) would end past 10 s
    expect(nextDelay(resolveRetryPolicy({ attempts: 3, clock: clock(), random: () => 0 }), 3, 0)).toBeUndefined();
    expect(resolveRetryPolicy({}, { FERRY_PUSH_ATTEMPTS: '5', FERRY_PUSH_TIMEOUT_MS: '9000' })).toMatchObject({ attempts: 5, totalMs: 9000 });
    expect(resolveRetryPolicy({})).toMatchObject({ attempts: 12, totalMs: 120_000 });
    expect(() => resolveRetryPolicy({}, { FERRY_PUSH_ATTEMPTS: 'many' })).toThrow("FERRY_PUSH_ATTEMPTS 'many' is not a positive whole number");
  });
});

describe('delivery with a real bare remote', () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
    for (const tag of ['sha-2d2d2d2d', 'sha-4e4e4e4e']) await registry.pushImage('api', tag);
    await registry.pushImage('web', 'sha-5f5f5f5f');
  });
  afterAll(async () => {
    await registry.stop();
  });

  let repo: PromoteRepo;
  let scratch: string;
  let bare: string;
  beforeEach(async () => {
    repo = await createPromoteRepo(registry);
    scratch = mkdtempSync(join(tmpdir(), 'ferry-remote-'));
    bare = join(scratch, 'platform.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    repo.git(['remote', 'add', 'origin', bare]);
    repo.git(['push', '-q', 'origin', 'main']);
  });
  afterEach(() => {
    repo.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  const remoteLog = (ref = 'main') => execFileSync('git', ['log', '--format=%s', ref], { cwd: bare, encoding: 'utf8' }).trim().split('\n');
  const env = { ...process.env, ...GIT_ENV, ...NOW };
  const request = (tag: string, service = 'api'): PromotionRequest => ({ kind: 'promotion', services: [service], to: 'dev', tag, delivery: 'direct', command: `promote ${service} --to dev --tag ${tag}` });

  async function deliver(tag: string, sleep: (ms: number) => void, attempts = 12) {
    const platform = await loadPlatform(repo.root);
    const log: string[] = [];
    const clock = { t: 0, now: () => clock.t, sleep: async (ms: number) => void ((clock.t += ms), sleep(ms)) };
    const result = deliverPromotion(repo.root, platform, request(tag), OciImageRegistry.forPlatform(platform, { url: registry.url, env }), {
      push: true,
      env,
      log: (l) => void log.push(l),
      retry: { attempts, clock, random: () => 0.5 },
    });
    return { result, log };
  }

  test('a ref locked by another push ([remote rejected] (failed to update ref)) is retried with backoff, holding the promotion lock', async () => {
    const refLock = join(bare, 'refs/heads/main.lock');
    writeFileSync(refLock, '');
    const head = repo.git(['rev-parse', 'HEAD']).trim();
    const sleeps: number[] = [];
    const lockHeld: boolean[] = [];
    const { result, log } = await deliver('sha-2d2d2d2d', (ms) => {
      sleeps.push(ms);
      lockHeld.push(existsSync(join(repo.root, '.git', LOCK_FILE)));
      if (sleeps.length === 2) rmSync(refLock);
    });
    const delivered = await result;
    expect(delivered).toMatchObject({ pushed: true, attempts: 3 });
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(/^origin\/main moved \(push rejected: refs\/heads\/main \[remote rejected\] \(failed to update ref\)\); fetching, resetting to it and promoting again in \d+\.\d s \(attempt 2 of 12\)\n$/);
    expect(sleeps.every((ms) => ms >= 0 && ms < 30_000)).toBe(true);
    expect(lockHeld).toEqual([true, true]);
    expect(existsSync(join(repo.root, '.git', LOCK_FILE))).toBe(false);
    expect(remoteLog()).toEqual(['chore(promote): api sha-2d2d2d2d to dev', 'initial platform']);
    expect(repo.git(['rev-parse', 'HEAD^']).trim()).toBe(head);
    expect(repo.status()).toBe('');
  });

  test('a push that keeps failing is undone and reported NOT PUSHED; the rerun pushes it (not "nothing to promote")', async () => {
    writeFileSync(join(bare, 'refs/heads/main.lock'), '');
    const head = repo.git(['rev-parse', 'HEAD']).trim();
    const { result } = await deliver('sha-2d2d2d2d', () => undefined, 4);
    const error = await result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PromotionError);
    expect((error as Error).message).toMatch(
      /^git push origin main was rejected 4 times in [\d.]+ s \(limits: 4 attempts, 120\.0 s\); last: refs\/heads\/main \[remote rejected\] \(failed to update ref\)\nNOT PUSHED: chore\(promote\): api sha-2d2d2d2d to dev\. The local commit [0-9a-f]{12} is undone \(main is back at [0-9a-f]{12}\); nothing of it reached origin: rerun the promotion\.$/,
    );
    expect(repo.git(['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(repo.status()).toBe('');
    expect(remoteLog()).toEqual(['initial platform']);

    rmSync(join(bare, 'refs/heads/main.lock'));
    const rerun = await repo.run(['promote', 'api', '--to', 'dev', '--tag', 'sha-2d2d2d2d', '--direct', '--push'], NOW);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/\npushed main\n$/);
    expect(remoteLog()).toEqual(['chore(promote): api sha-2d2d2d2d to dev', 'initial platform']);
  });

  test('a hook that declines the push is not retried; the commit is undone; exit 1 through the CLI', async () => {
    const hook = join(bare, 'hooks/pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "branch is protected" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const head = repo.git(['rev-parse', 'HEAD']).trim();
    const result = await repo.run(['promote', 'api', '--to', 'dev', '--tag', 'sha-2d2d2d2d', '--direct', '--push'], NOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ferry promote: git push origin main failed: refs\/heads\/main \[remote rejected\] \(pre-receive hook declined\)\nNOT PUSHED: chore\(promote\): api sha-2d2d2d2d to dev\. The local commit [0-9a-f]{12} is undone/);
    expect(result.stdout).toBe('');
    expect(repo.git(['rev-parse', 'HEAD']).trim()).toBe(head);
    expect(repo.status()).toBe('');
  });

  test('a promotion commit an earlier run left unpushed is pushed first, saying so; one the remote moved past is undone', async () => {
    // An earlier run committed without pushing (an older ferry, or killed between commit and push).
    expect((await repo.run(['promote', 'api', '--to', 'dev', '--tag', 'sha-2d2d2d2d', '--direct'], NOW)).code).toBe(0);
    const rerun = await repo.run(['promote', 'api', '--to', 'dev', '--tag', 'sha-2d2d2d2d', '--direct', '--push'], NOW);
    expect(rerun.stderr).toMatch(/^main has 1 promotion commit an earlier run did not push \([0-9a-f]{12} chore\(promote\): api sha-2d2d2d2d to dev\); pushing it first\npushed the earlier 1 promotion commit to origin\/main\n$/);
    expect(rerun.stdout).toBe('api: dev already runs sha-2d2d2d2d; nothing to promote\n');
    expect(remoteLog()).toEqual(['chore(promote): api sha-2d2d2d2d to dev', 'initial platform']);

    // Another unpushed one, and then the remote moves on.
    expect((await repo.run(['promote', 'api', '--to', 'dev', '--tag', 'sha-4e4e4e4e', '--direct'], NOW)).code).toBe(0);
    const other = join(scratch, 'other');
    execFileSync('git', ['clone', '-q', bare, other]);
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'docs: elsewhere'], { cwd: other, env });
    execFileSync('git', ['push', '-q', 'origin', 'main'], { cwd: other });
    const next = await repo.run(['promote', 'web', '--to', 'dev', '--tag', 'sha-5f5f5f5f', '--direct', '--push'], NOW);
    expect(next.stderr).toMatch(/^main had 1 promotion commit an earlier run did not push \([0-9a-f]{12} chore\(promote\): api sha-4e4e4e4e to dev\), and origin\/main has moved since: undid it \(main is now at [0-9a-f]{12}\); promote it again if still wanted\n$/);
    expect(next.code).toBe(0);
    expect(remoteLog()).toEqual(['chore(promote): web sha-5f5f5f5f to dev', 'docs: elsewhere', 'chore(promote): api sha-2d2d2d2d to dev', 'initial platform']);
    expect(repo.git(['show', 'HEAD:Pulumi.dev.yaml'])).toContain('    api: sha-2d2d2d2d\n');
  });

  describe('--pr whose pull request cannot be opened', () => {
    let answers: number[];
    let api: string;
    let close: () => Promise<void>;
    beforeEach(async () => {
      answers = [];
      const github = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          const status = answers.length === 0 ? 422 : 201;
          answers.push(status);
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(status === 422 ? JSON.stringify({ message: 'Validation Failed', errors: [{ message: 'No commits between main and head' }] }) : JSON.stringify({ number: 18, html_url: 'https://github.com/example-org/shop-platform/pull/18' }));
        });
      });
      await new Promise<void>((r) => github.listen(0, '127.0.0.1', r));
      api = `http://127.0.0.1:${(github.address() as { port: number }).port}`;
      close = () => new Promise((r) => github.close(() => r()));
    });
    afterEach(async () => {
      await close();
    });
    const prEnv = () => ({ ...NOW, GITHUB_TOKEN: 'test-token', GITHUB_API_URL: api, GITHUB_REPOSITORY: '' });
    const branch = 'promote/prod/api-sha-3f9c2a1b';
    const remoteBranches = () => execFileSync('git', ['branch', '--list', 'promote/*'], { cwd: bare, encoding: 'utf8' }).trim();

    test('API 422: the pushed branch is deleted again (remote and local); the rerun opens the pull request', async () => {
      const first = await repo.run(['promote', 'api', '--to', 'prod', '--pr'], prEnv());
      expect(first.code).toBe(1);
      expect(first.stderr).toContain('HTTP 422');
      expect(first.stderr).toContain(`NOT PROPOSED: chore(promote): api sha-3f9c2a1b to prod: no pull request was opened.\nDeleted ${branch} on origin again.\nThe local branch ${branch} is deleted; rerun the promotion.\n`);
      expect(remoteBranches()).toBe('');
      expect(repo.git(['branch', '--list', 'promote/*']).trim()).toBe('');

      const second = await repo.run(['promote', 'api', '--to', 'prod', '--pr'], prEnv());
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('opened pull request #18');
      expect(answers).toEqual([422, 201]);
      expect(remoteBranches()).toBe(branch);
    });

    test('API 422 and the remote refuses the deletion: reported; the rerun reuses the branch it finds with the same change', async () => {
      const hook = join(bare, 'hooks/update');
      writeFileSync(hook, '#!/bin/sh\ncase "$3" in 0000000000000000000000000000000000000000) echo "deletions are not allowed" >&2; exit 1;; esac\nexit 0\n');
      chmodSync(hook, 0o755);
      const first = await repo.run(['promote', 'api', '--to', 'prod', '--pr'], prEnv());
      expect(first.code).toBe(1);
      expect(first.stderr).toContain(`Could not delete ${branch} on origin (refs/heads/${branch} [remote rejected] (hook declined)): delete it with 'git push origin --delete ${branch}', or rerun: a rerun uses the branch when it holds the same change.\n`);
      const pushed = execFileSync('git', ['rev-parse', branch], { cwd: bare, encoding: 'utf8' }).trim();

      const second = await repo.run(['promote', 'api', '--to', 'prod', '--pr'], { ...prEnv(), FERRY_NOW: '2026-03-10T12:05:00Z' });
      // The rerun's commit may come out identical (same tree, message and dates): then the push simply succeeds.
      expect(['', `origin/${branch} exists already with this same change (${pushed.slice(0, 12)}, from an earlier run); using it\n`]).toContain(second.stderr);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('opened pull request #18');
      expect(repo.git(['rev-parse', branch]).trim()).toBe(pushed);
    });
  });
});

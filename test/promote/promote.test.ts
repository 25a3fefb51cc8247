import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { FERRY_BIN, remoteThatMoved } from '../helpers/platform-repo.js';
import { createPromoteRepo, GIT_ENV } from './promote-fixture.js';

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});

const NOW = { FERRY_NOW: '2026-03-10T12:00:00Z' };

test('promoting one service to prod changes exactly the tag line and its overlay, and the tree equals a fresh render', async () => {
  const repo = await createPromoteRepo(registry);
  try {
    const before = repo.read('Pulumi.prod.yaml');
    const result = await repo.run(['promote', 'api', '--to', 'prod', '--commit'], NOW);
    expect(result.stderr).toBe('');
    const branch = 'promote/prod/api-sha-3f9c2a1b';
    expect(repo.git(['diff', '--name-only', 'main', branch]).trim().split('\n')).toEqual(['Pulumi.prod.yaml', 'manifests/overlays/prod/api/kustomization.yaml']);
    expect(repo.git(['diff', '-U0', 'main', branch, '--', 'Pulumi.prod.yaml']).split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-    api: v1.3.2', '+    api: sha-3f9c2a1b']);
    expect(repo.git(['diff', '-U0', 'main', branch, '--', 'manifests/overlays/prod/api/kustomization.yaml']).split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      '-    newTag: v1.3.2',
      '+    newTag: sha-3f9c2a1b',
    ]);
    expect(repo.git(['show', `${branch}:Pulumi.prod.yaml`])).toBe(before.replace('api: v1.3.2', 'api: sha-3f9c2a1b'));
    const digest = await registry.client.manifestDigest('api', 'sha-3f9c2a1b');
    expect(repo.git(['log', '-1', '--format=%B', branch])).toBe(
      `chore(promote): api sha-3f9c2a1b to prod\n\nPromoted-From: stage\nImage-Tag: sha-3f9c2a1b\nImage-Digest: ${digest}\n\n`,
    );
    expect(result.stdout).toContain('--- a/Pulumi.prod.yaml\n+++ b/Pulumi.prod.yaml\n@@ -2,6 +2,6 @@\n config:\n   aws:region: eu-west-1\n   ferry:images:\n-    api: v1.3.2\n+    api: sha-3f9c2a1b\n');
    repo.git(['checkout', '-q', branch]);
    const check = await repo.ferry(['render', '--check']);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
  } finally {
    repo.cleanup();
  }
});

test('several services in one commit; --all skips those already at the tag', async () => {
  const repo = await createPromoteRepo(registry);
  try {
    const result = await repo.run(['promote', '--all', '--to', 'stage', '--direct'], NOW);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      'api: stage already runs sha-3f9c2a1b; nothing to promote',
      expect.stringMatching(/^web: 1\.4\.0-SNAPSHOT-8e1d4c7 -> sha-8e1d4c7a in stage from dev, digest sha256:[0-9a-f]{64}$/),
    ]);
    await registry.pushImage('api', 'sha-8a8a8a8a');
    await registry.pushImage('web', 'sha-9b9b9b9b');
    await repo.commitTag('dev', 'api', 'sha-8a8a8a8a', '2026-03-01T00:00:00Z');
    await repo.commitTag('dev', 'web', 'sha-9b9b9b9b', '2026-03-01T00:00:00Z');
    const both = await repo.run(['promote', 'api', 'web', '--to', 'stage', '--direct'], NOW);
    expect(both.stderr).toBe('');
    const message = repo.git(['log', '-1', '--format=%B']);
    expect(message.split('\n').slice(0, 5)).toEqual(['chore(promote): api sha-8a8a8a8a, web sha-9b9b9b9b to stage', '', 'Promoted-From: dev', 'Image-Tag: api=sha-8a8a8a8a', 'Image-Tag: web=sha-9b9b9b9b']);
    expect(repo.git(['show', '--name-only', '--format=', 'HEAD']).trim().split('\n')).toEqual([
      'Pulumi.stage.yaml',
      'manifests/overlays/stage/api/kustomization.yaml',
      'manifests/overlays/stage/web/kustomization.yaml',
    ]);
  } finally {
    repo.cleanup();
  }
});

test('--release re-tags the stage image as vX.Y.Z (one digest, two tags), pins it and promotes it', async () => {
  const repo = await createPromoteRepo(registry);
  try {
    const digest = await registry.pushImage('api', '1.2.0-SNAPSHOT-7d2a1b3');
    await repo.commitTag('stage', 'api', '1.2.0-SNAPSHOT-7d2a1b3', '2026-03-08T00:00:00Z');
    const result = await repo.run(['promote', 'api', '--to', 'prod', '--release', 'v1.2.0', '--pin-digest', '--commit'], NOW);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')[0]).toBe(`api: v1.3.2 -> v1.2.0 in prod from stage (1.2.0-SNAPSHOT-7d2a1b3 re-tagged as v1.2.0), digest ${digest}`);
    expect(await registry.client.manifestDigest('api', 'v1.2.0')).toBe(digest);
    expect(await registry.client.manifestDigest('api', '1.2.0-SNAPSHOT-7d2a1b3')).toBe(digest);
    const branch = 'promote/prod/api-v1.2.0';
    expect(repo.git(['show', `${branch}:Pulumi.prod.yaml`])).toContain(`    api: v1.2.0\n    web: v1.3.0\n  ferry:logLevel: WARN\n  ferry:digests:\n    api: ${digest}\n`);
    expect(repo.git(['show', `${branch}:manifests/overlays/prod/api/kustomization.yaml`])).toContain(`    newTag: v1.2.0\n    digest: ${digest}\n`);
    expect(repo.git(['log', '-1', '--format=%(trailers:only,unfold)', branch])).toBe(
      `Promoted-From: stage\nImage-Tag: v1.2.0\nImage-Digest: ${digest}\nRelease-Of: 1.2.0-SNAPSHOT-7d2a1b3\n\n`,
    );
    repo.git(['checkout', '-q', branch]);
    expect((await repo.ferry(['render', '--check'])).code).toBe(0);
  } finally {
    repo.cleanup();
  }
});

test('a lock held by a live process refuses a second promotion; a stale lock is taken over', async () => {
  const repo = await createPromoteRepo(registry);
  try {
    const lock = join(repo.root, '.git/ferry-promote.lock');
    const holder = spawn('sleep', ['30']);
    try {
      writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: (await import('node:os')).hostname(), since: '2026-03-10T11:59:00Z', command: 'promote web --to prod' }));
      const refused = await repo.run(['promote', 'api', '--to', 'prod'], NOW);
      expect(refused.stderr).toBe(
        `ferry promote: another promotion is running in this checkout (pid ${holder.pid} on ${(await import('node:os')).hostname()}, since 2026-03-10T11:59:00Z: promote web --to prod); wait for it to finish, or remove ${lock} if that process is gone\n`,
      );
      expect(refused.code).toBe(1);
      expect(repo.status()).toBe('');
    } finally {
      holder.kill();
    }
    await new Promise((r) => holder.once('exit', r));
    const taken = await repo.run(['promote', 'api', '--to', 'prod'], NOW);
    expect(taken.code).toBe(0);
  } finally {
    repo.cleanup();
  }
});

test('two promotions at once: one proceeds, the other fails with a clear message and writes nothing', async () => {
  // A slow front for the registry keeps the first promotion inside its lock while the second starts.
  // 5 s: long enough for the second process to start and reach the lock on a loaded 2-core machine.
  const slow = await proxy(registry.url, 5000);
  const repo = await createPromoteRepo(registry);
  try {
    await registry.pushImage('web', 'sha-1c1c1c1c');
    const env = { ...process.env, ...GIT_ENV, FERRY_NOW: NOW.FERRY_NOW, FERRY_REGISTRY_URL: slow.url };
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [FERRY_BIN, ...args], { cwd: repo.root, env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => void (stdout += d));
        child.stderr.on('data', (d: Buffer) => void (stderr += d));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    const first = run(['promote', 'api', '--to', 'prod']);
    const lock = join(repo.root, '.git/ferry-promote.lock');
    const { existsSync } = await import('node:fs');
    for (let i = 0; i < 2400 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 25));
    expect(existsSync(lock)).toBe(true);
    const second = await run(['promote', 'web', '--to', 'dev', '--tag', 'sha-1c1c1c1c']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^ferry promote: another promotion is running in this checkout \(pid \d+ on .+, since .+: promote api --to prod\); wait for it to finish, or remove .+ferry-promote\.lock if that process is gone\n$/);
    const done = await first;
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(repo.git(['status', '--porcelain']).trimEnd().split('\n').map((l) => l.slice(3))).toEqual(['Pulumi.prod.yaml', 'manifests/overlays/prod/api/kustomization.yaml']);
    expect(existsSync(lock)).toBe(false);
  } finally {
    repo.cleanup();
    await slow.close();
  }
});

test('a failure after writing (the commit is rejected by a hook) leaves the working tree, branches and HEAD as they were', async () => {
  const repo = await createPromoteRepo(registry);
  try {
    const hook = join(repo.root, '.git/hooks/pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho "policy: no commits today" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const files = ['Pulumi.prod.yaml', 'manifests/overlays/prod/api/kustomization.yaml'].map((f) => repo.read(f));
    const result = await repo.run(['promote', 'api', '--to', 'prod', '--commit'], NOW);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ferry promote: git commit -q -F - -- Pulumi\.prod\.yaml manifests\/overlays\/prod\/api\/kustomization\.yaml failed \(exit 1\): policy: no commits today\n$/);
    expect(repo.status()).toBe('');
    expect(['Pulumi.prod.yaml', 'manifests/overlays/prod/api/kustomization.yaml'].map((f) => repo.read(f))).toEqual(files);
    expect(repo.git(['branch', '--format=%(refname:short)']).trim()).toBe('main');
    expect(repo.git(['symbolic-ref', '--short', 'HEAD']).trim()).toBe('main');
    expect(repo.git(['log', '--format=%s']).trim()).toBe('initial platform');
  } finally {
    repo.cleanup();
  }
});

test('--direct --push retries when the remote moved: fetch, reset, promote again, push', async () => {
  const repo = await createPromoteRepo(registry);
  // Another promotion lands first, from another clone.
  const remote = remoteThatMoved(repo, { file: 'Pulumi.dev.yaml', edit: (text) => text.replace('# dev:', '# dev (edited elsewhere):'), message: 'docs: dev comment' });
  try {
    const { bare, moved } = remote;

    await registry.pushImage('api', 'sha-2d2d2d2d');
    const result = await repo.run(['promote', 'api', '--to', 'dev', '--tag', 'sha-2d2d2d2d', '--direct', '--push'], NOW);
    expect(result.stderr).toMatch(/^origin\/main moved \(push rejected: refs\/heads\/main \[rejected\] \((?:fetch first|non-fast-forward)\)\); fetching, resetting to it and promoting again in \d+\.\d s \(attempt 2 of 12\)\n$/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\npushed main \(after 2 attempts\)\n$/);
    const remoteHead = execFileSync('git', ['log', '-1', '--format=%P %s', 'main'], { cwd: bare, encoding: 'utf8' }).trim();
    expect(remoteHead).toBe(`${moved} chore(promote): api sha-2d2d2d2d to dev`);
    const remoteDev = execFileSync('git', ['show', 'main:Pulumi.dev.yaml'], { cwd: bare, encoding: 'utf8' });
    expect(remoteDev).toContain('# dev (edited elsewhere):');
    expect(remoteDev).toContain('    api: sha-2d2d2d2d\n');
    expect(repo.status()).toBe('');
  } finally {
    repo.cleanup();
    remote.cleanup();
  }
});

test('--pr pushes the branch and opens a pull request with the review checklist', async () => {
  const repo = await createPromoteRepo(registry);
  const scratch = mkdtempSync(join(tmpdir(), 'ferry-remote-'));
  const requests: { url: string; auth: string | undefined; body: Record<string, unknown> }[] = [];
  const github = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => void (body += d));
    req.on('end', () => {
      requests.push({ url: `${req.method} ${req.url}`, auth: req.headers.authorization, body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ number: 17, html_url: 'https://github.com/example-org/shop-platform/pull/17' }));
    });
  });
  await new Promise<void>((r) => github.listen(0, '127.0.0.1', r));
  try {
    const bare = join(scratch, 'platform.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    repo.git(['remote', 'add', 'origin', bare]);
    const api = `http://127.0.0.1:${(github.address() as { port: number }).port}`;
    const result = await repo.run(['promote', 'api', '--to', 'prod', '--pr'], { ...NOW, GITHUB_TOKEN: 'test-token', GITHUB_API_URL: api, GITHUB_REPOSITORY: '' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/\npushed promote\/prod\/api-sha-3f9c2a1b\nopened pull request #17: https:\/\/github.com\/example-org\/shop-platform\/pull\/17\n$/);
    expect(execFileSync('git', ['log', '-1', '--format=%s', 'promote/prod/api-sha-3f9c2a1b'], { cwd: bare, encoding: 'utf8' }).trim()).toBe('chore(promote): api sha-3f9c2a1b to prod');
    expect(requests).toHaveLength(1);
    const pr = requests[0]!;
    expect(pr.url).toBe('POST /repos/example-org/shop-platform/pulls');
    expect(pr.auth).toBe('Bearer test-token');
    expect(pr.body).toMatchObject({ title: 'chore(promote): api sha-3f9c2a1b to prod', head: 'promote/prod/api-sha-3f9c2a1b', base: 'main' });
    const body = pr.body.body as string;
    expect(body).toContain('- [ ] api: the tag matches stage: sha-3f9c2a1b is what runs (or ran) there\n');
    expect(body).toContain('- [ ] api: stage has been stable with sha-3f9c2a1b for at least 24h (checked at 2026-03-10T12:00:00Z)\n');
    expect(body).toContain('- [ ] api: rollback plan: `ferry rollback api --env prod --to v1.3.2`\n');
    expect(body).toContain('- [ ] someone syncs the Argo CD Applications in prod after the merge and watches the rollout\n');
  } finally {
    await new Promise((r) => github.close(r));
    repo.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  }
});

/** An HTTP proxy to `target` that delays every answer. */
async function proxy(target: string, delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer: IncomingMessage) => {
      setTimeout(() => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      }, delayMs);
    });
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

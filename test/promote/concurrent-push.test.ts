/**
 * The promote-dev load: 20 `ferry promote <service> --to dev --tag <tag> --direct --push` runs
 * started at once, as real processes, from 20 clones of one bare remote. Every promotion must land
 * exactly once (or fail loudly with its clone restored, and land on a rerun); the remote's tree must
 * render clean afterwards.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { manyServicesFixture, serviceName } from '../helpers/many-services.js';
import { createPlatformRepo, FERRY_BIN, linkEngine, type CliResult } from '../helpers/platform-repo.js';

const COUNT = 20;

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'ferry-bot',
  GIT_AUTHOR_EMAIL: 'ferry-bot@users.noreply.github.com',
  GIT_COMMITTER_NAME: 'ferry-bot',
  GIT_COMMITTER_EMAIL: 'ferry-bot@users.noreply.github.com',
};

function ferryAsync(cwd: string, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FERRY_BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The tag svc-NN is promoted to: sha-<8 hex>, distinct per service. */
function tagOf(index: number): string {
  return `sha-${(0xa0000000 + index * 0x01010101).toString(16).slice(0, 8)}`;
}

/** Attempts a run's output reports: `pushed main (after N attempts)`, else 1. */
function attemptsOf(stdout: string): number {
  const match = /\npushed main \(after (\d+) attempts\)\n/.exec(stdout);
  return match ? Number(match[1]) : 1;
}

test(`${COUNT} concurrent --direct --push promotions from ${COUNT} clones: all land once, none lost, the tree renders clean`, async () => {
  const fixture = manyServicesFixture(COUNT);
  const scratch = mkdtempSync(join(tmpdir(), 'ferry-concurrency-'));
  const seed = await createPlatformRepo({ fixture, initialDate: '2026-01-01T00:00:00Z' });
  try {
    await Promise.all(Array.from({ length: COUNT }, (_, i) => registry.pushImage(serviceName(i), tagOf(i))));
    const bare = join(scratch, 'platform.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    seed.git(['push', '-q', bare, 'main']);
    const clones = Array.from({ length: COUNT }, (_, i) => {
      const clone = join(scratch, `clone-${i + 1}`);
      execFileSync('git', ['clone', '-q', bare, clone]);
      linkEngine(clone);
      return clone;
    });
    const env = { ...GIT_IDENTITY, FERRY_REGISTRY_URL: registry.url };
    const command = (i: number) => ['promote', serviceName(i), '--to', 'dev', '--tag', tagOf(i), '--direct', '--push'];

    const started = Date.now();
    const runs = await Promise.all(clones.map((clone, i) => ferryAsync(clone, command(i), env)));
    const firstRoundMs = Date.now() - started;

    // A run that failed must say what was not pushed and leave its clone without the commit; its rerun lands it.
    const failed = runs.map((r, i) => ({ r, i })).filter(({ r }) => r.code !== 0);
    for (const { r, i } of failed) {
      expect(r.stderr).toContain('NOT PUSHED');
      const clone = clones[i]!;
      expect(execFileSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' })).toBe('');
      execFileSync('git', ['fetch', '-q', 'origin'], { cwd: clone });
      expect(execFileSync('git', ['rev-list', 'origin/main..main'], { cwd: clone, encoding: 'utf8' })).toBe('');
    }
    // Reruns one at a time: a rerun that raced again would prove nothing more.
    const reruns: CliResult[] = [];
    for (const { i } of failed) reruns.push(await ferryAsync(clones[i]!, command(i), env));
    for (const rerun of reruns) expect(rerun).toMatchObject({ code: 0 });

    // On the remote: one commit per service, each tag in the stack file, nothing else.
    const subjects = execFileSync('git', ['log', '--format=%s', 'main'], { cwd: bare, encoding: 'utf8' }).trim().split('\n');
    const promotions = subjects.filter((s) => s.startsWith('chore(promote): '));
    const trailers = execFileSync('git', ['log', '--format=%(trailers:key=Image-Tag,valueonly)', 'main'], { cwd: bare, encoding: 'utf8' }).split('\n').filter(Boolean);
    const expected = Array.from({ length: COUNT }, (_, i) => `chore(promote): ${serviceName(i)} ${tagOf(i)} to dev`);
    expect([...promotions].sort()).toEqual([...expected].sort());
    expect(trailers.sort()).toEqual(Array.from({ length: COUNT }, (_, i) => tagOf(i)).sort());
    expect(subjects).toHaveLength(COUNT + 1);
    const dev = execFileSync('git', ['show', 'main:Pulumi.dev.yaml'], { cwd: bare, encoding: 'utf8' });
    for (let i = 0; i < COUNT; i++) expect(dev).toContain(`    ${serviceName(i)}: ${tagOf(i)}\n`);
    // First-parent history is linear: every promotion was a fast-forward of the one before.
    expect(execFileSync('git', ['rev-list', '--merges', 'main'], { cwd: bare, encoding: 'utf8' })).toBe('');

    const fresh = join(scratch, 'fresh');
    execFileSync('git', ['clone', '-q', bare, fresh]);
    linkEngine(fresh);
    const check = await ferryAsync(fresh, ['render', '--check'], {});
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);

    const attempts = runs.filter((r) => r.code === 0).map((r) => attemptsOf(r.stdout));
    const distribution: Record<number, number> = {};
    for (const a of attempts) distribution[a] = (distribution[a] ?? 0) + 1;
    const figures = {
      landedFirstRound: runs.length - failed.length,
      failedFirstRound: failed.length,
      landedOnRerun: reruns.filter((r) => r.code === 0).length,
      lost: COUNT - promotions.length,
      duplicated: promotions.length - new Set(promotions).size,
      attempts: distribution,
      maxAttempts: Math.max(...attempts),
      firstRoundSeconds: Math.round(firstRoundMs / 100) / 10,
    };
    if (process.env.FERRY_CONCURRENCY_REPORT) writeFileSync(process.env.FERRY_CONCURRENCY_REPORT, `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    seed.cleanup();
    rmSync(scratch, { recursive: true, force: true });
    rmSync(fixture, { recursive: true, force: true });
  }
}, 8 * 60_000);

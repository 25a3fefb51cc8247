/**
 * promote-dev.yaml's exact command, run as the workflow runs it, against a bare remote that another
 * clone advanced first: the promotion must land on top of the other commit, not fail or overwrite it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { createPlatformRepo, remoteThatMoved, REPO_ROOT, type MovedRemote } from '../helpers/platform-repo.js';
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';

/** The `run:` and `env:` of the step that promotes, from the workflow file itself. */
function promoteStep(): { run: string; env: Record<string, string> } {
  const workflow = YAML.parse(readFileSync(join(REPO_ROOT, '.github/workflows/promote-dev.yaml'), 'utf8'));
  const step = workflow.jobs.promote.steps.find((s: { name?: string }) => s.name === 'Promote to dev');
  return { run: step.run, env: step.env };
}

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});

test("promote-dev.yaml's command lands on top of a promotion another clone pushed first", async () => {
  const step = promoteStep();
  expect(step.run).toContain('node bin/ferry.js promote --to dev --tag "$TAG" --direct --push -- "$SERVICE"');
  // What the runner puts in the step's environment: the payload through env:, nothing expanded in run:.
  expect(step.env).toMatchObject({ SERVICE: '${{ github.event.client_payload.service }}', TAG: '${{ github.event.client_payload.tag }}' });

  const repo = await createPlatformRepo({ initialDate: '2026-01-01T00:00:00Z', engineCopy: true });
  let remote: MovedRemote | undefined;
  try {
    for (const [service, tag] of [['api', 'sha-3f9c2a1b'], ['web', 'sha-8e1d4c7a'], ['web', 'sha-5e6f7a8b'], ['api', 'sha-1a2b3c4d']]) await registry.pushImage(service!, tag!);
    // Another promote-dev run (web) pushes first, from its own clone.
    remote = remoteThatMoved(repo, {
      file: 'Pulumi.dev.yaml',
      edit: (text) => text.replace('    web: sha-8e1d4c7a', '    web: sha-5e6f7a8b'),
      message: 'chore(promote): web sha-5e6f7a8b to dev',
    });
    const { bare, moved } = remote;

    // This run still has the old main checked out, as a runner that started earlier would.
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', step.run], {
      cwd: repo.root,
      encoding: 'utf8',
      env: {
        ...process.env,
        SERVICE: 'api',
        TAG: 'sha-1a2b3c4d',
        DIGEST: 'sha256:' + '0'.repeat(64),
        GITHUB_TOKEN: 'not-used-for-a-local-remote',
        GIT_AUTHOR_NAME: 'ferry-bot',
        GIT_AUTHOR_EMAIL: 'ferry-bot@users.noreply.github.com',
        GIT_COMMITTER_NAME: 'ferry-bot',
        GIT_COMMITTER_EMAIL: 'ferry-bot@users.noreply.github.com',
        FERRY_REGISTRY_URL: registry.url,
      },
    });
    expect(result.stderr).toMatch(/origin\/main moved \(push rejected: refs\/heads\/main \[rejected\] \((?:fetch first|non-fast-forward)\)\); fetching, resetting to it and promoting again in \d+\.\d s \(attempt 2 of 12\)/);
    expect(result.status).toBe(0);

    const log = execFileSync('git', ['log', '--format=%P|%an|%s', '-2', 'main'], { cwd: bare, encoding: 'utf8' }).trim().split('\n');
    expect(log[0]).toBe(`${moved}|ferry-bot|chore(promote): api sha-1a2b3c4d to dev`);
    const remoteDev = execFileSync('git', ['show', 'main:Pulumi.dev.yaml'], { cwd: bare, encoding: 'utf8' });
    expect(remoteDev).toContain('    api: sha-1a2b3c4d\n');
    expect(remoteDev).toContain('    web: sha-5e6f7a8b\n');
  } finally {
    repo.cleanup();
    remote?.cleanup();
  }
});

test.each(['--all', '-h', '--to=prod'])("promote-dev.yaml's command with SERVICE=%s: refused as a service, never read as an option; nothing written", async (service) => {
  const step = promoteStep();
  // An engine checkout, so the workflow's `node bin/ferry.js` exists in the repository.
  const repo = await createPlatformRepo({ initialDate: '2026-01-01T00:00:00Z', engineCopy: true });
  try {
    const head = repo.git(['rev-parse', 'HEAD']);
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', step.run], {
      cwd: repo.root,
      encoding: 'utf8',
      env: { ...process.env, SERVICE: service, TAG: 'sha-1a2b3c4d', DIGEST: '', FERRY_REGISTRY_URL: registry.url },
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 2, stderr: expect.stringContaining(`ferry promote: service ${JSON.stringify(service)} starts with '-'; service names are DNS labels`) });
    expect(repo.git(['rev-parse', 'HEAD'])).toBe(head);
    expect(repo.git(['status', '--porcelain'])).toBe('');
  } finally {
    repo.cleanup();
  }
});

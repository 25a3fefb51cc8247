/**
 * verify.yaml reacts to the cluster's repository_dispatch events: its record step, run as the
 * workflow runs it (bash, the payload only through env:), against a bare remote that another
 * clone advanced first; and the shape of the loop: event types, permissions, the rollback path and
 * the GitHub Deployments the promote workflows create.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { NOTIFICATION_TRIGGERS } from '../../constructs/notifications-config.js';
import { createPlatformRepo, remoteThatMoved, REPO_ROOT } from '../helpers/platform-repo.js';

const workflow = (file: string) => YAML.parse(readFileSync(join(REPO_ROOT, '.github/workflows', file), 'utf8'));
const verify = workflow('verify.yaml');
const steps = verify.jobs.verify.steps as { name?: string; run?: string; env?: Record<string, string>; if?: string; uses?: string }[];
const step = (name: string) => steps.find((s) => s.name === name)!;

test('verify.yaml runs on exactly the event types the notifications send, and polls nothing', () => {
  expect(Object.keys(verify.on)).toEqual(['repository_dispatch']);
  expect(verify.on.repository_dispatch.types).toEqual(Object.values(NOTIFICATION_TRIGGERS));
  const text = readFileSync(join(REPO_ROOT, '.github/workflows/verify.yaml'), 'utf8');
  expect(text).not.toMatch(/ARGOCD_URL|ARGOCD_AUTH_TOKEN|ferry\.js verify (?!record )/);
  expect(text).toContain('node bin/ferry.js verify record ');
  expect(verify.jobs.verify.permissions).toEqual({ contents: 'write', 'pull-requests': 'write', deployments: 'write', 'id-token': 'write' });
  expect(verify.jobs.verify.concurrency).toEqual({ group: 'ferry-promote-${{ github.event.client_payload.environment }}-${{ github.event.client_payload.service }}', 'cancel-in-progress': false });
});

test('degraded and aborted open the rollback pull request; every result sets the Deployment status', () => {
  const rollback = step('Open the rollback pull request');
  expect(rollback.if).toBe("steps.record.outputs.result == 'degraded' || steps.record.outputs.result == 'aborted'");
  expect(rollback.run).toBe('node bin/ferry.js rollback --env="$ENVIRONMENT" --pr -- "$SERVICE"');
  const status = step('Set the GitHub Deployment status');
  expect(status.run).toContain('state=failure\nif [ "$RESULT" = healthy ]; then state=success; fi');
  expect(status.run).toContain('/deployments/$id/statuses');
  for (const s of steps) for (const value of Object.values(s.env ?? {})) if (value.includes('client_payload')) expect(s.run ?? '').not.toContain('client_payload');
});

test('the promote workflows create a GitHub Deployment per environment with the service and tag', () => {
  const dev = workflow('promote-dev.yaml').jobs.promote;
  expect(dev.permissions).toEqual({ contents: 'write', deployments: 'write', 'id-token': 'write' });
  const create = dev.steps.find((s: { name?: string }) => s.name === 'Create the GitHub Deployment');
  expect(create.env).toEqual({ SERVICE: '${{ github.event.client_payload.service }}', TAG: '${{ github.event.client_payload.tag }}', GH_TOKEN: '${{ github.token }}' });
  expect(create.run).toContain('environment: "dev"');
  for (const job of ['promote', 'promote-production']) {
    const promote = workflow('promote.yaml').jobs[job];
    expect(promote.permissions.deployments).toBe('write');
    expect(promote.steps.at(-1).name).toBe('Create the GitHub Deployment');
  }
});

describe("verify.yaml's record step, run by bash as the runner does", () => {
  const record = step('Record the verification');

  test.each([
    ['argocd-sync-succeeded', 'healthy', ''],
    ['argocd-rollout-aborted', 'aborted', 'Rollout api: RolloutAborted: Metric "health-check" assessed Failed'],
  ])('%s is recorded as %s on top of a remote that moved', async (event, result, detail) => {
    expect(record.env).toMatchObject({ EVENT_TYPE: '${{ github.event.action }}', ENVIRONMENT: '${{ github.event.client_payload.environment }}', REVISION: '${{ github.event.client_payload.revision }}' });
    const repo = await createPlatformRepo({ initialDate: '2026-01-01T00:00:00Z', engineCopy: true });
    const revision = repo.git(['rev-parse', 'HEAD']).trim();
    const remote = remoteThatMoved(repo, { file: '.gitignore', edit: (t) => `${t}*.log\n`, message: 'chore(promote): another promotion first' });
    try {
      const output = join(repo.root, '.git', 'github-output');
      const run = spawnSync('bash', ['-euo', 'pipefail', '-c', record.run!], {
        cwd: repo.root,
        encoding: 'utf8',
        env: {
          ...process.env,
          EVENT_TYPE: event,
          ENVIRONMENT: 'stage',
          SERVICE: 'api',
          REVISION: revision,
          DETAIL: detail,
          GITHUB_OUTPUT: output,
          GITHUB_TOKEN: 'not-used-for-a-local-remote',
          GIT_AUTHOR_NAME: 'ferry-bot',
          GIT_AUTHOR_EMAIL: 'ferry-bot@users.noreply.github.com',
          GIT_COMMITTER_NAME: 'ferry-bot',
          GIT_COMMITTER_EMAIL: 'ferry-bot@users.noreply.github.com',
        },
      });
      expect(run.stdout).toMatch(new RegExp(`^api sha-3f9c2a1b in stage ${result}: recorded in [0-9a-f]{12}, pushed \\(2 attempts\\)\\n$`));
      expect(run.status).toBe(0);
      expect(readFileSync(output, 'utf8')).toBe(`result=${result}\n`);
      const log = execFileSync('git', ['log', '-2', '--format=%s%n%(trailers:key=Verification,key=Verified-Revision,key=Verification-Detail)', 'main'], { cwd: remote.bare, encoding: 'utf8' });
      expect(log).toBe(
        `chore(verify): api sha-3f9c2a1b in stage ${result}\nVerification: ${result}\nVerified-Revision: ${revision}\n${detail ? `Verification-Detail: ${detail}\n` : ''}\nchore(promote): another promotion first\n\n`,
      );
    } finally {
      remote.cleanup();
      repo.cleanup();
    }
  });

  test('a forged payload is refused: unknown event type, or an environment that is an option', async () => {
    const repo = await createPlatformRepo({ initialDate: '2026-01-01T00:00:00Z', engineCopy: true });
    try {
      const run = (env: Record<string, string>) =>
        spawnSync('bash', ['-euo', 'pipefail', '-c', record.run!], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, GITHUB_OUTPUT: '/dev/null', SERVICE: 'api', REVISION: '', DETAIL: '', ...env } });
      const unknown = run({ EVENT_TYPE: 'image-published', ENVIRONMENT: 'stage' });
      expect(unknown.stderr).toBe("unexpected event type 'image-published'\n");
      expect(unknown.status).toBe(1);
      const option = run({ EVENT_TYPE: 'argocd-sync-succeeded', ENVIRONMENT: '--push' });
      expect(option.stderr).toBe("ferry verify record: unknown environment '--push'; environments: dev → stage → prod\n");
      expect(option.status).toBe(2);
      expect(repo.git(['rev-list', '--count', 'HEAD']).trim()).toBe('1');
    } finally {
      repo.cleanup();
    }
  });
});

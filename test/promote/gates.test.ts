import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { createPromoteRepo, editPlatform, type PromoteRepo } from './promote-fixture.js';

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});

const NOW = '2026-03-10T12:00:00Z';

/** Runs a refused promotion and asserts the exact message and that no file changed. */
async function expectRefused(repo: PromoteRepo, args: string[], message: string, env: Record<string, string> = { FERRY_NOW: NOW }): Promise<void> {
  const files = ['Pulumi.dev.yaml', 'Pulumi.stage.yaml', 'Pulumi.prod.yaml', 'manifests/overlays/prod/api/kustomization.yaml'].map((f) => repo.read(f));
  const head = repo.git(['rev-parse', 'HEAD']);
  const branches = repo.git(['branch', '--list']);
  const result = await repo.run(args, env);
  expect(result.stderr).toBe(`ferry promote: ${message}\n`);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(repo.status()).toBe('');
  expect(repo.git(['rev-parse', 'HEAD'])).toBe(head);
  expect(repo.git(['branch', '--list'])).toBe(branches);
  expect(['Pulumi.dev.yaml', 'Pulumi.stage.yaml', 'Pulumi.prod.yaml', 'manifests/overlays/prod/api/kustomization.yaml'].map((f) => repo.read(f))).toEqual(files);
}

async function expectPromoted(repo: PromoteRepo, args: string[], env: Record<string, string> = { FERRY_NOW: NOW }): Promise<string> {
  const result = await repo.run(args, env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

describe('gate tag-format', () => {
  test('refuses a snapshot tag for prod, naming file, key, value and the allowed formats', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await expectRefused(
        repo,
        ['promote', 'web', '--to', 'prod'],
        `gate 'tag-format': Pulumi.prod.yaml: ferry:images.web: image tag '1.4.0-SNAPSHOT-8e1d4c7' matches no allowed format; allowed formats: vX.Y.Z (e.g. v1.2.0), sha-<8 hex> (e.g. sha-1a2b3c4d); override with --override tag-format --reason "..."`,
      );
    } finally {
      repo.cleanup();
    }
  });

  test('passes a sha tag to prod', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      const out = await expectPromoted(repo, ['promote', 'api', '--to', 'prod']);
      expect(out).toMatch(/^api: v1\.3\.2 -> sha-3f9c2a1b in prod from stage, digest sha256:[0-9a-f]{64}\n/);
    } finally {
      repo.cleanup();
    }
  });
});

describe('gate order', () => {
  test('refuses a tag that never ran upstream', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await registry.pushImage('api', 'sha-0a0a0a0a');
      await expectRefused(
        repo,
        ['promote', 'api', '--to', 'prod', '--tag', 'sha-0a0a0a0a', '--override', 'soak', '--reason', 'only order is under test'],
        `gate 'order': sha-0a0a0a0a has never run in stage (Pulumi.stage.yaml: ferry:images.api is sha-3f9c2a1b; its git history holds sha-3f9c2a1b); promote it to stage first; override with --override order --reason "..."`,
      );
    } finally {
      repo.cleanup();
    }
  });

  test('passes a tag that ran upstream and was replaced since', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await registry.pushImage('api', 'sha-1b1b1b1b');
      await repo.commitTag('stage', 'api', 'sha-1b1b1b1b', '2026-03-01T00:00:00Z');
      await repo.commitTag('stage', 'api', 'sha-3f9c2a1b', '2026-03-05T00:00:00Z');
      const out = await expectPromoted(repo, ['promote', 'api', '--to', 'prod', '--tag', 'sha-1b1b1b1b']);
      expect(out.split('\n')[0]).toMatch(/^api: v1\.3\.2 -> sha-1b1b1b1b in prod from stage, digest sha256:/);
    } finally {
      repo.cleanup();
    }
  });
});

describe('gate soak', () => {
  test('refuses a tag that ran upstream for less than soakHours, measured from its commit', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await registry.pushImage('api', 'sha-2c2c2c2c');
      const commit = await repo.commitTag('stage', 'api', 'sha-2c2c2c2c', '2026-03-10T08:48:00Z');
      await expectRefused(
        repo,
        ['promote', 'api', '--to', 'prod'],
        `gate 'soak': sha-2c2c2c2c has run in stage for 3h 12m since 2026-03-10T08:48:00Z (commit ${commit.slice(0, 7)}); prod requires 24h; override with --override soak --reason "..."`,
      );
    } finally {
      repo.cleanup();
    }
  });

  test('passes after 24h, and counts a finished span until the commit that replaced it', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await registry.pushImage('api', 'sha-3d3d3d3d');
      await repo.commitTag('stage', 'api', 'sha-3d3d3d3d', '2026-03-09T10:00:00Z');
      await expectPromoted(repo, ['promote', 'api', '--to', 'prod']);
      repo.git(['checkout', '-q', '--', '.']);
      const replaced = await repo.commitTag('stage', 'api', 'sha-3f9c2a1b', '2026-03-09T12:00:00Z');
      const started = repo.git(['log', '-1', '--format=%H', 'HEAD~1']).trim();
      await expectRefused(
        repo,
        ['promote', 'api', '--to', 'prod', '--tag', 'sha-3d3d3d3d'],
        `gate 'soak': sha-3d3d3d3d ran in stage for 2h 0m, from 2026-03-09T10:00:00Z (commit ${started.slice(0, 7)}) until 2026-03-09T12:00:00Z (replaced by sha-3f9c2a1b); prod requires 24h; override with --override soak --reason "..."`,
      );
      expect(replaced).not.toBe(started);
    } finally {
      repo.cleanup();
    }
  });

  test('an override passes the gate and is recorded in the Gate-Overrides trailer', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await registry.pushImage('api', 'sha-4e4e4e4e');
      await repo.commitTag('stage', 'api', 'sha-4e4e4e4e', '2026-03-10T11:00:00Z');
      const out = await expectPromoted(repo, ['promote', 'api', '--to', 'prod', '--commit', '--override', 'soak', '--reason', 'hotfix for INC-42']);
      expect(out).toContain('api: OVERRIDDEN gate \'soak\': sha-4e4e4e4e has run in stage for 1h 0m since 2026-03-10T11:00:00Z');
      const trailers = repo.git(['log', '-1', '--format=%(trailers:only,unfold)', 'promote/prod/api-sha-4e4e4e4e']);
      expect(trailers).toContain('Gate-Overrides: soak; reason: hotfix for INC-42\n');
    } finally {
      repo.cleanup();
    }
  });

  test('an override without --reason is refused', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await expectRefused(repo, ['promote', 'api', '--to', 'prod', '--override', 'soak'], '--override soak needs --reason "..." saying why; it is recorded in the commit');
      await expectRefused(repo, ['promote', 'api', '--to', 'prod', '--override', 'speed', '--reason', 'x'], "--override 'speed': no such gate for prod; gates: tag-format, order, soak, verified, approval, freeze, image");
    } finally {
      repo.cleanup();
    }
  });
});

describe('gate approval', () => {
  test('refuses a direct commit to the default branch for an environment that requires review', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await expectRefused(
        repo,
        ['promote', 'api', '--to', 'prod', '--direct'],
        `gate 'approval': prod requires review: promotions land through a pull request, not a direct commit on 'main'; use --commit (a promote/prod/... branch) or --pr; override with --override approval --reason "..."`,
      );
    } finally {
      repo.cleanup();
    }
  });

  test('passes through a promote/ branch, leaving the checkout on main', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      const out = await expectPromoted(repo, ['promote', 'api', '--to', 'prod', '--commit']);
      expect(out).toMatch(/\ncommitted [0-9a-f]{12} on promote\/prod\/api-sha-3f9c2a1b: chore\(promote\): api sha-3f9c2a1b to prod\n$/);
      expect(repo.git(['symbolic-ref', '--short', 'HEAD']).trim()).toBe('main');
      expect(repo.status()).toBe('');
    } finally {
      repo.cleanup();
    }
  });

  test('a direct commit to an environment without review passes', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await registry.pushImage('api', 'sha-5f5f5f5f');
      await expectPromoted(repo, ['promote', 'api', '--to', 'dev', '--tag', 'sha-5f5f5f5f', '--direct']);
      expect(repo.git(['log', '-1', '--format=%s']).trim()).toBe('chore(promote): api sha-5f5f5f5f to dev');
    } finally {
      repo.cleanup();
    }
  });
});

describe('gate freeze', () => {
  const frozen = editPlatform((text) =>
    text.replace(
      "Profiles.production({ approvers: ['@example-org/release-managers'] })",
      "Profiles.production({ approvers: ['@example-org/release-managers'], freezeWindows: [{ reason: 'weekend freeze', timeZone: 'Europe/Berlin', days: [5], start: '16:00', end: '08:00' }] })",
    ),
  );

  test('refuses inside a window, in the window\'s time zone', async () => {
    const repo = await createPromoteRepo(registry, { edit: frozen });
    try {
      // Friday 17:30 UTC is 18:30 in Berlin (CET).
      await expectRefused(
        repo,
        ['promote', 'api', '--to', 'prod'],
        `gate 'freeze': prod is frozen: weekend freeze (Fri 16:00-08:00 Europe/Berlin; now Fri 18:30 Europe/Berlin, 2026-03-13T17:30:00Z); override with --override freeze --reason "..."`,
        { FERRY_NOW: '2026-03-13T17:30:00Z' },
      );
      // The window runs into Saturday morning.
      await expectRefused(
        repo,
        ['promote', 'api', '--to', 'prod'],
        `gate 'freeze': prod is frozen: weekend freeze (Fri 16:00-08:00 Europe/Berlin; now Sat 07:59 Europe/Berlin, 2026-03-14T06:59:00Z); override with --override freeze --reason "..."`,
        { FERRY_NOW: '2026-03-14T06:59:00Z' },
      );
    } finally {
      repo.cleanup();
    }
  });

  test('passes outside the window', async () => {
    const repo = await createPromoteRepo(registry, { edit: frozen });
    try {
      // Friday 14:30 UTC is 15:30 in Berlin: before the window opens.
      await expectPromoted(repo, ['promote', 'api', '--to', 'prod'], { FERRY_NOW: '2026-03-13T14:30:00Z' });
    } finally {
      repo.cleanup();
    }
  });
});

describe('gate image', () => {
  test('refuses a tag the registry does not have', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await expectRefused(
        repo,
        ['promote', 'api', '--to', 'dev', '--tag', 'sha-6a6a6a6a'],
        `gate 'image': 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:sha-6a6a6a6a (at ${registry.url}) does not exist in the registry; push the image first or check the tag; override with --override image --reason "..."`,
      );
    } finally {
      repo.cleanup();
    }
  });

  test('--override image skips the registry check and says so: OVERRIDDEN in the report', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      const result = await repo.run(['promote', 'api', '--to', 'dev', '--tag', 'sha-6a6a6a6b', '--override', 'image', '--reason', 'registry outage INC-7']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        `api: OVERRIDDEN gate 'image': not checked: whether 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:sha-6a6a6a6b (at ${registry.url}) exists in the registry is unknown`,
      );
    } finally {
      repo.cleanup();
    }
  });

  test('--dry-run prints the diff and writes nothing', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await registry.pushImage('api', 'sha-7c7c7c7c');
      const before = repo.read('Pulumi.dev.yaml');
      const result = await repo.run(['promote', 'api', '--to', 'dev', '--tag', 'sha-7c7c7c7c', '--dry-run']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/\ndry run: would write 2 file\(s\); nothing written\n$/);
      expect(repo.read('Pulumi.dev.yaml')).toBe(before);
      expect(repo.git(['status', '--porcelain'])).toBe('');
    } finally {
      repo.cleanup();
    }
  });

  test('passes a pushed tag and records its digest in the commit', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      const digest = await registry.pushImage('api', 'sha-7b7b7b7b');
      await expectPromoted(repo, ['promote', 'api', '--to', 'dev', '--tag', 'sha-7b7b7b7b', '--direct']);
      expect(repo.git(['log', '-1', '--format=%(trailers:only,unfold)'])).toBe(`Image-Tag: sha-7b7b7b7b\nImage-Digest: ${digest}\n\n`);
    } finally {
      repo.cleanup();
    }
  });
});

import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { createPromoteRepo, editPlatform, type PromoteRepo } from './promote-fixture.js';

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});

test('status, history and rollback read what happened from git', async () => {
  const repo = await createPromoteRepo(registry);
  try {
    for (const tag of ['sha-aaaa0001', 'sha-aaaa0002']) await registry.pushImage('api', tag);
    // A hand edit of stage, then two promotions to prod through ferry.
    const hand = await repo.commitTag('stage', 'api', 'sha-aaaa0001', '2026-02-01T09:00:00Z', 'stage: api sha-aaaa0001 by hand');
    const env = { FERRY_NOW: '2026-02-03T00:00:00Z' };
    expect((await repo.run(['promote', 'api', '--to', 'prod', '--direct', '--override', 'approval', '--reason', 'test setup'], env)).code).toBe(0);
    const first = repo.git(['rev-parse', 'HEAD']).trim();
    await repo.commitTag('stage', 'api', 'sha-aaaa0002', '2026-02-03T09:00:00Z', 'stage: api sha-aaaa0002 by hand');
    const soakOverride = ['--override', 'soak', '--override', 'approval', '--reason', 'INC-7'];
    expect((await repo.run(['promote', 'api', '--to', 'prod', '--direct', ...soakOverride], { FERRY_NOW: '2026-02-03T10:00:00Z' })).code).toBe(0);
    const second = repo.git(['rev-parse', 'HEAD']).trim();

    const status = await repo.ferry(['status', '--json']);
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(6);
    expect(rows.find((r) => r.environment === 'prod' && r.service === 'api')).toEqual({
      environment: 'prod',
      service: 'api',
      tag: 'sha-aaaa0002',
      since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      by: 'Promoter Pat',
      commit: second,
      uncommitted: false,
    });
    expect(rows.find((r) => r.environment === 'stage' && r.service === 'api')).toMatchObject({ tag: 'sha-aaaa0002', since: '2026-02-03T09:00:00Z', by: 'Test Author' });
    expect(rows.find((r) => r.environment === 'dev' && r.service === 'web')).toMatchObject({ tag: 'sha-8e1d4c7a', since: '2026-01-01T00:00:00Z', by: 'Test Author' });
    // Named services only, the rows otherwise the same; an unknown name is refused with the list.
    const onlyApi = await repo.ferry(['status', 'api', '--json']);
    expect(JSON.parse(onlyApi.stdout)).toEqual(rows.filter((r) => r.service === 'api'));
    const unknown = await repo.ferry(['status', 'api', 'cart']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("ferry status: unknown service 'cart'; services: api, web\n");
    const table = (await repo.ferry(['status'])).stdout.split('\n');
    expect(table[0]).toBe('ENV    SERVICE  TAG                     DIGEST  SINCE                 BY            COMMIT   VERIFIED');
    expect(table[1]).toBe(`dev    api      sha-3f9c2a1b            -       2026-01-01T00:00:00Z  Test Author   ${repo.git(['rev-list', '--max-parents=0', 'HEAD']).trim().slice(0, 7)}  -`);

    const history = await repo.ferry(['history', 'api', '--json']);
    const entries = JSON.parse(history.stdout) as Record<string, unknown>[];
    expect(entries.map((e) => [e.environment, e.from ?? null, e.tag, e.kind, e.promotedFrom ?? null, e.overrides ?? null])).toEqual([
      ['dev', null, 'sha-3f9c2a1b', 'initial', null, null],
      ['stage', null, 'sha-3f9c2a1b', 'initial', null, null],
      ['prod', null, 'v1.3.2', 'initial', null, null],
      ['stage', 'sha-3f9c2a1b', 'sha-aaaa0001', 'edit', null, null],
      ['stage', 'sha-aaaa0001', 'sha-aaaa0002', 'edit', null, null],
      // ferry's commits carry the real time: after the dated hand edits.
      ['prod', 'v1.3.2', 'sha-aaaa0001', 'promotion', 'stage', 'approval; reason: test setup'],
      ['prod', 'sha-aaaa0001', 'sha-aaaa0002', 'promotion', 'stage', 'soak, approval; reason: INC-7'],
    ]);
    const prodOnly = JSON.parse((await repo.ferry(['history', 'api', '--env', 'prod', '--json'])).stdout) as Record<string, unknown>[];
    expect(prodOnly.map((e) => [e.from ?? null, e.tag, e.kind, e.promotedFrom ?? null, e.overrides ?? null, e.commit])).toEqual([
      [null, 'v1.3.2', 'initial', null, null, expect.any(String)],
      ['v1.3.2', 'sha-aaaa0001', 'promotion', 'stage', 'approval; reason: test setup', first],
      ['sha-aaaa0001', 'sha-aaaa0002', 'promotion', 'stage', 'soak, approval; reason: INC-7', second],
    ]);
    const stageOnly = JSON.parse((await repo.ferry(['history', 'api', '--env', 'stage', '--json'])).stdout) as Record<string, unknown>[];
    expect(stageOnly.map((e) => [e.tag, e.kind, e.commit, e.author])).toEqual([
      ['sha-3f9c2a1b', 'initial', expect.any(String), 'Test Author'],
      ['sha-aaaa0001', 'edit', hand, 'Test Author'],
      ['sha-aaaa0002', 'edit', expect.any(String), 'Test Author'],
    ]);
    const text = (await repo.ferry(['history', 'api', '--env', 'prod'])).stdout.split('\n');
    expect(text[0]).toMatch(/^DATE +ENV +CHANGE +KIND +FROM +BY +COMMIT +VERIFIED +OVERRIDES$/);
    expect(text[3]).toMatch(/^\S+Z +prod +sha-aaaa0001 -> sha-aaaa0002 +promotion +stage +Promoter Pat +[0-9a-f]{7} +- +soak, approval; reason: INC-7$/);

    // Rollback: back to the tag that ran in prod before, recorded as a rollback.
    const rollback = await repo.run(['rollback', 'api', '--env', 'prod', '--commit'], { FERRY_NOW: '2026-02-03T11:00:00Z' });
    expect(rollback.stderr).toBe('');
    expect(rollback.stdout.split('\n')[0]).toMatch(/^api: sha-aaaa0002 -> sha-aaaa0001 in prod \(rollback\), digest sha256:[0-9a-f]{64}$/);
    const branch = 'rollback/prod/api-sha-aaaa0001';
    expect(repo.git(['log', '-1', '--format=%s%n%(trailers:only,unfold)', branch])).toMatch(
      /^chore\(rollback\): api sha-aaaa0001 in prod\nImage-Tag: sha-aaaa0001\nImage-Digest: sha256:[0-9a-f]{64}\nRolled-Back-From: sha-aaaa0002\n/,
    );
    expect(repo.git(['diff', '--name-only', 'main', branch]).trim().split('\n')).toEqual(['Pulumi.prod.yaml', 'manifests/overlays/prod/api/kustomization.yaml']);

    // --to a tag that never ran in prod is refused by the order gate, judged on prod's own history.
    await registry.pushImage('api', 'sha-aaaa0003');
    const refused = await repo.run(['rollback', 'api', '--env', 'prod', '--to', 'sha-aaaa0003']);
    expect(refused.stderr).toBe(
      `ferry rollback: gate 'order': sha-aaaa0003 has never run in prod (Pulumi.prod.yaml: ferry:images.api; its git history holds sha-aaaa0002, sha-aaaa0001, v1.3.2); roll back only to a tag that ran there; override with --override order --reason "..."\n`,
    );
    expect(repo.status()).toBe('');

    // dev has only ever run one tag of web: nothing to roll back to.
    const nothing = await repo.run(['rollback', 'web', '--env', 'dev']);
    expect(nothing.stderr).toBe('ferry rollback: web has run no tag in dev other than sha-8e1d4c7a (git history of Pulumi.dev.yaml); nothing to roll back to\n');
  } finally {
    repo.cleanup();
  }
});

test('--help of promote, status, history and rollback', async () => {
  const repo = await createPromoteRepo(registry, { push: false });
  try {
    for (const command of ['promote', 'status', 'history', 'rollback']) {
      const help = await repo.ferry([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: ferry ${command} `));
    }
  } finally {
    repo.cleanup();
  }
});

describe('rollback that always works', () => {
  /** dev with a daily freeze window; appliesToRollbacks as given. */
  const freeze = (appliesToRollbacks?: boolean) =>
    editPlatform((text) =>
      text.replace(
        "Environment.of('dev', Profiles.development()),",
        `Environment.of('dev', Profiles.development({ freezeWindows: [{ reason: 'year-end freeze', timeZone: 'UTC', start: '00:00', end: '23:59'${appliesToRollbacks === undefined ? '' : `, appliesToRollbacks: ${appliesToRollbacks}`} }] })),`,
      ),
    );

  /** Two tags of api and web have run in dev, the second is current. */
  async function withHistory(repo: PromoteRepo) {
    for (const [service, tags] of [['api', ['sha-bbbb0001', 'sha-bbbb0002']], ['web', ['sha-cccc0001', 'sha-cccc0002']]] as const) {
      for (const [i, tag] of tags.entries()) {
        await registry.pushImage(service, tag);
        await repo.commitTag('dev', service, tag, `2026-02-0${i + 1}T09:00:00Z`);
      }
    }
  }

  test('inside a freeze window a rollback passes and its commit records the window', async () => {
    const repo = await createPromoteRepo(registry, { edit: freeze() });
    try {
      await withHistory(repo);
      const promote = await repo.run(['promote', 'api', '--to', 'dev', '--tag', 'sha-bbbb0001'], { FERRY_NOW: '2026-02-05T12:00:00Z' });
      expect(promote.code).toBe(1);
      expect(promote.stderr).toContain("gate 'freeze': dev is frozen: year-end freeze");
      const rollback = await repo.run(['rollback', 'api', '--env', 'dev', '--direct'], { FERRY_NOW: '2026-02-05T12:00:00Z' });
      expect(rollback.stderr).toBe('');
      expect(rollback.code).toBe(0);
      expect(rollback.stdout).toContain('inside a freeze window: year-end freeze (daily 00:00-23:59 UTC); rollbacks are exempt');
      expect(repo.git(['log', '-1', '--format=%B'])).toMatch(/\nFreeze-Exempt: year-end freeze \(daily 00:00-23:59 UTC\); rollbacks are exempt\n/);
    } finally {
      repo.cleanup();
    }
  });

  test('a window with appliesToRollbacks refuses rollbacks too', async () => {
    const repo = await createPromoteRepo(registry, { edit: freeze(true) });
    try {
      await withHistory(repo);
      const rollback = await repo.run(['rollback', 'api', '--env', 'dev', '--direct'], { FERRY_NOW: '2026-02-05T12:00:00Z' });
      expect(rollback.code).toBe(1);
      expect(rollback.stderr).toMatch(/^ferry rollback: gate 'freeze': dev is frozen: year-end freeze \(daily 00:00-23:59 UTC; now /);
    } finally {
      repo.cleanup();
    }
  });

  test('several services roll back in one change; --dry-run writes nothing; --to with several services is a usage error', async () => {
    const repo = await createPromoteRepo(registry);
    try {
      await withHistory(repo);
      const head = repo.git(['rev-parse', 'HEAD']).trim();
      const dry = await repo.run(['rollback', 'api', 'web', '--env', 'dev', '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/^api: sha-bbbb0002 -> sha-bbbb0001 in dev \(rollback\)/m);
      expect(dry.stdout).toMatch(/^web: sha-cccc0002 -> sha-cccc0001 in dev \(rollback\)/m);
      expect(dry.stdout).toMatch(/dry run: would write \d+ file\(s\); nothing written\n$/);
      expect(repo.git(['status', '--porcelain'])).toBe('');

      const both = await repo.run(['rollback', 'api', 'web', '--env', 'dev', '--direct']);
      expect(both.code).toBe(0);
      expect(repo.git(['rev-list', '--count', `${head}..HEAD`]).trim()).toBe('1');
      expect(repo.git(['log', '-1', '--format=%s'])).toBe('chore(rollback): api sha-bbbb0001, web sha-cccc0001 in dev\n');

      const usage = await repo.run(['rollback', 'api', 'web', '--env', 'dev', '--to', 'sha-bbbb0001']);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toBe("ferry rollback: --to sha-bbbb0001 names one tag; roll back api, web one at a time, or leave out --to to take each one's previous tag\n");
    } finally {
      repo.cleanup();
    }
  });
});

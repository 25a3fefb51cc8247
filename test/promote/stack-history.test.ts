import { execFileSync } from 'node:child_process';
import { Git } from '../../lib/git/git.js';
import { StackFile } from '../../lib/promote/stack-file.js';
import { StackHistory } from '../../lib/promote/stack-history.js';
import { createPlatformRepo } from '../helpers/platform-repo.js';

test('reading several stack histories at once equals reading each alone', async () => {
  const repo = await createPlatformRepo();
  try {
    repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml').replace('api: sha-3f9c2a1b', 'api: sha-0000aaaa'));
    repo.commitAll('dev only', '2026-01-02T00:00:00Z');
    repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml').replace('api: sha-0000aaaa', 'api: sha-0000bbbb'));
    repo.write('Pulumi.stage.yaml', repo.read('Pulumi.stage.yaml').replace('api: sha-3f9c2a1b', 'api: sha-0000aaaa'));
    repo.commitAll('dev and stage', '2026-01-03T00:00:00Z');
    const git = new Git(repo.root);
    const stacks = ['dev', 'stage', 'prod'].map((environment) => ({ environment, file: `Pulumi.${environment}.yaml` }));
    const together = StackHistory.readAll(git, stacks, 'ferry');
    for (const { environment, file } of stacks) {
      expect(together.get(environment)).toEqual(StackHistory.read(git, environment, file, 'ferry'));
    }
    expect(together.get('dev')!.changes('api').map((c) => c.tag)).toEqual(['sha-3f9c2a1b', 'sha-0000aaaa', 'sha-0000bbbb']);
    expect(together.get('stage')!.changes('api').map((c) => c.tag)).toEqual(['sha-3f9c2a1b', 'sha-0000aaaa']);
    expect(together.get('prod')!.revisions.map((r) => r.subject)).toEqual(['initial platform']);
  } finally {
    repo.cleanup();
  }
});

test('a revision read by the scanner has its config values parsed on first read, as the parser gives them', async () => {
  const repo = await createPlatformRepo();
  try {
    const config = '  ferry:config:\n    api:\n      DATABASE_HOST: db.dev.internal\n      DATABASE_PASSWORD: { secret: api-database, key: password }\n      REQUEST_TIMEOUT_MS: 3000\n';
    repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml') + config);
    repo.commitAll('dev config', '2026-01-02T00:00:00Z');
    const history = StackHistory.read(new Git(repo.root), 'dev', 'Pulumi.dev.yaml', 'ferry');
    const last = history.revisions.at(-1)!;
    expect(last.images).toEqual({ api: 'sha-3f9c2a1b', web: 'sha-8e1d4c7a' });
    expect(last.config).toEqual({ api: { DATABASE_HOST: 'db.dev.internal', DATABASE_PASSWORD: { secret: 'api-database', key: 'password' }, REQUEST_TIMEOUT_MS: 3000 } });
    expect(last.config).toBe(last.config); // parsed once, then kept
    expect(last.config).toEqual(StackFile.parse(repo.read('Pulumi.dev.yaml'), 'Pulumi.dev.yaml', 'ferry').allConfig());
    // Still an ordinary property for a spread and for JSON (history --json).
    expect({ ...last }.config).toEqual(last.config);
    expect(JSON.parse(JSON.stringify(last)).config.api.REQUEST_TIMEOUT_MS).toBe(3000);
    expect(history.revisions[0]!.config).toEqual({});
  } finally {
    repo.cleanup();
  }
});

test("each revision's config equals the parser's reading of that revision, whichever block it shares with others", async () => {
  const repo = await createPlatformRepo();
  try {
    const stack = (tag: string, timeout: number) =>
      `config:\n  aws:region: eu-west-1\n  ferry:images:\n    api: ${tag}\n    web: sha-8e1d4c7a\n  ferry:config:\n    api:\n      DATABASE_PASSWORD: { secret: api-database, key: password }\n      REQUEST_TIMEOUT_MS: ${timeout}\n\n  # web's config follows\n    web:\n      THEME: dark\n  ferry:logLevel: WARN\n`;
    const steps = [['sha-0000aaaa', 3000], ['sha-0000bbbb', 3000], ['sha-0000bbbb', 5000], ['sha-0000cccc', 5000]] as const;
    steps.forEach(([tag, timeout], i) => {
      repo.write('Pulumi.dev.yaml', stack(tag, timeout));
      repo.commitAll(`step ${i}`, `2026-01-0${i + 2}T00:00:00Z`);
    });
    const revisions = StackHistory.read(new Git(repo.root), 'dev', 'Pulumi.dev.yaml', 'ferry').revisions;
    expect(revisions).toHaveLength(5);
    for (const revision of revisions) {
      const text = execFileSync('git', ['show', `${revision.commit}:Pulumi.dev.yaml`], { cwd: repo.root, encoding: 'utf8' });
      expect(revision.config).toEqual(StackFile.parse(text, 'Pulumi.dev.yaml', 'ferry').allConfig());
    }
    expect(revisions.slice(1).map((r) => r.config?.api?.REQUEST_TIMEOUT_MS)).toEqual([3000, 3000, 5000, 5000]);
    expect(revisions[4]!.config).toEqual({ api: { DATABASE_PASSWORD: { secret: 'api-database', key: 'password' }, REQUEST_TIMEOUT_MS: 5000 }, web: { THEME: 'dark' } });
  } finally {
    repo.cleanup();
  }
});

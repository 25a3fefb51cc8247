import { Git } from '../../lib/git/git.js';
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

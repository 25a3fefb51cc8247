/**
 * `ferry fmt` and the conflict-free layout of the stack files, in real git: two open promotion pull
 * requests (two services to one environment, one service to two environments, or each the first
 * `--pin-digest` of an environment) land in either order with merge commits, squash and rebase;
 * without the layout the same pull requests conflict.
 */
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { isLaidOut, layOutStackFile } from '../../lib/promote/stack-layout.js';
import { StackFile } from '../../lib/promote/stack-file.js';
import { createPromoteRepo, type PromoteRepo } from './promote-fixture.js';

const NOW = { FERRY_NOW: '2026-03-10T12:00:00Z' };
type Strategy = 'merge' | 'squash' | 'rebase';
const STRATEGIES: readonly Strategy[] = ['merge', 'squash', 'rebase'];
const NEW_API = 'sha-1111aaaa';

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
  await registry.pushImage('api', NEW_API);
});
afterAll(async () => {
  await registry.stop();
});

/** Lands `branch` on the checked-out main as GitHub would with `strategy`; throws on a conflict. */
function land(repo: PromoteRepo, branch: string, strategy: Strategy): void {
  if (strategy === 'merge') repo.git(['merge', '-q', '--no-ff', '-m', `Merge pull request from ${branch}`, branch]);
  else if (strategy === 'squash') {
    repo.git(['merge', '-q', '--squash', branch]);
    repo.git(['commit', '-q', '-m', `Promotion (#1)`]);
  } else repo.git(['cherry-pick', branch]);
}

/** Lands `first` then `second` on a fresh main at `base`; a conflict is thrown naming the conflicted files. */
function landBoth(repo: PromoteRepo, base: string, first: string, second: string, strategy: Strategy): void {
  repo.git(['checkout', '-q', '-B', 'main', base]);
  try {
    land(repo, first, strategy);
    land(repo, second, strategy);
  } catch {
    const conflicted = repo.git(['diff', '--name-only', '--diff-filter=U']).trim();
    for (const abort of [['merge', '--abort'], ['cherry-pick', '--abort']]) {
      try {
        repo.git(abort);
      } catch {
        // nothing in progress
      }
    }
    repo.git(['reset', '-q', '--hard']);
    throw new Error(`conflict landing ${second} after ${first} (${strategy}): ${conflicted}`);
  }
}

/** A shop repository whose dev runs NEW_API (so api has something to promote), laid out by `ferry fmt` unless `layout` is false. */
async function repoWithNewApi(layout: boolean): Promise<PromoteRepo> {
  const repo = await createPromoteRepo(registry);
  if (layout) {
    const fmt = await repo.ferry(['fmt']);
    expect(fmt.stdout).toBe('ferry fmt: laid out Pulumi.dev.yaml, Pulumi.prod.yaml, Pulumi.stage.yaml\n');
    repo.commitAll('chore: ferry fmt', '2026-01-02T00:00:00Z');
  }
  await repo.commitTag('dev', 'api', NEW_API, '2026-03-01T00:00:00Z');
  return repo;
}

/** Opens the promotion pull requests (branches) of a case and returns them. */
async function openPromotions(repo: PromoteRepo, promotions: readonly (readonly string[])[]): Promise<string[]> {
  const branches: string[] = [];
  for (const args of promotions) {
    const result = await repo.run(['promote', ...args, '--commit'], NOW);
    expect(result.stderr).toBe('');
    branches.push(/^committed [0-9a-f]{12} on (\S+):/m.exec(result.stdout)![1]!);
  }
  return branches;
}

const CASES: readonly { name: string; promotions: readonly (readonly string[])[]; expect: (repo: PromoteRepo) => void }[] = [
  {
    name: 'two services to one environment',
    promotions: [['api', '--to', 'stage'], ['web', '--to', 'stage']],
    expect: (repo) => {
      const stage = StackFile.parse(repo.read('Pulumi.stage.yaml'), 'Pulumi.stage.yaml', 'ferry');
      expect(stage.images()).toEqual({ api: NEW_API, web: 'sha-8e1d4c7a' });
    },
  },
  {
    name: 'one service to two environments',
    promotions: [['api', '--to', 'stage'], ['api', '--to', 'prod']],
    expect: (repo) => {
      expect(StackFile.parse(repo.read('Pulumi.stage.yaml'), 'Pulumi.stage.yaml', 'ferry').tagOf('api')).toBe(NEW_API);
      expect(StackFile.parse(repo.read('Pulumi.prod.yaml'), 'Pulumi.prod.yaml', 'ferry').tagOf('api')).toBe('sha-3f9c2a1b');
    },
  },
  {
    name: 'the first pinned digest of two services in one environment',
    promotions: [['api', '--to', 'stage', '--pin-digest'], ['web', '--to', 'stage', '--pin-digest']],
    expect: (repo) => {
      const stage = StackFile.parse(repo.read('Pulumi.stage.yaml'), 'Pulumi.stage.yaml', 'ferry');
      expect(stage.images()).toEqual({ api: NEW_API, web: 'sha-8e1d4c7a' });
      expect(Object.keys(stage.digests())).toEqual(['api', 'web']);
      for (const digest of Object.values(stage.digests())) expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    },
  },
];

describe.each(CASES)('$name', ({ promotions, expect: expectLanded }) => {
  test('the two promotion pull requests land in either order with merge, squash and rebase; the result stays laid out and renders', async () => {
    const repo = await repoWithNewApi(true);
    try {
      const base = repo.git(['rev-parse', 'HEAD']).trim();
      const [a, b] = await openPromotions(repo, promotions);
      for (const strategy of STRATEGIES) {
        for (const [first, second] of [[a!, b!], [b!, a!]]) {
          landBoth(repo, base, first, second, strategy);
          expectLanded(repo);
          for (const env of ['dev', 'stage', 'prod']) expect(isLaidOut(repo.read(`Pulumi.${env}.yaml`), `Pulumi.${env}.yaml`, 'ferry')).toBe(true);
        }
      }
      const check = await repo.ferry(['render', '--check']);
      expect(check.stderr).toBe('');
      expect((await repo.ferry(['fmt', '--check'])).code).toBe(0);
    } finally {
      repo.cleanup();
    }
  });
});

test('without the layout, two services to one environment and two first pins conflict (the layout is what prevents it)', async () => {
  const repo = await repoWithNewApi(false);
  try {
    const base = repo.git(['rev-parse', 'HEAD']).trim();
    const [a, b] = await openPromotions(repo, [['api', '--to', 'stage'], ['web', '--to', 'stage']]);
    expect(() => landBoth(repo, base, a!, b!, 'merge')).toThrow(/\(merge\): Pulumi\.stage\.yaml$/);
    repo.git(['checkout', '-q', '-B', 'main', base]);
    repo.git(['branch', '-q', '-D', a!, b!]);
    const [c, d] = await openPromotions(repo, [['api', '--to', 'stage', '--pin-digest'], ['web', '--to', 'stage', '--pin-digest']]);
    expect(() => landBoth(repo, base, c!, d!, 'merge')).toThrow(/\(merge\): Pulumi\.stage\.yaml$/);
  } finally {
    repo.cleanup();
  }
});

test('ferry fmt: idempotent, keeps comments and values, refuses a file that is not YAML naming file and line and writes nothing; --check names the files', async () => {
  const text = [
    '# prod: reviewed.',
    'config:',
    '  aws:region: eu-west-1',
    '  ferry:images: { web: "v1.3.0", api: v1.3.2 } # flow style',
    '  ferry:digests:',
    `    web: sha256:${'a'.repeat(64)}`,
    '  ferry:logLevel: WARN',
    '',
  ].join('\n');
  const laidOut = layOutStackFile(text, 'Pulumi.prod.yaml', 'ferry');
  expect(laidOut).toBe(
    [
      '# prod: reviewed.',
      'config:',
      '  aws:region: eu-west-1',
      '  ferry:images:',
      '    web: "v1.3.0"',
      '',
      '    api: v1.3.2',
      '    # flow style',
      '  ferry:digests:',
      `    web: sha256:${'a'.repeat(64)}`,
      '',
      "    api: ''",
      '  ferry:logLevel: WARN',
      '',
    ].join('\n'),
  );
  expect(layOutStackFile(laidOut, 'Pulumi.prod.yaml', 'ferry')).toBe(laidOut);
  // The placeholder pins nothing; a pin replaces it in place, an unpin puts it back.
  const stack = StackFile.parse(laidOut, 'Pulumi.prod.yaml', 'ferry');
  expect(stack.digestOf('api')).toBeUndefined();
  expect(stack.digests()).toEqual({ web: `sha256:${'a'.repeat(64)}` });
  const pinned = stack.withDigest('api', `sha256:${'b'.repeat(64)}`);
  expect(pinned.text).toBe(laidOut.replace("    api: ''", `    api: sha256:${'b'.repeat(64)}`));
  expect(pinned.withDigest('api', undefined).text).toBe(laidOut);

  const repo = await createPromoteRepo(registry, { push: false });
  try {
    const check = await repo.ferry(['fmt', '--check']);
    expect(check.stderr).toBe("ferry fmt --check: not in the conflict-free layout: Pulumi.dev.yaml, Pulumi.prod.yaml, Pulumi.stage.yaml; run 'ferry fmt' and commit\n");
    expect(check.code).toBe(1);
    const stage = repo.read('Pulumi.stage.yaml');
    repo.write('Pulumi.prod.yaml', 'config:\n  ferry:images:\n    api: v1\n   web: [\n');
    const broken = await repo.ferry(['fmt']);
    expect(broken.stderr).toMatch(/^ferry fmt: Pulumi\.prod\.yaml: not valid YAML at line 4/);
    expect(broken.code).toBe(1);
    expect(repo.read('Pulumi.stage.yaml')).toBe(stage);
  } finally {
    repo.cleanup();
  }
});

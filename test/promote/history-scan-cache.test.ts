import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Git } from '../../lib/git/git.js';
import { StackHistory } from '../../lib/promote/stack-history.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

const STACKS = ['dev', 'stage', 'prod'].map((environment) => ({ environment, file: `Pulumi.${environment}.yaml` }));
const CONFIG = '  ferry:config:\n    api:\n      DATABASE_HOST: db.dev.internal\n      REQUEST_TIMEOUT_MS: 3000\n';

/** Every field of every revision, the lazily parsed config included. */
const snapshot = (histories: Map<string, StackHistory>) =>
  [...histories].map(([environment, h]) => ({ environment, revisions: h.revisions.map((r) => ({ ...r, config: r.config })) }));

const cacheFiles = (repo: PlatformRepo) => readdirSync(join(repo.root, '.git/ferry')).filter((f) => f.startsWith('history-scan-'));

describe('the history scan cache', () => {
  let repo: PlatformRepo;
  beforeAll(async () => {
    repo = await createPlatformRepo();
    repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml').replace('api: sha-3f9c2a1b', 'api: sha-0000aaaa') + CONFIG);
    repo.commitAll('dev with config', '2026-01-02T00:00:00Z');
    repo.write('Pulumi.stage.yaml', repo.read('Pulumi.stage.yaml').replace('api: sha-3f9c2a1b', 'api: sha-0000aaaa'));
    repo.commitAll('stage', '2026-01-03T00:00:00Z');
    // A shape the scanner declines (a flow mapping of images): parsed, never cached.
    repo.write('Pulumi.prod.yaml', repo.read('Pulumi.prod.yaml').replace(/ {2}ferry:images:\n {4}api: (\S+)\n {4}web: (\S+)\n/, '  ferry:images: { api: $1, web: $2 }\n'));
    repo.commitAll('prod in flow style', '2026-01-04T00:00:00Z');
  });
  afterAll(() => repo.cleanup());

  it('reads the same histories, config values included, from the cache as from git', () => {
    const git = new Git(repo.root);
    const first = StackHistory.readAll(git, STACKS, 'ferry');
    expect(cacheFiles(repo)).toHaveLength(1);
    const second = StackHistory.readAll(git, STACKS, 'ferry');
    expect(snapshot(second)).toEqual(snapshot(first));
    expect(second.get('dev')!.revisions.at(-1)!.config).toEqual({ api: { DATABASE_HOST: 'db.dev.internal', REQUEST_TIMEOUT_MS: 3000 } });
    expect(second.get('prod')!.revisions.at(-1)!.images).toEqual(first.get('prod')!.revisions.at(-1)!.images);
    expect(second.get('dev')!.changes('api').map((c) => c.tag)).toEqual(['sha-3f9c2a1b', 'sha-0000aaaa']);
  });

  it('keeps what the scanner read from each blob it accepted, and nothing for a blob it declined', () => {
    const git = new Git(repo.root);
    StackHistory.readAll(git, STACKS, 'ferry');
    const stored = JSON.parse(readFileSync(join(repo.root, '.git/ferry', cacheFiles(repo)[0]!), 'utf8')) as { blobs: Record<string, [Record<string, string>, Record<string, string>]> };
    const blobOf = (rev: string, file: string) => git.run(['rev-parse', `${rev}:${file}`]).trim();
    expect(stored.blobs[blobOf('HEAD', 'Pulumi.dev.yaml')]).toEqual([{ api: 'sha-0000aaaa', web: 'sha-8e1d4c7a' }, {}]);
    expect(stored.blobs[blobOf('HEAD', 'Pulumi.prod.yaml')]).toBeUndefined();
    expect(stored.blobs[blobOf('HEAD~1', 'Pulumi.prod.yaml')]).toBeDefined();
  });

  it('answers from the cache without reading the blob again (a planted entry shows)', () => {
    const git = new Git(repo.root);
    StackHistory.readAll(git, STACKS, 'ferry');
    const file = join(repo.root, '.git/ferry', cacheFiles(repo)[0]!);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { blobs: Record<string, [Record<string, string>, Record<string, string>]> };
    const blob = git.run(['rev-parse', 'HEAD:Pulumi.stage.yaml']).trim();
    const original = readFileSync(file, 'utf8');
    stored.blobs[blob] = [{ api: 'sha-planted1', web: 'sha-8e1d4c7a' }, {}];
    writeFileSync(file, JSON.stringify(stored));
    try {
      expect(StackHistory.read(git, 'stage', 'Pulumi.stage.yaml', 'ferry').changes('api').map((c) => c.tag)).toEqual(['sha-3f9c2a1b', 'sha-planted1']);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('reads a corrupt or foreign cache as empty and writes a good one', () => {
    const git = new Git(repo.root);
    StackHistory.readAll(git, STACKS, 'ferry');
    const file = join(repo.root, '.git/ferry', cacheFiles(repo)[0]!);
    const expected = snapshot(StackHistory.readAll(git, STACKS, 'ferry'));
    writeFileSync(file, '{"key":"another scanner","blobs":{');
    expect(snapshot(StackHistory.readAll(git, STACKS, 'ferry'))).toEqual(expected);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { key: string }).key).toMatch(/^[0-9a-f]{16}$/);
    writeFileSync(file, JSON.stringify({ key: 'another scanner', blobs: { [git.run(['rev-parse', 'HEAD:Pulumi.stage.yaml']).trim()]: [{ api: 'sha-foreign1' }, {}] } }));
    expect(snapshot(StackHistory.readAll(git, STACKS, 'ferry'))).toEqual(expected);
  });

  it('keeps one cache per project: another project name never reads this one', () => {
    const git = new Git(repo.root);
    StackHistory.readAll(git, STACKS, 'ferry');
    const other = StackHistory.readAll(git, STACKS, 'shop');
    // The stack files say ferry:images, so project 'shop' reads no images at all.
    expect(other.get('dev')!.revisions.every((r) => Object.keys(r.images).length === 0)).toBe(true);
    expect(cacheFiles(repo)).toHaveLength(2);
  });
});

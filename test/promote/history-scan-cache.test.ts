import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Git } from '../../lib/git/git.js';
import { HistoryScanCache } from '../../lib/promote/history-scan-cache.js';
import { StackFile } from '../../lib/promote/stack-file.js';
import { gitBlobId } from '../../lib/git/blob-id.js';
import { StackHistory } from '../../lib/promote/stack-history.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

const STACKS = ['dev', 'stage', 'prod'].map((environment) => ({ environment, file: `Pulumi.${environment}.yaml` }));
const CONFIG = '  ferry:config:\n    api:\n      DATABASE_HOST: db.dev.internal\n      REQUEST_TIMEOUT_MS: 3000\n';

/** Every field of every revision, the lazily parsed config included. */
const snapshot = (histories: Map<string, StackHistory>) =>
  [...histories].map(([environment, h]) => ({ environment, revisions: h.revisions.map((r) => ({ ...r, config: r.config })) }));

/** The cache folders (one per project and reader version) under .git/ferry. */
const cacheDirs = (repo: PlatformRepo) => readdirSync(join(repo.root, '.git/ferry')).filter((f) => f.startsWith('history-'));
/** The cache file of one stack file. */
const cacheFile = (repo: PlatformRepo, stack: string) => join(repo.root, '.git/ferry', cacheDirs(repo)[0]!, `${stack}.json`);
type Stored = { key: string; blobs: Record<string, [Record<string, string>, Record<string, string>, string | null]>; configs: Record<string, unknown> };
const readStored = (repo: PlatformRepo, stack: string) => JSON.parse(readFileSync(cacheFile(repo, stack), 'utf8')) as Stored;

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
    expect(cacheDirs(repo)).toHaveLength(1);
    expect(readdirSync(join(repo.root, '.git/ferry', cacheDirs(repo)[0]!)).sort()).toEqual(['Pulumi.dev.yaml.json', 'Pulumi.prod.yaml.json', 'Pulumi.stage.yaml.json']);
    const second = StackHistory.readAll(git, STACKS, 'ferry');
    expect(snapshot(second)).toEqual(snapshot(first));
    expect(second.get('dev')!.revisions.at(-1)!.config).toEqual({ api: { DATABASE_HOST: 'db.dev.internal', REQUEST_TIMEOUT_MS: 3000 } });
    expect(second.get('prod')!.revisions.at(-1)!.images).toEqual(first.get('prod')!.revisions.at(-1)!.images);
    expect(second.get('dev')!.changes('api').map((c) => c.tag)).toEqual(['sha-3f9c2a1b', 'sha-0000aaaa']);
  });

  it('keeps what the scanner read from each blob it accepted, and nothing for a blob it declined', () => {
    const git = new Git(repo.root);
    StackHistory.readAll(git, STACKS, 'ferry');
    const blobOf = (rev: string, file: string) => git.run(['rev-parse', `${rev}:${file}`]).trim();
    expect(readStored(repo, 'Pulumi.dev.yaml').blobs[blobOf('HEAD', 'Pulumi.dev.yaml')]?.slice(0, 2)).toEqual([{ api: 'sha-0000aaaa', web: 'sha-8e1d4c7a' }, {}]);
    expect(readStored(repo, 'Pulumi.prod.yaml').blobs[blobOf('HEAD', 'Pulumi.prod.yaml')]).toBeUndefined();
    expect(readStored(repo, 'Pulumi.prod.yaml').blobs[blobOf('HEAD~1', 'Pulumi.prod.yaml')]).toBeDefined();
  });

  it('keeps config values once read, one copy per distinct config, and answers them from the cache', () => {
    const git = new Git(repo.root);
    const histories = StackHistory.readAll(git, STACKS, 'ferry');
    for (const h of histories.values()) for (const r of h.revisions) void r.config;
    StackHistory.keepReadConfig(histories.values());
    const stored = readStored(repo, 'Pulumi.dev.yaml');
    const head = git.run(['rev-parse', 'HEAD:Pulumi.dev.yaml']).trim();
    const id = stored.blobs[head]![2]!;
    expect(stored.configs[id]).toEqual({ api: { DATABASE_HOST: 'db.dev.internal', REQUEST_TIMEOUT_MS: 3000 } });
    expect(new Set(Object.values(stored.blobs).map((b) => b[2])).size).toBe(Object.keys(stored.configs).length);
    // A planted config shows: it is read from the cache, not from the blob.
    const original = readFileSync(cacheFile(repo, 'Pulumi.dev.yaml'), 'utf8');
    writeFileSync(cacheFile(repo, 'Pulumi.dev.yaml'), JSON.stringify({ ...stored, configs: { ...stored.configs, [id]: { api: { DATABASE_HOST: 'planted' } } } }));
    try {
      expect(StackHistory.read(git, 'dev', 'Pulumi.dev.yaml', 'ferry').revisions.at(-1)!.config).toEqual({ api: { DATABASE_HOST: 'planted' } });
    } finally {
      writeFileSync(cacheFile(repo, 'Pulumi.dev.yaml'), original);
    }
  });

  it('answers from the cache without reading the blob again (a planted entry shows)', () => {
    const git = new Git(repo.root);
    StackHistory.readAll(git, STACKS, 'ferry');
    const file = cacheFile(repo, 'Pulumi.stage.yaml');
    const stored = readStored(repo, 'Pulumi.stage.yaml');
    const blob = git.run(['rev-parse', 'HEAD:Pulumi.stage.yaml']).trim();
    const original = readFileSync(file, 'utf8');
    stored.blobs[blob] = [{ api: 'sha-planted1', web: 'sha-8e1d4c7a' }, {}, null];
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
    const file = cacheFile(repo, 'Pulumi.stage.yaml');
    const expected = snapshot(StackHistory.readAll(git, STACKS, 'ferry'));
    writeFileSync(file, '{"key":"another scanner","blobs":{');
    expect(snapshot(StackHistory.readAll(git, STACKS, 'ferry'))).toEqual(expected);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { key: string }).key).toMatch(/^[0-9a-f]{16}$/);
    writeFileSync(file, JSON.stringify({ key: 'another scanner', blobs: { [git.run(['rev-parse', 'HEAD:Pulumi.stage.yaml']).trim()]: [{ api: 'sha-foreign1' }, {}, null] }, configs: {} }));
    expect(snapshot(StackHistory.readAll(git, STACKS, 'ferry'))).toEqual(expected);
  });

  it('keeps one cache per project: another project name never reads this one', () => {
    const git = new Git(repo.root);
    StackHistory.readAll(git, STACKS, 'ferry');
    const other = StackHistory.readAll(git, STACKS, 'shop');
    // The stack files say ferry:images, so project 'shop' reads no images at all.
    expect(other.get('dev')!.revisions.every((r) => Object.keys(r.images).length === 0)).toBe(true);
    expect(cacheDirs(repo)).toHaveLength(2);
  });

  it("reads the committed stack file from the history's last revision, and only when the file is that blob", () => {
    const git = new Git(repo.root);
    for (const { environment, file } of STACKS) {
      const text = repo.read(file);
      expect(gitBlobId(text, 40)).toBe(git.run(['hash-object', file]).trim());
      const history = StackHistory.read(git, environment, file, 'ferry');
      const committed = history.committedStack(text);
      if (environment === 'prod') {
        // The flow-style file is parsed, not scanned: nothing to answer from.
        expect(committed).toBeUndefined();
        continue;
      }
      const parsed = StackFile.parse(text, file, 'ferry');
      for (const service of ['api', 'web', 'cart']) {
        expect(committed!.tagOf(service)).toBe(parsed.tagOf(service));
        expect(committed!.digestOf(service)).toBe(parsed.digestOf(service));
        expect(committed!.configOf(service)).toEqual(parsed.configOf(service));
      }
      // An uncommitted edit is another blob.
      expect(history.committedStack(`${text}# edited\n`)).toBeUndefined();
    }
  });

  it('writes no cache file larger than its limit, and drops one that outgrew it', () => {
    const gitDir = join(repo.root, '.git');
    const before = new Set(cacheDirs(repo));
    const small = HistoryScanCache.open(gitDir, 'limits', 'Pulumi.dev.yaml', 200);
    small.setScanned('a'.repeat(40), { images: { api: 'sha-0000aaaa' }, digests: {} });
    small.save();
    const [dir] = cacheDirs(repo).filter((d) => !before.has(d));
    expect(readFileSync(join(gitDir, 'ferry', dir!, 'Pulumi.dev.yaml.json'), 'utf8').length).toBeLessThan(200);
    const grown = HistoryScanCache.open(gitDir, 'limits', 'Pulumi.dev.yaml', 200);
    for (let i = 0; i < 5; i++) grown.setScanned(String(i).repeat(40), { images: { api: `sha-0000000${i}` }, digests: {} });
    grown.save();
    expect(HistoryScanCache.open(gitDir, 'limits', 'Pulumi.dev.yaml').has('a'.repeat(40))).toBe(false);
  });

  describe('stored as changes from the entry before', () => {
    const services = Array.from({ length: 12 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    const blob = (i: number) => i.toString(16).padStart(40, '0');
    const tags = (overrides: Record<string, string | undefined> = {}) => {
      const images: Record<string, string> = {};
      for (const s of services) images[s] = `v1.0.${s.slice(4)}`;
      for (const [s, tag] of Object.entries(overrides)) {
        if (tag === undefined) delete images[s];
        else images[s] = tag;
      }
      return images;
    };
    // A promotion per revision, a service removed, one added at the end, and one with the services in another order.
    const revisions: Record<string, string>[] = [
      tags(),
      tags({ 'svc-03': 'v2.0.0' }),
      tags({ 'svc-03': 'v2.0.0', 'svc-07': 'v2.1.0' }),
      tags({ 'svc-03': 'v2.0.0', 'svc-07': 'v2.1.0', 'svc-05': undefined }),
      { ...tags({ 'svc-03': 'v2.0.0', 'svc-07': 'v2.1.0', 'svc-05': undefined }), 'svc-99': 'v0.1.0' },
      Object.fromEntries(Object.entries(tags({ 'svc-03': 'v2.0.0' })).reverse()),
    ];
    const gitDir = () => join(repo.root, '.git');
    /** The cache file of a project of its own, filled with `revisions` in order. */
    const saved = (project: string) => {
      const before = new Set(cacheDirs(repo));
      const cache = HistoryScanCache.open(gitDir(), project, 'Pulumi.x.yaml');
      revisions.forEach((images, i) => cache.setScanned(blob(i), { images, digests: i === 2 ? { 'svc-07': `sha256:${'a'.repeat(64)}` } : {} }));
      cache.save();
      const [dir] = cacheDirs(repo).filter((d) => !before.has(d));
      return join(gitDir(), 'ferry', dir!, 'Pulumi.x.yaml.json');
    };

    it('keeps only what changed, and reads back every entry whole, services in their order', () => {
      const file = saved('deltas');
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { blobs: Record<string, unknown[]> };
      expect(stored.blobs[blob(0)]).toEqual([revisions[0], {}, null]);
      expect(stored.blobs[blob(1)]).toEqual([{ 'svc-03': 'v2.0.0' }, {}, null, blob(0), []]);
      expect(stored.blobs[blob(2)]).toEqual([{ 'svc-07': 'v2.1.0' }, { 'svc-07': `sha256:${'a'.repeat(64)}` }, null, blob(1), []]);
      expect(stored.blobs[blob(3)]).toEqual([{}, {}, null, blob(2), ['svc-05']]);
      expect(stored.blobs[blob(4)]).toEqual([{ 'svc-99': 'v0.1.0' }, {}, null, blob(3), []]);
      // Rebuilt from the entry before, the services would come in the old order: kept whole.
      expect(stored.blobs[blob(5)]).toEqual([revisions[5], {}, null]);
      const read = HistoryScanCache.open(gitDir(), 'deltas', 'Pulumi.x.yaml');
      revisions.forEach((images, i) => {
        expect(read.get(blob(i))!.images).toEqual(images);
        expect(Object.keys(read.get(blob(i))!.images)).toEqual(Object.keys(images));
      });
      expect(read.get(blob(2))!.digests).toEqual({ 'svc-07': `sha256:${'a'.repeat(64)}` });
    });

    it('drops an entry whose base the file does not hold, and every entry built on it', () => {
      const file = saved('orphans');
      const stored = JSON.parse(readFileSync(file, 'utf8')) as { blobs: Record<string, unknown[]> };
      delete stored.blobs[blob(1)];
      writeFileSync(file, JSON.stringify(stored));
      const read = HistoryScanCache.open(gitDir(), 'orphans', 'Pulumi.x.yaml');
      expect([0, 1, 2, 3, 4, 5].map((i) => read.has(blob(i)))).toEqual([true, false, false, false, false, true]);
    });

    it('keeps an entry whole when a service is named __proto__, and reads it back as stored', () => {
      const before = new Set(cacheDirs(repo));
      const cache = HistoryScanCache.open(gitDir(), 'prototype', 'Pulumi.x.yaml');
      const odd = JSON.parse(`{${services.map((s) => `"${s}":"v1"`).join(',')},"__proto__":"v2"}`) as Record<string, string>;
      const next = JSON.parse(`{${services.map((s) => `"${s}":"v1"`).join(',')},"__proto__":"v3"}`) as Record<string, string>;
      cache.setScanned(blob(0), { images: odd, digests: {} });
      cache.setScanned(blob(1), { images: next, digests: {} });
      cache.save();
      const [dir] = cacheDirs(repo).filter((d) => !before.has(d));
      const stored = JSON.parse(readFileSync(join(gitDir(), 'ferry', dir!, 'Pulumi.x.yaml.json'), 'utf8')) as { blobs: Record<string, unknown[]> };
      expect(stored.blobs[blob(1)]).toHaveLength(3);
      const read = HistoryScanCache.open(gitDir(), 'prototype', 'Pulumi.x.yaml');
      expect(Object.hasOwn(read.get(blob(1))!.images, '__proto__')).toBe(true);
      expect(Object.entries(read.get(blob(1))!.images)).toEqual(Object.entries(next));
    });

    it('reads the histories of a many-service repository from its changes as from git', () => {
      const many = createPlatformRepo();
      return many.then((r) => {
        try {
          const git = new Git(r.root);
          const names = Array.from({ length: 10 }, (_, i) => `extra-${i}`);
          const text = r.read('Pulumi.dev.yaml').replace('  ferry:images:\n', `  ferry:images:\n${names.map((n) => `    ${n}: v1.0.0\n`).join('')}`);
          r.write('Pulumi.dev.yaml', text);
          r.commitAll('ten more services', '2026-01-02T00:00:00Z');
          for (const [k, n] of names.slice(0, 4).entries()) {
            r.write('Pulumi.dev.yaml', r.read('Pulumi.dev.yaml').replace(`    ${n}: v1.0.0\n`, `    ${n}: v1.1.${k}\n`));
            r.commitAll(`promote ${n}`, `2026-01-0${3 + k}T00:00:00Z`);
          }
          const fromGit = snapshot(StackHistory.readAll(git, STACKS, 'ferry'));
          const stored = JSON.parse(readFileSync(cacheFile(r, 'Pulumi.dev.yaml'), 'utf8')) as { blobs: Record<string, unknown[]> };
          expect(Object.values(stored.blobs).filter((entry) => entry.length === 5)).toHaveLength(4);
          expect(snapshot(StackHistory.readAll(git, STACKS, 'ferry'))).toEqual(fromGit);
          expect(StackHistory.readAll(git, STACKS, 'ferry').get('dev')!.changes('extra-2').map((c) => c.tag)).toEqual(['v1.0.0', 'v1.1.2']);
        } finally {
          r.cleanup();
        }
      });
    });
  });
});

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KustomizeBuildCache } from '../../lib/kustomize/build-cache.js';
import { buildInputs } from '../../lib/kustomize/build-inputs.js';
import { memoryTree } from '../../lib/kustomize/kustomization-tree.js';
import { KustomizeRunner } from '../../lib/kustomize/kustomize-runner.js';
import { kustomizeVersion } from '../../lib/kustomize/kustomize-version.js';

const deployment = (name: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: ${name}
          image: ${image}
`;

/** Two overlays of one base: `a` with a patch file below its folder and a generated ConfigMap, `b` plain. */
const TREE: Record<string, string> = {
  'base/web/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
  'base/web/deployment.yaml': deployment('web', 'registry.example.com/web:v1.0.0'),
  'overlays/a/kustomization.yaml': [
    'namespace: a',
    'resources:',
    '  - ../../base/web',
    'images:',
    '  - name: registry.example.com/web',
    '    newTag: v1.2.0',
    'configMapGenerator:',
    '  - name: web-config',
    '    literals: [LOG_LEVEL=DEBUG]',
    'patches:',
    '  - path: patches/replicas.yaml',
    '',
  ].join('\n'),
  'overlays/a/patches/replicas.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n',
  'overlays/b/kustomization.yaml': 'namespace: b\nnamePrefix: b-\nresources:\n  - ../../base/web\n',
};
const OVERLAYS = ['overlays/a', 'overlays/b'];

let scratch: string;
let root: string;
let cacheDir: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ferry-build-cache-'));
  root = join(scratch, 'repo');
  cacheDir = join(scratch, 'cache');
  for (const [path, content] of Object.entries(TREE)) write(path, content);
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

function write(path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** A runner over a fresh cache object on the same folder, as a new `ferry` process would have. */
function cachedRunner(version = 'test-kustomize v1') {
  const cache = new KustomizeBuildCache({ dir: cacheDir, kustomizeVersion: version });
  return { cache, runner: new KustomizeRunner({ cache, concurrency: 2 }) };
}

const fresh = () => new KustomizeRunner({ concurrency: 2 }).buildFolders(root, [OVERLAYS]);
const entries = () => readdirSync(cacheDir).filter((n) => n.endsWith('.build'));

test('a hit returns exactly what a fresh build returns, and runs no kustomize process', async () => {
  const cold = cachedRunner();
  const first = await cold.runner.buildFolders(root, [OVERLAYS]);
  expect(cold.cache.stats).toEqual({ hits: 0, misses: 2, uncacheable: 0, stored: 2 });
  expect(entries()).toHaveLength(2);

  const warm = cachedRunner();
  const second = await warm.runner.buildFolders(root, [OVERLAYS]);
  expect(warm.runner.stats.processes).toBe(0);
  expect(warm.cache.stats).toEqual({ hits: 2, misses: 0, uncacheable: 0, stored: 0 });
  const built = await fresh();
  // Same objects, same order, for both overlays; the cold run's own result too.
  expect([...second]).toEqual([...built]);
  expect([...first]).toEqual([...built]);
  expect(second.get('overlays/a')!.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([expect.stringMatching(/^ConfigMap\/web-config-/), 'Deployment/web']);
  expect((second.get('overlays/a')![1] as { spec: { replicas: number } }).spec.replicas).toBe(2);

  // A hit hands out fresh objects: changing them changes no later hit.
  (second.get('overlays/b')![0]!.metadata as { name: string }).name = 'changed';
  expect((await cachedRunner().runner.buildFolders(root, [OVERLAYS])).get('overlays/b')![0]!.metadata?.name).toBe('b-web');
});

test.each([
  ['a base resource', 'base/web/deployment.yaml', (t: string) => t.replace('web:v1.0.0', 'web:v1.0.1'), ['overlays/a', 'overlays/b']],
  ["the overlay's kustomization", 'overlays/b/kustomization.yaml', (t: string) => t.replace('namePrefix: b-', 'namePrefix: bb-'), ['overlays/b']],
  ['a patch file below the overlay', 'overlays/a/patches/replicas.yaml', (t: string) => t.replace('replicas: 2', 'replicas: 3'), ['overlays/a']],
  ['a file added to a folder the overlay reads', 'base/web/notes.txt', () => 'not a resource, but in a folder kustomize reads\n', ['overlays/a', 'overlays/b']],
])('changing %s misses exactly the overlays that read it', async (_, path, edit, missed) => {
  await cachedRunner().runner.buildFolders(root, [OVERLAYS]);
  let before = '';
  try {
    before = readFileSync(join(root, path), 'utf8');
  } catch {
    // a new file
  }
  write(path, edit(before));
  const { cache, runner } = cachedRunner();
  const after = await runner.buildFolders(root, [OVERLAYS]);
  expect(cache.stats).toEqual({ hits: 2 - missed.length, misses: missed.length, uncacheable: 0, stored: missed.length });
  expect([...after]).toEqual([...(await fresh())]);
});

test('a different kustomize version misses every entry', async () => {
  await cachedRunner('kubectl v1.32.4 kustomize v5.5.0').runner.buildFolders(root, [OVERLAYS]);
  const other = cachedRunner('kubectl v1.33.0 kustomize v5.6.0');
  await other.runner.buildFolders(root, [OVERLAYS]);
  expect(other.cache.stats).toEqual({ hits: 0, misses: 2, uncacheable: 0, stored: 2 });
  expect(other.runner.stats.processes).toBeGreaterThan(0);
});

test('a truncated or corrupt entry reads as a miss and is rebuilt', async () => {
  await cachedRunner().runner.buildFolders(root, [OVERLAYS]);
  const [first, second] = entries().map((n) => join(cacheDir, n));
  const text = readFileSync(first!, 'utf8');
  writeFileSync(first!, text.slice(0, text.length - 10));
  // Still valid JSON, other objects: only the payload's hash tells.
  const other = readFileSync(second!, 'utf8');
  writeFileSync(second!, other.replace(/"namespace":"(a|b)"/, '"namespace":"z"'));
  expect(readFileSync(second!, 'utf8')).not.toBe(other);

  const { cache, runner } = cachedRunner();
  const rebuilt = await runner.buildFolders(root, [OVERLAYS]);
  expect(cache.stats).toEqual({ hits: 0, misses: 2, uncacheable: 0, stored: 2 });
  expect([...rebuilt]).toEqual([...(await fresh())]);
  expect(readFileSync(first!, 'utf8')).toBe(text);
  expect(readFileSync(second!, 'utf8')).toBe(other);
});

test('an overlay whose inputs leave the tree, or that uses a field ferry cannot key, is built every time', async () => {
  // kustomize reads a folder outside the tree root: nothing the key covers.
  mkdirSync(join(scratch, 'outside'));
  writeFileSync(join(scratch, 'outside/kustomization.yaml'), 'resources:\n  - deployment.yaml\n');
  writeFileSync(join(scratch, 'outside/deployment.yaml'), deployment('shared', 'registry.example.com/shared:v1.0.0'));
  write('overlays/c/kustomization.yaml', 'resources:\n  - ../../../outside\n');
  // replacements are not on the allow-list.
  write(
    'overlays/d/kustomization.yaml',
    'resources:\n  - ../../base/web\nreplacements:\n  - source: { kind: Deployment, name: web, fieldPath: metadata.name }\n    targets:\n      - select: { kind: Deployment }\n        fieldPaths: [metadata.annotations.copy]\n        options: { create: true }\n',
  );
  const dirs = ['overlays/c', 'overlays/d'];
  for (let run = 0; run < 2; run++) {
    const { cache, runner } = cachedRunner();
    const built = await runner.buildFolders(root, [dirs]);
    expect(cache.stats).toEqual({ hits: 0, misses: 0, uncacheable: 2, stored: 0 });
    expect(runner.stats.processes).toBe(1);
    expect(built.get('overlays/c')!.map((o) => o.metadata?.name)).toEqual(['shared']);
  }
  expect(entries()).toEqual([]);
});

describe('buildInputs: what can be keyed, and why not', () => {
  const tree = (files: Record<string, string>) => memoryTree(new Map(Object.entries({ 'base/kustomization.yaml': 'resources:\n  - cm.yaml\n', 'base/cm.yaml': 'x', ...files })));
  const reason = (kustomization: string, extra: Record<string, string> = {}) => {
    const inputs = buildInputs(tree({ 'o/kustomization.yaml': kustomization, ...extra }), 'o');
    return 'uncacheable' in inputs ? inputs.uncacheable : inputs;
  };

  test('the folders reached, transitively, and files named below them', () => {
    expect(reason('resources:\n  - ../base\npatches:\n  - path: p/x.yaml\nconfigMapGenerator:\n  - name: c\n    files: [k=conf/app.properties]\n', { 'o/p/x.yaml': 'y', 'o/conf/app.properties': 'z' })).toEqual({
      folders: ['o', 'base'],
      files: ['o/p/x.yaml', 'o/conf/app.properties'],
    });
  });

  test.each([
    ['resources:\n  - https://github.com/example-org/shared//config?ref=v1\n', "o/kustomization.yaml: resources[0]: 'https://github.com/example-org/shared//config?ref=v1' is not a path of the tree"],
    ['components:\n  - github.com/example-org/components/logging?ref=main\n', "o/kustomization.yaml: components[0]: 'github.com/example-org/components/logging?ref=main' is not a path of the tree"],
    ['helmCharts:\n  - name: redis\n    repo: oci://charts.example.com/redis\n', 'o/kustomization.yaml: helmCharts is not a field whose inputs ferry can key'],
    ['resources:\n  - ../../elsewhere\n', "o/kustomization.yaml: resources[0]: '../../elsewhere' leaves the tree"],
    ['resources:\n  - ../base/cm.yaml\n', "o/kustomization.yaml: resources[0]: '../base/cm.yaml' is not a file inside o"],
    ['patches:\n  - path: ../base/cm.yaml\n', "o/kustomization.yaml: patches[0].path: '../base/cm.yaml' is not a file inside o"],
    ['configMapGenerator:\n  - name: c\n    envs: [/etc/passwd]\n', "o/kustomization.yaml: configMapGenerator[0].envs[0]: '/etc/passwd' is not a file inside the kustomization's folder"],
    ['patchesStrategicMerge:\n  - missing.yaml\n', "o/kustomization.yaml: patchesStrategicMerge[0]: 'missing.yaml' is not a file of the tree"],
    ['patches:\n  - path: x.yaml\n    extra: 1\n', 'o/kustomization.yaml: patches[0].extra is not a field whose inputs ferry can key'],
    ['resources: [unclosed\n', expect.stringMatching(/^o\/kustomization\.yaml: not valid YAML/)],
  ])('%j is not keyed', (kustomization, expected) => {
    expect(reason(kustomization)).toEqual(expected);
  });

  test('a kustomization the overlay reaches counts as much as its own', () => {
    const inputs = buildInputs(tree({ 'o/kustomization.yaml': 'resources:\n  - ../base\n', 'base/kustomization.yaml': 'generators:\n  - gen.yaml\n' }), 'o');
    expect(inputs).toEqual({ uncacheable: 'base/kustomization.yaml: generators is not a field whose inputs ferry can key' });
  });
});

test('the kustomize version is asked of kubectl once, then remembered by the binary', () => {
  const memo = join(scratch, 'versions.json');
  const version = kustomizeVersion(['kubectl', 'kustomize'], memo);
  expect(version).toMatch(/^kubectl v\d+\.\d+\.\d+\S* kustomize v\d+\.\d+\.\d+/);
  const stored = JSON.parse(readFileSync(memo, 'utf8')) as Record<string, string>;
  expect(Object.values(stored)).toEqual([version]);
  // The remembered answer is what a later run uses: no process is asked while the binary is unchanged.
  writeFileSync(memo, JSON.stringify({ [Object.keys(stored)[0]!]: 'remembered' }));
  expect(kustomizeVersion(['kubectl', 'kustomize'], memo)).toBe('remembered');
  expect(kustomizeVersion(['no-such-kustomize-binary'], memo)).toBeUndefined();
});

test("kustomization summaries are remembered by their text's hash; a damaged memo is not read", async () => {
  await cachedRunner().runner.buildFolders(root, [OVERLAYS]);
  const memo = join(cacheDir, 'kustomization-summaries.json');
  const text = readFileSync(memo, 'utf8');
  expect(Object.keys((JSON.parse(text.slice(text.indexOf('\n') + 1)) as { summaries: object }).summaries)).toHaveLength(3);
  // A memo that says overlay b reads nothing but its folder would key b wrongly; the hash line refuses it.
  writeFileSync(memo, text.replace(/"entries":\[\{"key":"resources\[0\]","entry":"..\/..\/base\/web","kind":"reference"\}\]/, '"entries":[]'));
  expect(readFileSync(memo, 'utf8')).not.toBe(text);
  write('base/web/deployment.yaml', deployment('web', 'registry.example.com/web:v2.0.0'));
  const { cache, runner } = cachedRunner();
  const after = await runner.buildFolders(root, [OVERLAYS]);
  expect(cache.stats).toEqual({ hits: 0, misses: 2, uncacheable: 0, stored: 2 });
  expect([...after]).toEqual([...(await fresh())]);
});

test("a diff's two trees both keep their summaries, and the second run of it builds nothing", async () => {
  const base = new Map(Object.entries(TREE));
  const head = new Map(base).set('overlays/b/kustomization.yaml', TREE['overlays/b/kustomization.yaml']!.replace('namePrefix: b-', 'namePrefix: c-'));
  const trees = [
    { files: base, batches: [OVERLAYS] },
    { files: head, batches: [OVERLAYS] },
  ];
  const cold = cachedRunner();
  const built = await cold.runner.buildTrees(trees);
  // Both trees are looked up before anything is built: overlay a, the same on both sides, misses twice (a diff skips such overlays itself).
  expect(cold.cache.stats).toEqual({ hits: 0, misses: 4, uncacheable: 0, stored: 4 });
  const memo = readFileSync(join(cacheDir, 'kustomization-summaries.json'), 'utf8');
  expect(Object.keys((JSON.parse(memo.slice(memo.indexOf('\n') + 1)) as { summaries: object }).summaries)).toHaveLength(4);
  const warm = cachedRunner();
  expect(await warm.runner.buildTrees(trees)).toEqual(built);
  expect([warm.cache.stats.hits, warm.runner.stats.processes]).toEqual([4, 0]);
  expect(built[1]!.get('overlays/b')!.map((o) => o.metadata?.name)).toEqual(['c-web']);
});

test("a tree's missed overlays are built from their own inputs alone; without known inputs, from the whole tree", async () => {
  // kubectl kustomize behind a script that first lists the files of the tree it was handed.
  const record = join(scratch, 'files-seen');
  const listing = (cache?: KustomizeBuildCache) =>
    new KustomizeRunner({ cache, concurrency: 1, command: ['sh', '-c', `(cd "$1/../.." && find . -type f | sort) > '${record}'; exec kubectl kustomize "$1"`, 'sh'] });
  const files = new Map(Object.entries(TREE)).set('argocd/nonprod/app.yaml', 'kind: Application\n').set('overlays/b/notes.txt', 'b\n');
  const cache = new KustomizeBuildCache({ dir: cacheDir, kustomizeVersion: 'test-kustomize v1' });
  await listing(cache).buildTrees([{ files, batches: [['overlays/b']] }]);

  // b is in the cache: a alone is built, from its base, its kustomization and its patch.
  const changed = new Map(files).set('overlays/a/patches/replicas.yaml', TREE['overlays/a/patches/replicas.yaml']!.replace('replicas: 2', 'replicas: 3'));
  const [built] = await listing(cache).buildTrees([{ files: changed, batches: [OVERLAYS] }]);
  expect(readFileSync(record, 'utf8').split('\n').filter(Boolean)).toEqual([
    './base/web/deployment.yaml',
    './base/web/kustomization.yaml',
    './overlays/a/kustomization.yaml',
    './overlays/a/patches/replicas.yaml',
  ]);
  const [whole] = await listing().buildTrees([{ files: changed, batches: [['overlays/a']] }]);
  expect(whole!.get('overlays/a')).toEqual(built!.get('overlays/a'));
  // Without a cache nothing is known of the inputs: every file is there.
  expect(readFileSync(record, 'utf8').split('\n').filter(Boolean)).toEqual([...changed.keys()].map((p) => `./${p}`).sort());
});

test('beyond maxBytes the least recently used entries are pruned: a read counts as a use', async () => {
  const cache = new KustomizeBuildCache({ dir: cacheDir, kustomizeVersion: 'v', maxBytes: 1 });
  cache.write('old', [{ kind: 'A' }]);
  cache.write('mid', [{ kind: 'B' }]);
  cache.write('new', [{ kind: 'C' }]);
  utimesSync(join(cacheDir, 'old.build'), 1_000, 1_000);
  utimesSync(join(cacheDir, 'mid.build'), 2_000, 2_000);
  utimesSync(join(cacheDir, 'new.build'), 3_000, 3_000);
  const size = readFileSync(join(cacheDir, 'new.build')).length;
  new KustomizeBuildCache({ dir: cacheDir, kustomizeVersion: 'v', maxBytes: size * 2 }).prune();
  expect(entries().sort()).toEqual(['new.build']);
  expect(cache.read('new')).toEqual([{ kind: 'C' }]);
  expect(() => new KustomizeBuildCache({ dir: cacheDir, maxBytes: 0 })).toThrow('KustomizeBuildCache: maxBytes 0 must be a positive number of bytes');

  // Written first, but read since: it stays; the entries written after it and not read since go.
  cache.write('old', [{ kind: 'A' }]);
  cache.write('mid', [{ kind: 'B' }]);
  utimesSync(join(cacheDir, 'old.build'), 1_000, 1_000);
  utimesSync(join(cacheDir, 'mid.build'), 2_000, 2_000);
  utimesSync(join(cacheDir, 'new.build'), 3_000, 3_000);
  expect(new KustomizeBuildCache({ dir: cacheDir, kustomizeVersion: 'v', clock: () => 4_000_000 }).read('old')).toEqual([{ kind: 'A' }]);
  expect(statSync(join(cacheDir, 'old.build')).mtimeMs).toBe(4_000_000);
  new KustomizeBuildCache({ dir: cacheDir, kustomizeVersion: 'v', maxBytes: size * 2 }).prune();
  expect(entries().sort()).toEqual(['old.build']);
});

test('objects JSON cannot carry exactly are not stored', () => {
  const cache = new KustomizeBuildCache({ dir: cacheDir, kustomizeVersion: 'v' });
  cache.write('nan', [{ kind: 'A', value: Number.NaN }]);
  cache.write('date', [{ kind: 'A', value: new Date(0) }]);
  expect(cache.stats.stored).toBe(0);
  expect(cache.read('nan')).toBeUndefined();
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KustomizeRunner, type KustomizeEvent } from '../../lib/kustomize/kustomize-runner.js';
import { findRemoteResources } from '../../lib/kustomize/remote-resources.js';
import { listFiles } from '../../lib/render/tree.js';
import { overlayFolders } from '../../lib/render/verify-tree.js';
import { createPlatformRepo } from '../helpers/platform-repo.js';

const configMap = (namespace: string | undefined, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\n${namespace ? `  namespace: ${namespace}\n` : ''}data:\n  a: "${value}"\n`;

/** A tree of overlays `o/<name>`, each one ConfigMap `same` in the given namespace (none when undefined). */
function overlays(spec: Record<string, string | undefined>): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, namespace] of Object.entries(spec)) {
    files.set(`o/${name}/kustomization.yaml`, 'resources:\n  - cm.yaml\n');
    files.set(`o/${name}/cm.yaml`, configMap(namespace, name));
  }
  return files;
}

test('a batched build yields exactly the objects of one build per overlay', async () => {
  const repo = await createPlatformRepo({ git: false });
  try {
    const files = new Map(listFiles(repo.root, 'manifests').map((p) => [p, readFileSync(join(repo.root, p), 'utf8')]));
    const dirs = ['manifests/overlays/prod/api', 'manifests/overlays/prod/web'];
    const runner = new KustomizeRunner({ concurrency: 2 });
    const [batched, single] = await runner.buildTrees([
      { files, batches: [dirs] },
      { files, batches: dirs.map((d) => [d]) },
    ]);
    for (const dir of dirs) {
      const byKey = (objects: Record<string, any>[]) => objects.map((o) => JSON.stringify(o)).sort();
      expect(byKey(batched!.get(dir)!)).toEqual(byKey(single!.get(dir)!));
      expect(batched!.get(dir)!.length).toBe(9);
    }
    expect(JSON.stringify([...batched!.values()])).not.toContain('ferry.dev/diff-source');
  } finally {
    repo.cleanup();
  }
});

test('on a healthy tree every batch builds as one process: none falls back or splits', async () => {
  const repo = await createPlatformRepo({ git: false });
  try {
    const dirs = overlayFolders(repo.root);
    const groups = [...new Set(dirs.map((d) => d.split('/')[2]!))].map((env) => dirs.filter((d) => d.split('/')[2] === env));
    expect(groups.map((g) => g.length)).toEqual([2, 2, 2, 2]);
    const events: KustomizeEvent[] = [];
    const runner = new KustomizeRunner({ concurrency: 2, onEvent: (e) => events.push(e) });
    const batched = await runner.buildFolders(repo.root, groups);
    // If batching breaks (e.g. absolute paths in the wrappers), these fail: a batch that fails while
    // its overlays build alone is an error, and the process count would grow.
    expect(events).toEqual([]);
    expect(runner.stats).toEqual({ processes: 4, batches: 4, splits: 0, fallbacks: 0 });
    const alone = new KustomizeRunner({ batchSize: 1 });
    const single = await alone.buildFolders(repo.root, groups);
    expect(alone.stats.processes).toBe(8);
    expect([...batched.keys()].sort()).toEqual(dirs);
    for (const dir of dirs) expect(batched.get(dir)).toEqual(single.get(dir));
  } finally {
    repo.cleanup();
  }
});

test('objects are attributed to their overlay when two overlays yield same-named objects in different namespaces', async () => {
  const events: KustomizeEvent[] = [];
  const runner = new KustomizeRunner({ onEvent: (e) => events.push(e) });
  const [built] = await runner.buildTrees([{ files: overlays({ a: 'ns-a', b: 'ns-b' }), batches: [['o/a', 'o/b']] }]);
  expect(built!.get('o/a')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same', namespace: 'ns-a' }, data: { a: 'a' } }]);
  expect(built!.get('o/b')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same', namespace: 'ns-b' }, data: { a: 'b' } }]);
  expect(events).toEqual([]);
  expect(runner.stats).toEqual({ processes: 1, batches: 1, splits: 0, fallbacks: 0 });
});

test('a group is cut into batches of at most batchSize overlays, of even sizes', async () => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  const runner = new KustomizeRunner({ batchSize: 2, concurrency: 1 });
  const [built] = await runner.buildTrees([{ files: overlays(Object.fromEntries(names.map((n) => [n, `ns-${n}`]))), batches: [names.map((n) => `o/${n}`)] }]);
  expect(runner.stats).toEqual({ processes: 3, batches: 2, splits: 0, fallbacks: 0 }); // 2 + 2 + 1
  for (const n of names) expect(built!.get(`o/${n}`)!.map((o) => o.metadata?.namespace)).toEqual([`ns-${n}`]);
});

test('overlays that yield the same object id are built one by one instead of failing', async () => {
  const overlay = 'resources:\n  - cm.yaml\n';
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\ndata:\n  a: "1"\n';
  const files = new Map([
    ['o/a/kustomization.yaml', overlay],
    ['o/a/cm.yaml', cm],
    ['o/b/kustomization.yaml', overlay],
    ['o/b/cm.yaml', cm.replace('"1"', '"2"')],
  ]);
  const events: KustomizeEvent[] = [];
  const runner = new KustomizeRunner({ onEvent: (e) => events.push(e) });
  const [built] = await runner.buildTrees([{ files, batches: [['o/a', 'o/b']] }]);
  expect(built!.get('o/a')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same' }, data: { a: '1' } }]);
  expect(built!.get('o/b')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same' }, data: { a: '2' } }]);
  // Not silent: the split is reported, with kustomize's reason.
  expect(events.map((e) => [e.type, e.overlays])).toEqual([['split', ['o/a', 'o/b']]]);
  expect(events[0]!.reason).toMatch(/already registered id: ConfigMap.*same/);
  expect(runner.stats).toEqual({ processes: 3, batches: 0, splits: 1, fallbacks: 0 });
});

test('colliding overlays are split apart, the others still share processes', async () => {
  const runner = new KustomizeRunner({ concurrency: 1 });
  const [built] = await runner.buildTrees([{ files: overlays({ a: undefined, b: 'x', c: 'y', d: undefined }), batches: [['o/a', 'o/b', 'o/c', 'o/d']] }]);
  expect(['o/a', 'o/b', 'o/c', 'o/d'].map((d) => built!.get(d)!.map((o) => (o.data as { a: string }).a))).toEqual([['a'], ['b'], ['c'], ['d']]);
  expect(runner.stats).toEqual({ processes: 3, batches: 2, splits: 1, fallbacks: 0 }); // [a b c d] fails; [a b] and [c d] build
});

test('a kustomize failure names the folder and kustomize says why', async () => {
  const files = new Map([['o/bad/kustomization.yaml', 'resources:\n  - missing.yaml\n']]);
  await expect(new KustomizeRunner().buildTrees([{ files, batches: [['o/bad']] }])).rejects.toThrow(/kubectl kustomize .*\/o\/bad failed: .*missing\.yaml/);
});

test('a failing batch is rebuilt overlay by overlay only to name the failing overlay, and says so', async () => {
  const files = overlays({ a: 'ns-a', c: 'ns-c' });
  files.set('o/bad/kustomization.yaml', 'resources:\n  - missing.yaml\n');
  const events: KustomizeEvent[] = [];
  const runner = new KustomizeRunner({ onEvent: (e) => events.push(e) });
  await expect(runner.buildTrees([{ files, batches: [['o/a', 'o/bad', 'o/c']] }])).rejects.toThrow(/kubectl kustomize \S*\/o\/bad failed: .*missing\.yaml/);
  expect(events.map((e) => [e.type, e.overlays])).toEqual([['fallback', ['o/a', 'o/bad', 'o/c']]]);
  expect(runner.stats.fallbacks).toBe(1);
});

describe('remote resources', () => {
  const remote = [
    'resources:',
    '  - ../../base/api',
    '  - https://github.com/example-org/shared//config?ref=v1.2.0',
    '  - git@gitlab.example.com:org/repo.git//deploy',
    'components:',
    '  - github.com/example-org/components/logging?ref=main',
    'helmCharts:',
    '  - name: redis',
    '    repo: oci://charts.example.com/redis',
    '',
  ].join('\n');
  const files = new Map([
    ['o/app/kustomization.yaml', 'resources:\n  - ../../base/api\n'],
    ['base/api/kustomization.yaml', remote.replace('  - ../../base/api\n', '  - cm.yaml\n')],
    ['base/api/cm.yaml', configMap(undefined, 'x')],
  ]);

  test('are refused before kustomize runs, naming the file, the key and the entry', async () => {
    const runner = new KustomizeRunner();
    const error = await runner.buildTrees([{ files, batches: [['o/app']] }]).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(error).toBe(
      [
        'kustomize: 4 remote reference(s); ferry builds only files of the repository unless the host is allowed (allowedRemoteHosts / --allow-remote <host>):',
        "  base/api/kustomization.yaml: resources[1]: 'https://github.com/example-org/shared//config?ref=v1.2.0' (host github.com)",
        "  base/api/kustomization.yaml: resources[2]: 'git@gitlab.example.com:org/repo.git//deploy' (host gitlab.example.com)",
        "  base/api/kustomization.yaml: components[0]: 'github.com/example-org/components/logging?ref=main' (host github.com)",
        "  base/api/kustomization.yaml: helmCharts[0].repo: 'oci://charts.example.com/redis' (host charts.example.com)",
      ].join('\n'),
    );
    expect(runner.stats.processes).toBe(0);
  });

  test('an allowed host is let through; local paths are followed, not flagged', () => {
    const root = mkdtempSync(join(tmpdir(), 'ferry-remote-'));
    try {
      for (const [path, content] of files) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), content);
      }
      const found = findRemoteResources(root, ['o/app'], ['github.com', 'CHARTS.example.com']);
      expect(found.map((r) => `${r.file}: ${r.key}`)).toEqual(['base/api/kustomization.yaml: resources[2]']);
      expect(findRemoteResources(root, ['base/api'], ['github.com', 'gitlab.example.com', 'charts.example.com'])).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

test('ferry validate refuses an overlay with a remote resource, naming file, key and entry', async () => {
  const repo = await createPlatformRepo({ git: false });
  try {
    const file = 'manifests/overlays/dev/api/kustomization.yaml';
    repo.write(file, repo.read(file).replace('resources:\n', 'resources:\n  - https://raw.example.com/x/cm.yaml\n'));
    const refused = await repo.ferry(['validate']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`  ${file}: resources[0]: 'https://raw.example.com/x/cm.yaml' (host raw.example.com)`);
  } finally {
    repo.cleanup();
  }
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KustomizeRunner } from '../../lib/diff/kustomize-build.js';
import { listFiles } from '../../lib/render/tree.js';
import { createPlatformRepo } from '../helpers/platform-repo.js';

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

test('overlays that yield the same object id are built one by one instead of failing', async () => {
  const overlay = 'resources:\n  - cm.yaml\n';
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\ndata:\n  a: "1"\n';
  const files = new Map([
    ['o/a/kustomization.yaml', overlay],
    ['o/a/cm.yaml', cm],
    ['o/b/kustomization.yaml', overlay],
    ['o/b/cm.yaml', cm.replace('"1"', '"2"')],
  ]);
  const [built] = await new KustomizeRunner().buildTrees([{ files, batches: [['o/a', 'o/b']] }]);
  expect(built!.get('o/a')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same' }, data: { a: '1' } }]);
  expect(built!.get('o/b')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same' }, data: { a: '2' } }]);
});

test('a kustomize failure names the folder and kustomize says why', async () => {
  const files = new Map([['o/bad/kustomization.yaml', 'resources:\n  - missing.yaml\n']]);
  await expect(new KustomizeRunner().buildTrees([{ files, batches: [['o/bad']] }])).rejects.toThrow(/kubectl kustomize .*\/o\/bad failed: .*missing\.yaml/);
});

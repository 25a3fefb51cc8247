import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { PRE_STAGE_PREFIX } from '../../lib/fs/atomic-tree.js';
import { PreStage } from '../../lib/fs/pre-stage.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-prestage-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Every file under `dir` with its content. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[relative(dir, join(e.parentPath, e.name)).split(sep).join('/')] = readFileSync(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

test('writes the files whose folder is not on disk, byte for byte, across batches; leaves the others to the transaction', async () => {
  mkdirSync(join(root, 'manifests/base/api'), { recursive: true });
  writeFileSync(join(root, 'manifests/overlays'), 'a file where a folder would go');
  const steps: string[] = [];
  // 40 bytes a batch: most files go alone, one is larger than a batch.
  const preStage = new PreStage(root, { durable: false, batchBytes: 40, sha256: true, onStep: (n, description) => steps.push(`${n} ${description}`) });
  const offered: Record<string, string> = {
    'manifests/base/api/deployment.yaml': 'on disk already: not taken',
    'manifests/base/web/deployment.yaml': 'kind: Deployment\n',
    'manifests/base/web/service.yaml': 'kind: Service # ü, 😀\n',
    'manifests/overlays/dev/web/kustomization.yaml': `${'x'.repeat(100)}\n`,
    'manifests/argocd/nonprod/app-project-shop.yaml': '',
    'top-level.yaml': 'at the root: not taken',
  };
  for (const [path, content] of Object.entries(offered)) preStage.offer(path, content);
  const staged = await preStage.finish();
  const taken = ['manifests/base/web/deployment.yaml', 'manifests/base/web/service.yaml', 'manifests/overlays/dev/web/kustomization.yaml', 'manifests/argocd/nonprod/app-project-shop.yaml'];
  expect(steps).toEqual(taken.map((path, i) => `${i + 1} pre-stage ${path}`));
  expect(staged?.folder).toBe(preStage.folder);
  expect(preStage.folder).toMatch(new RegExp(`^${root}/\\${PRE_STAGE_PREFIX}${process.pid}-[0-9a-f]{12}$`));
  expect([...staged!.files.keys()]).toEqual(taken);
  expect(files(preStage.folder)).toEqual(Object.fromEntries(taken.map((path) => [path, offered[path]])));
  // Hashed on the writer thread as the render record hashes a file: SHA-256 of its UTF-8 bytes.
  expect(Object.fromEntries(staged!.sha256)).toEqual(Object.fromEntries(taken.map((path) => [path, createHash('sha256').update(offered[path]!, 'utf8').digest('hex')])));
  await preStage.discard();
  expect(readdirSync(root).sort()).toEqual(['manifests']);
});

test('a path offered twice: its last content is written, kept and hashed', async () => {
  const preStage = new PreStage(root, { durable: false, batchBytes: 4, sha256: true });
  preStage.offer('manifests/a.yaml', 'first\n');
  preStage.offer('manifests/b.yaml', 'b\n');
  preStage.offer('manifests/a.yaml', 'second\n');
  const staged = await preStage.finish();
  expect(Object.fromEntries(staged!.files)).toEqual({ 'manifests/a.yaml': 'second\n', 'manifests/b.yaml': 'b\n' });
  expect(staged!.sha256.get('manifests/a.yaml')).toBe(createHash('sha256').update('second\n').digest('hex'));
  expect(files(preStage.folder)).toEqual({ 'manifests/a.yaml': 'second\n', 'manifests/b.yaml': 'b\n' });
  await preStage.discard();
});

test('nothing to take: no thread, no folder', async () => {
  const preStage = new PreStage(root);
  mkdirSync(join(root, 'manifests/base'), { recursive: true });
  preStage.offer('manifests/base/a.yaml', 'a');
  expect(await preStage.finish()).toBeUndefined();
  await preStage.discard();
  expect(readdirSync(root)).toEqual(['manifests']);
});

test('a write that fails (a file where a folder must go) gives no pre-stage and removes the folder, with what was written before it', async () => {
  const preStage = new PreStage(root, { durable: false, batchBytes: 8 });
  preStage.offer('manifests/a/b.yaml', 'first file\n');
  preStage.offer('manifests/a/b.yaml/c.yaml', 'under a file\n');
  preStage.offer('manifests/d/e.yaml', 'after the failure\n');
  expect(await preStage.finish()).toBeUndefined();
  expect(readdirSync(root)).toEqual([]);
});

test('discarded while writing (a failed render): the thread stops and the folder goes', async () => {
  const preStage = new PreStage(root, { durable: false, batchBytes: 1 << 10 });
  for (let i = 0; i < 2000; i++) preStage.offer(`manifests/overlays/env-${i % 5}/svc-${i}/kustomization.yaml`, `service: ${i}\n`.repeat(20));
  await preStage.discard();
  expect(readdirSync(root)).toEqual([]);
});

test('a batch size that is no whole number of bytes is refused, quoting it', () => {
  expect(() => new PreStage(root, { batchBytes: 0 })).toThrow("PreStage: 'batchBytes' must be a whole number of at least 1, not 0");
  expect(() => new PreStage(root, { batchBytes: 1.5 })).toThrow("PreStage: 'batchBytes' must be a whole number of at least 1, not 1.5");
});

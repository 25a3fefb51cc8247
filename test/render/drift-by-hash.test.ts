import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { listFilesInWorker } from '../../lib/fs/file-listing.js';
import { driftByHash, driftByHashAsync, type Expected } from '../../lib/render/incremental-render.js';
import { contentHash } from '../../lib/render/render-inputs.js';
import { listFiles } from '../../lib/render/tree.js';

const FILES: Record<string, string> = {
  'manifests/base/api/deployment.yaml': 'kind: Deployment\n',
  'manifests/base/api/service.yaml': 'kind: Service\n',
  'manifests/overlays/dev/api/kustomization.yaml': 'images: []\n',
  'manifests/overlays/prod/api/kustomization.yaml': 'images: [prod]\n',
  'manifests/overlays/prod/wéb/kustomization.yaml': 'images: [web]\n',
  'manifests/argocd/project.yaml': 'kind: AppProject\n',
};

describe('the drift of a rendered tree, by hash', () => {
  let root: string;
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const expected: Expected = {
    manifests: new Map(Object.entries(FILES).map(([path, content]) => [path, contentHash(content)])),
    github: [],
    contents: new Map(),
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ferry-drift-'));
    for (const [path, content] of Object.entries(FILES)) write(path, content);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds nothing in a tree as rendered, whether the folders are walked here or in a worker', async () => {
    expect(driftByHash(root, expected)).toEqual([]);
    expect(await driftByHashAsync(root, expected, 0)).toEqual([]);
  });

  it('gives the same lines with the walk in a worker: changed, missing, a symlink, a folder where a file was, stale', async () => {
    write('manifests/overlays/dev/api/kustomization.yaml', 'images: [edited]\n');
    unlinkSync(join(root, 'manifests/base/api/service.yaml'));
    // Same bytes behind a symlink: not a rendered file, so missing (the walk lists files only).
    unlinkSync(join(root, 'manifests/argocd/project.yaml'));
    write('outside/project.yaml', FILES['manifests/argocd/project.yaml']!);
    symlinkSync(join(root, 'outside/project.yaml'), join(root, 'manifests/argocd/project.yaml'));
    unlinkSync(join(root, 'manifests/overlays/prod/api/kustomization.yaml'));
    mkdirSync(join(root, 'manifests/overlays/prod/api/kustomization.yaml'));
    write('manifests/overlays/qa/api/kustomization.yaml', 'images: [qa]\n');
    const lines = [
      { state: 'changed', path: 'manifests/overlays/dev/api/kustomization.yaml' },
      { state: 'missing', path: 'manifests/base/api/service.yaml' },
      { state: 'missing', path: 'manifests/overlays/prod/api/kustomization.yaml' },
      { state: 'missing', path: 'manifests/argocd/project.yaml' },
      { state: 'stale', path: 'manifests/overlays/qa/api/kustomization.yaml' },
    ];
    expect(driftByHash(root, expected)).toEqual(lines);
    expect(await driftByHashAsync(root, expected, 0)).toEqual(lines);
  });

  it('reports every file missing when manifests/ is gone, either way', async () => {
    rmSync(join(root, 'manifests'), { recursive: true });
    const lines = [...expected.manifests.keys()].map((path) => ({ state: 'missing', path }));
    expect(driftByHash(root, expected)).toEqual(lines);
    expect(await driftByHashAsync(root, expected, 0)).toEqual(lines);
  });

  it('lists in a worker exactly what listFiles lists, and rejects for a missing folder', async () => {
    mkdirSync(join(root, 'manifests/empty/deeper'), { recursive: true });
    symlinkSync(join(root, 'manifests/base'), join(root, 'manifests/linked-folder'));
    expect(await listFilesInWorker(join(root, 'manifests'), 'manifests')).toEqual(listFiles(root, 'manifests'));
    expect(listFiles(root, 'manifests')).toEqual(Object.keys(FILES).sort());
    await expect(listFilesInWorker(join(root, 'nowhere'), 'nowhere')).rejects.toThrow(/ENOENT/);
  });
});

import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportFiles, listTree } from '../../lib/git/export-tree.js';
import { Git } from '../../lib/git/git.js';
import { useScratchRepo } from './scratch-repo.js';

const repo = useScratchRepo('ferry-export-');
let out: string;
beforeEach(() => (out = mkdtempSync(join(tmpdir(), 'ferry-export-out-'))));
afterEach(() => rmSync(out, { recursive: true, force: true }));

test('writes the chosen files of a commit as committed: content, executables, links', async () => {
  mkdirSync(join(repo.root, 'platform'));
  mkdirSync(join(repo.root, 'manifests/base/api'), { recursive: true });
  writeFileSync(join(repo.root, 'manifests/base/api/deployment.yaml'), 'kind: Deployment\n');
  writeFileSync(join(repo.root, 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(repo.root, 'run.sh'), 0o755);
  symlinkSync('platform/platform.ts', join(repo.root, 'link.ts'));
  const first = repo.commit({ 'platform/platform.ts': 'export const a = 1;\n', 'win.cmd': 'one\r\ntwo\n' }, 'first');
  repo.commit({ 'platform/platform.ts': 'export const a = 2;\n' }, 'second');

  const files = await listTree(repo.git, first);
  expect(files.map((f) => `${f.mode} ${f.path}`).sort()).toEqual([
    '100644 manifests/base/api/deployment.yaml',
    '100644 platform/platform.ts',
    '100644 win.cmd',
    '100755 run.sh',
    '120000 link.ts',
  ]);
  // Each entry carries its blob's id; without recursion, the files at the root alone.
  expect(files.find((f) => f.path === 'platform/platform.ts')!.id).toBe(repo.git.run(['rev-parse', `${first}:platform/platform.ts`]).trim());
  expect((await listTree(repo.git, first, { recursive: false })).map((f) => f.path).sort()).toEqual(['link.ts', 'run.sh', 'win.cmd']);
  await exportFiles(repo.git, first, files.filter((f) => !f.path.startsWith('manifests/')), out);

  expect(readFileSync(join(out, 'platform/platform.ts'), 'utf8')).toBe('export const a = 1;\n');
  expect(readFileSync(join(out, 'win.cmd'), 'utf8')).toBe('one\r\ntwo\n');
  expect(statSync(join(out, 'run.sh')).mode & 0o777).toBe(0o755);
  expect(lstatSync(join(out, 'link.ts')).isSymbolicLink()).toBe(true);
  expect(readlinkSync(join(out, 'link.ts'))).toBe('platform/platform.ts');
  expect(() => statSync(join(out, 'manifests'))).toThrow(/ENOENT/);
});

test('a path git cannot take on its batch input is refused, naming it; a path not in the commit fails', async () => {
  const commit = repo.commit({ 'a.txt': 'a\n' }, 'first');
  await expect(exportFiles(repo.git, commit, [{ mode: '100644', path: 'bad\nname' }], out)).rejects.toThrow('"bad\\nname": a path with a newline cannot be read through git cat-file --batch');
  await expect(exportFiles(repo.git, commit, [{ mode: '100644', path: 'a.txt' }, { mode: '100644', path: 'gone.txt' }], out)).rejects.toThrow(`git cat-file: ${commit}:./gone.txt is missing`);
});

test('from a subfolder of the repository (a platform in a monorepo), its files, named from there', async () => {
  mkdirSync(join(repo.root, 'platforms/shop/platform'), { recursive: true });
  const commit = repo.commit({ 'README.md': 'top\n', 'platforms/shop/Pulumi.yaml': 'name: shop\n', 'platforms/shop/platform/platform.ts': 'export const a = 1;\n' }, 'first');
  const shop = new Git(join(repo.root, 'platforms/shop'));

  const files = await listTree(shop, commit);
  expect(files.map((f) => f.path).sort()).toEqual(['Pulumi.yaml', 'platform/platform.ts']);
  expect((await listTree(shop, commit, { recursive: false })).map((f) => f.path)).toEqual(['Pulumi.yaml']);
  await exportFiles(shop, commit, files, out);
  expect(readFileSync(join(out, 'platform/platform.ts'), 'utf8')).toBe('export const a = 1;\n');
  expect(shop.readFileAt(commit, 'Pulumi.yaml')).toBe('name: shop\n');
});

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareTree, listFiles, writeTreeAtomically } from '../../lib/render/tree.js';
import { writeFiles } from '../helpers/file-tree.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-tree-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  writeFiles(root, files);
}

function tree(): Record<string, string> {
  return Object.fromEntries(listFiles(root, 'manifests').map((p) => [p, readFileSync(join(root, p), 'utf8')]));
}

describe('writeTreeAtomically', () => {
  test('writes only what differs, removes stale files and the folders they leave empty', () => {
    write({ 'manifests/a.yaml': 'old', 'manifests/same.yaml': 'same', 'manifests/gone/x.yaml': 'stale' });
    const drift = writeTreeAtomically(root, new Map([['manifests/a.yaml', 'new'], ['manifests/same.yaml', 'same'], ['manifests/added/b.yaml', 'b']]));
    expect(drift).toEqual({ changed: ['manifests/a.yaml'], missing: ['manifests/added/b.yaml'], stale: ['manifests/gone/x.yaml'] });
    expect(tree()).toEqual({ 'manifests/a.yaml': 'new', 'manifests/added/b.yaml': 'b', 'manifests/same.yaml': 'same' });
    expect(readdirSync(join(root, 'manifests')).sort()).toEqual(['a.yaml', 'added', 'same.yaml']);
    expect(readdirSync(root)).toEqual(['manifests']);
  });

  test('an unchanged tree is not touched', () => {
    write({ 'manifests/a.yaml': 'a' });
    expect(writeTreeAtomically(root, new Map([['manifests/a.yaml', 'a']]))).toEqual({ changed: [], missing: [], stale: [] });
  });

  test('a failure while swapping puts every file back and leaves no staging folder', () => {
    write({ 'manifests/a.yaml': 'old', 'manifests/blocker.yaml': 'keep' });
    // A file where a folder must go makes the swap fail after a.yaml was already replaced.
    const files = new Map([['manifests/a.yaml', 'new'], ['manifests/blocker.yaml', 'keep'], ['manifests/blocker.yaml/child.yaml', 'x']]);
    expect(() => writeTreeAtomically(root, files)).toThrow(/ENOTDIR|EEXIST/);
    expect(tree()).toEqual({ 'manifests/a.yaml': 'old', 'manifests/blocker.yaml': 'keep' });
    expect(readdirSync(root)).toEqual(['manifests']);
  });

  test('paths outside manifests/ are refused before anything is written', () => {
    expect(() => writeTreeAtomically(root, new Map([['manifests/../Pulumi.prod.yaml', 'x']]))).toThrow('refusing to write manifests/../Pulumi.prod.yaml: outside manifests/');
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('compareTree', () => {
  test('sorts drift into changed, missing and stale', () => {
    write({ 'manifests/a.yaml': 'a', 'manifests/b.yaml': 'b' });
    expect(compareTree(root, new Map([['manifests/a.yaml', 'A'], ['manifests/c.yaml', 'c']]))).toEqual({
      changed: ['manifests/a.yaml'],
      missing: ['manifests/c.yaml'],
      stale: ['manifests/b.yaml'],
    });
  });
});

/**
 * lib/fs/atomic-tree.ts with pre-staged files (lib/fs/pre-stage.ts) and new folders placed whole
 * (`moveNewFolders`): the same tree as a transaction without them, fewer steps, and after a failure
 * at any step (recovery included) the old tree or the new one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRE_STAGE_PREFIX, recoverTree, TREE_TRANSACTION, updateTreeAtomically, writeFilesAtomically, type AtomicTreeOptions, type FileWrite } from '../../lib/fs/atomic-tree.js';
import { PreStage } from '../../lib/fs/pre-stage.js';
import { readFiles, writeFiles } from '../helpers/file-tree.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-prestaged-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  writeFiles(root, files);
}

function tree(): Record<string, string> {
  return readFiles(root);
}

function same(a: Record<string, string>, b: Record<string, string>): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}

/** Pre-stages `changes` (those whose folder is not on disk), as a render does while it synthesises. */
async function preStage(changes: readonly FileWrite[]) {
  const stage = new PreStage(root, { durable: false });
  for (const { path, content } of changes) if (content !== undefined) stage.offer(path, content);
  return { stage, preStaged: await stage.finish() };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

const OLD = { 'manifests/a.yaml': 'a1', 'manifests/base/api/d.yaml': 'd1', 'manifests/gone/g.yaml': 'g1' };
const CHANGES: FileWrite[] = [
  { path: 'manifests/a.yaml', content: 'a2' },
  { path: 'manifests/base/api/d.yaml', content: 'd1' }, // unchanged
  { path: 'manifests/gone/g.yaml', content: undefined },
  { path: 'manifests/base/web/d.yaml', content: 'w2' },
  { path: 'manifests/base/web/s.yaml', content: 's2' },
  { path: 'manifests/overlays/dev/web/k.yaml', content: 'k2' },
  { path: '.github/CODEOWNERS', content: 'c2' },
];
const NEW = { 'manifests/a.yaml': 'a2', 'manifests/base/api/d.yaml': 'd1', 'manifests/base/web/d.yaml': 'w2', 'manifests/base/web/s.yaml': 's2', 'manifests/overlays/dev/web/k.yaml': 'k2', '.github/CODEOWNERS': 'c2' };

test('pre-staged files are adopted, not written again; new folders are placed whole; the tree is the one a plain transaction writes', async () => {
  write(OLD);
  const { stage, preStaged } = await preStage(CHANGES);
  expect([...preStaged!.files.keys()]).toEqual(['manifests/base/web/d.yaml', 'manifests/base/web/s.yaml', 'manifests/overlays/dev/web/k.yaml', '.github/CODEOWNERS']);
  const steps: string[] = [];
  writeFilesAtomically(root, CHANGES, { durable: false, preStaged, moveNewFolders: true, onStep: (_n, step) => steps.push(step) });
  await stage.discard();
  expect(steps).toEqual([
    'adopt pre-staged files',
    'stage manifests/a.yaml',
    'write journal',
    'commit journal',
    'retire manifests/gone/g.yaml',
    'retire manifests/a.yaml',
    'place manifests/a.yaml',
    'place manifests/base/web/',
    'place manifests/overlays/',
    'place .github/',
    'prune empty folders',
    'drop journal',
    'drop transaction folder',
  ]);
  expect(tree()).toEqual(NEW);
  expect(readdirSync(root).sort()).toEqual(['.github', 'manifests']);

  // The same changes without either: the same tree.
  rmSync(root, { recursive: true });
  mkdirSync(root);
  write(OLD);
  writeFilesAtomically(root, CHANGES, { durable: false });
  expect(tree()).toEqual(NEW);
});

test('a pre-staged file the transaction does not write is dropped from the staging; one with other content is staged again', async () => {
  const { stage, preStaged } = await preStage([
    { path: 'manifests/base/web/d.yaml', content: 'w2' },
    { path: 'manifests/base/web/s.yaml', content: 's2' },
  ]);
  // Meanwhile another writer put d.yaml in place with the same content.
  write({ 'manifests/base/web/d.yaml': 'w2' });
  const steps: string[] = [];
  writeFilesAtomically(root, [{ path: 'manifests/base/web/d.yaml', content: 'w2' }, { path: 'manifests/base/web/s.yaml', content: 's3' }], { durable: false, preStaged, moveNewFolders: true, onStep: (_n, step) => steps.push(step) });
  await stage.discard();
  expect(steps.slice(0, 3)).toEqual(['adopt pre-staged files', 'drop pre-staged manifests/base/web/d.yaml', 'stage manifests/base/web/s.yaml']);
  expect(tree()).toEqual({ 'manifests/base/web/d.yaml': 'w2', 'manifests/base/web/s.yaml': 's3' });
  expect(readdirSync(root)).toEqual(['manifests']);
});

test('a failure at any step, then recovery: the old tree or the new one, and nothing of ferry left', async () => {
  let total = 0;
  write(OLD);
  const counting = await preStage(CHANGES);
  writeFilesAtomically(root, CHANGES, { durable: false, preStaged: counting.preStaged, moveNewFolders: true, onStep: (n) => void (total = n) });
  await counting.stage.discard();
  expect(total).toBe(13);
  const outcomes = new Set<string>();
  for (let n = 1; n <= total; n++) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root);
    write(OLD);
    const { stage, preStaged } = await preStage(CHANGES);
    const fail = new Error(`step ${n}`);
    const options: AtomicTreeOptions = { durable: false, preStaged, moveNewFolders: true, onStep: (step) => {
      if (step === n) throw fail;
    } };
    expect(() => writeFilesAtomically(root, CHANGES, options)).toThrow(fail);
    await stage.discard();
    recoverTree(root);
    const now = tree();
    const whole = same(now, OLD) ? 'old' : same(now, NEW) ? 'new' : 'mixed';
    outcomes.add(whole);
    expect({ n, whole, root: readdirSync(root).filter((name) => name.startsWith('.ferry')) }).toEqual({ n, whole: expect.stringMatching(/^(old|new)$/), root: [] });
  }
  expect([...outcomes].sort()).toEqual(['new', 'old']);
});

test('a journal that moves a folder (version 2) is rolled forward, or back by removing the folder', () => {
  write({ 'manifests/a.yaml': 'old', [`${TREE_TRANSACTION}/staging/manifests/base/web/d.yaml`]: 'w', [`${TREE_TRANSACTION}/staging/manifests/base/web/s.yaml`]: 's' });
  const journal = { version: 2, ops: [{ path: 'manifests/base', write: true, existed: false, folder: true }] };
  write({ [`${TREE_TRANSACTION}/journal.json`]: JSON.stringify(journal) });
  expect(recoverTree(root)).toBe('rolled-forward');
  expect(tree()).toEqual({ 'manifests/a.yaml': 'old', 'manifests/base/web/d.yaml': 'w', 'manifests/base/web/s.yaml': 's' });
  expect(readdirSync(root)).toEqual(['manifests']);

  // Placed, then a step that cannot be redone (a file where a folder must go): back to the old tree, the folder gone.
  rmSync(join(root, 'manifests'), { recursive: true });
  write({ 'manifests/a.yaml': 'old', 'manifests/blocker': 'a file', 'manifests/base/web/d.yaml': 'w', [`${TREE_TRANSACTION}/staging/manifests/blocker/x.yaml`]: 'x' });
  write({ [`${TREE_TRANSACTION}/journal.json`]: JSON.stringify({ version: 2, ops: [...journal.ops, { path: 'manifests/blocker/x.yaml', write: true, existed: false }] }) });
  expect(recoverTree(root)).toBe('rolled-back');
  expect(tree()).toEqual({ 'manifests/a.yaml': 'old', 'manifests/blocker': 'a file' });
});

test('a folder whose parent is a file is not moved whole: the write fails as it does without moveNewFolders', async () => {
  const attempt = (options: AtomicTreeOptions) => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root);
    write({ 'manifests/a.yaml': 'old', 'manifests/blocker': 'a file' });
    try {
      writeFilesAtomically(root, [{ path: 'manifests/a.yaml', content: 'new' }, { path: 'manifests/blocker/sub/x.yaml', content: 'x' }], { durable: false, ...options });
      return 'written';
    } catch (e) {
      return (e as Error).message;
    }
  };
  const plain = attempt({});
  expect(plain).toBe(`ENOTDIR: not a directory, mkdir '${join(root, 'manifests/blocker/sub')}'`);
  expect(attempt({ moveNewFolders: true })).toBe(plain);
  expect(tree()).toEqual({ 'manifests/a.yaml': 'old', 'manifests/blocker': 'a file' });
});

test("recovery removes a dead process's pre-stage folder and keeps a live one's; the tree refuses paths under one", () => {
  const dead = `${PRE_STAGE_PREFIX}${deadPid()}-abc123`;
  const live = `${PRE_STAGE_PREFIX}${process.pid}-def456`;
  write({ [`${dead}/manifests/a.yaml`]: 'x', [`${live}/manifests/a.yaml`]: 'y', [`${PRE_STAGE_PREFIX}notapid/x`]: 'not ferry\'s' });
  expect(recoverTree(root)).toBe('clean');
  expect(readdirSync(root).sort()).toEqual([live, `${PRE_STAGE_PREFIX}notapid`]);
  expect(() => writeFilesAtomically(root, [{ path: `${live}/manifests/a.yaml`, content: 'z' }])).toThrow(`refusing to write ${live}/manifests/a.yaml: ferry's own transaction files`);
  expect(existsSync(join(root, dead))).toBe(false);
});

test('a pre-stage that was never adopted (nothing to write) stays for its owner to discard', async () => {
  write({ 'manifests/a.yaml': 'a' });
  const { stage, preStaged } = await preStage([{ path: 'manifests/new/b.yaml', content: 'b' }]);
  const result = updateTreeAtomically(root, () => ({ changes: [{ path: 'manifests/a.yaml', content: 'a' }], result: 'nothing' }), { durable: false, preStaged, moveNewFolders: true });
  expect(result).toBe('nothing');
  expect(existsSync(stage.folder)).toBe(true);
  await stage.discard();
  expect(readdirSync(root)).toEqual(['manifests']);
});

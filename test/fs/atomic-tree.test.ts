import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { recoverTree, TREE_LOCK, TREE_TRANSACTION, TreeBusyError, updateTreeAtomically, writeFilesAtomically, type FileWrite } from '../../lib/fs/atomic-tree.js';
import type { LockClock } from '../../lib/fs/lock-file.js';
import { readFiles, writeFiles } from '../helpers/file-tree.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-atomic-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  writeFiles(root, files);
}

function tree(): Record<string, string> {
  return readFiles(root);
}

/** A clock whose sleep only advances its time, recording each sleep. */
function fakeClock(onSleep: (slept: number) => void = () => undefined): LockClock & { readonly sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      onSleep(sleeps.length);
    },
  };
}

const OLD = { 'manifests/a.yaml': 'a1', 'manifests/b/b.yaml': 'b1', 'manifests/gone/g.yaml': 'g1', 'Pulumi.dev.yaml': 'dev1' };
const CHANGES: FileWrite[] = [
  { path: 'manifests/a.yaml', content: 'a2' },
  { path: 'manifests/b/b.yaml', content: 'b1' }, // unchanged
  { path: 'manifests/gone/g.yaml', content: undefined },
  { path: 'manifests/new/n.yaml', content: 'n2' },
  { path: 'Pulumi.dev.yaml', content: 'dev2' },
];
const NEW = { 'manifests/a.yaml': 'a2', 'manifests/b/b.yaml': 'b1', 'manifests/new/n.yaml': 'n2', 'Pulumi.dev.yaml': 'dev2' };

describe('writeFilesAtomically', () => {
  test('writes and removes in one go, prunes emptied folders, leaves no lock or transaction folder', () => {
    write(OLD);
    writeFilesAtomically(root, CHANGES);
    expect(tree()).toEqual(NEW);
    expect(readdirSync(root).sort()).toEqual(['Pulumi.dev.yaml', 'manifests']);
    expect(readdirSync(join(root, 'manifests')).sort()).toEqual(['a.yaml', 'b', 'new']);
  });

  test('refuses paths that leave the tree or touch its own files, before writing anything', () => {
    for (const path of ['../x', '/etc/x', 'a/../b', 'a//b', '', `${TREE_TRANSACTION}/journal.json`, TREE_LOCK]) {
      expect(() => writeFilesAtomically(root, [{ path, content: 'x' }])).toThrow(/^refusing to write/);
    }
    expect(readdirSync(root)).toEqual([]);
  });

  test('an error at any step leaves the old tree (before the journal) or, after recovery, one whole version', () => {
    write(OLD);
    let total = 0;
    const counting = mkdtempSync(join(tmpdir(), 'ferry-atomic-count-'));
    try {
      for (const [p, c] of Object.entries(OLD)) {
        mkdirSync(dirname(join(counting, p)), { recursive: true });
        writeFileSync(join(counting, p), c);
      }
      writeFilesAtomically(counting, CHANGES, { onStep: (n) => void (total = n) });
    } finally {
      rmSync(counting, { recursive: true, force: true });
    }
    expect(total).toBeGreaterThan(8);
    for (let n = 1; n <= total; n++) {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root);
      write(OLD);
      const fail = new Error(`step ${n}`);
      expect(() =>
        writeFilesAtomically(root, CHANGES, {
          onStep: (step) => {
            if (step === n) throw fail;
          },
        }),
      ).toThrow(fail);
      recoverTree(root);
      const now = tree();
      expect({ n, whole: [OLD, NEW].some((v) => sameRecord(v, now)) }).toEqual({ n, whole: true });
      expect(readdirSync(root).sort()).toEqual(['Pulumi.dev.yaml', 'manifests']);
    }
  });
});

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}

describe('recoverTree', () => {
  test('a committed journal is rolled forward; staging without a journal is discarded', () => {
    write({ 'manifests/a.yaml': 'old' });
    write({ [`${TREE_TRANSACTION}/staging/manifests/a.yaml`]: 'new' });
    expect(recoverTree(root)).toBe('discarded');
    expect(tree()).toEqual({ 'manifests/a.yaml': 'old' });

    write({ [`${TREE_TRANSACTION}/staging/manifests/a.yaml`]: 'new', [`${TREE_TRANSACTION}/retired/manifests/b.yaml`]: 'b-old' });
    write({ [`${TREE_TRANSACTION}/journal.json`]: JSON.stringify({ version: 1, ops: [{ path: 'manifests/b.yaml', write: false, existed: true }, { path: 'manifests/a.yaml', write: true, existed: true }] }) });
    expect(recoverTree(root)).toBe('rolled-forward');
    expect(tree()).toEqual({ 'manifests/a.yaml': 'new' });
    expect(recoverTree(root)).toBe('clean');
  });

  test('a journal whose step cannot be redone is rolled back to the old tree', () => {
    write({ 'manifests/a.yaml': 'old', 'manifests/blocker': 'file where a folder must go' });
    write({ [`${TREE_TRANSACTION}/staging/manifests/a.yaml`]: 'new', [`${TREE_TRANSACTION}/staging/manifests/blocker/x.yaml`]: 'x' });
    write({ [`${TREE_TRANSACTION}/journal.json`]: JSON.stringify({ version: 1, ops: [{ path: 'manifests/a.yaml', write: true, existed: true }, { path: 'manifests/blocker/x.yaml', write: true, existed: false }] }) });
    expect(recoverTree(root)).toBe('rolled-back');
    expect(tree()).toEqual({ 'manifests/a.yaml': 'old', 'manifests/blocker': 'file where a folder must go' });
  });

  test('an unreadable journal stops with a message naming it', () => {
    write({ [`${TREE_TRANSACTION}/journal.json`]: '{"version": 7' });
    expect(() => recoverTree(root)).toThrow(`${join(root, TREE_TRANSACTION, 'journal.json')}: a crashed write left a journal ferry cannot read`);
  });

  test('leftovers of older versions from dead processes are removed', () => {
    const dead = deadPid();
    write({ [`.render-${dead}-abc123/manifests/a.yaml`]: 'x', [`.render-old-${dead}-abc123/manifests/a.yaml`]: 'x', [`.${dead}.ferry-tmp`]: 'x', [`.render-${process.pid}-abc/x`]: 'live' });
    recoverTree(root);
    expect(readdirSync(root)).toEqual([`.render-${process.pid}-abc`]);
  });
});

describe('the tree lock', () => {
  test('a live holder is waited for up to lockWaitMs, then a clear error (no raw ENOENT)', () => {
    write({ [TREE_LOCK]: JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-03-10T12:00:00Z', command: 'ferry render' }) });
    const clock = fakeClock();
    expect(() => writeFilesAtomically(root, [{ path: 'a.yaml', content: 'x' }], { clock, lockWaitMs: 2000 })).toThrow(TreeBusyError);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(() => writeFilesAtomically(root, [{ path: 'a.yaml', content: 'x' }], { clock: fakeClock(), lockWaitMs: 2000 })).toThrow(
      `${root}: another ferry process is writing this tree (pid ${process.pid} on ${hostname()}, since 2026-03-10T12:00:00Z: ferry render); waited 2 s for it. Run again when it has finished, or remove ${join(root, TREE_LOCK)} if that process is gone`,
    );
    expect(existsSync(join(root, 'a.yaml'))).toBe(false);
  });

  test('a writer that waits goes ahead once the holder lets go', () => {
    write({ [TREE_LOCK]: JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-03-10T12:00:00Z', command: 'ferry render' }) });
    const clock = fakeClock((n) => {
      if (n === 3) rmSync(join(root, TREE_LOCK));
    });
    const result = updateTreeAtomically(root, () => ({ changes: [{ path: 'a.yaml', content: 'x' }], result: 'ok' }), { clock });
    expect(result).toBe('ok');
    expect(clock.sleeps).toHaveLength(3);
    expect(tree()).toEqual({ 'a.yaml': 'x' });
  });

  test('the lock of a process that is gone is taken over at once', () => {
    write({ [TREE_LOCK]: JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-03-10T12:00:00Z', command: 'ferry render' }) });
    const clock = fakeClock();
    writeFilesAtomically(root, [{ path: 'a.yaml', content: 'x' }], { clock });
    expect(clock.sleeps).toEqual([]);
    expect(tree()).toEqual({ 'a.yaml': 'x' });
  });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

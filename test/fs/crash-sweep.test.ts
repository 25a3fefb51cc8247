/**
 * Kills a process writing a ~200-file tree with lib/fs/atomic-tree.ts at many points (SIGKILL
 * just before its n-th disk-changing step) and checks that the next run's recovery leaves the
 * whole old or the whole new tree, and nothing else. FERRY_CRASH_SWEEP=all sweeps every step.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { treeVersion } from './fixtures/tree-versions.js';

const SCRIPT = join(process.cwd(), 'dist/test/fs/fixtures/tree-writer.js');

interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function writer(root: string, args: readonly string[], crashAt = 0, durable = false, env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [SCRIPT, root, ...args], {
    encoding: 'utf8',
    env: { ...process.env, FERRY_TEST_CRASH_AT: String(crashAt), FERRY_TEST_DURABLE: durable ? '1' : '0', ...env },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** After a kill at point `n`: every third point the recovery is killed too before it finishes; then one runs to the end, cleanly. */
function recoverAfterKill(root: string, n: number): void {
  if (n % 3 === 0) {
    const again = writer(root, ['recover'], 1 + (n % 7));
    expect({ n, again: again.signal ?? again.status, stderr: again.stderr }).toEqual({ n, again: again.signal ? 'SIGKILL' : 0, stderr: '' });
  }
  const recovered = writer(root, ['recover']);
  expect({ n, status: recovered.status, stderr: recovered.stderr }).toEqual({ n, status: 0, stderr: '' });
}

/** Every file under root, repository-relative, with its content. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
  }
  return out;
}

function same(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/** Only the tree's own files: no lock, transaction folder or empty folders left. */
function leftovers(root: string): string[] {
  const extra = readdirSync(root).filter((n) => n !== 'manifests');
  const emptyDirs = readdirSync(join(root, 'manifests'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isDirectory() && readdirSync(join(e.parentPath, e.name)).length === 0)
    .map((e) => join(e.parentPath, e.name));
  return [...extra, ...emptyDirs];
}

beforeAll(() => {
  if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run \`npm test\` (it builds first) or \`npm run build\``);
});

test('SIGKILL at any step of a write, then the next run: the tree is wholly old or wholly new, with no leftovers', () => {
  const root = mkdtempSync(join(tmpdir(), 'ferry-crash-'));
  try {
    const versions = { A: treeVersion('A'), B: treeVersion('B') };
    expect(writer(root, ['write', 'A'], 0, true).status).toBe(0);
    const full = writer(root, ['write', 'B'], 0, true);
    expect(full.status).toBe(0);
    const total = (JSON.parse(full.stdout) as { steps: number }).steps;
    expect(total).toBeGreaterThan(600); // 200 staged, 2 journal, 390 retired, 200 placed, 3 clean-up

    const every = process.env.FERRY_CRASH_SWEEP === 'all';
    const points = new Set<number>();
    for (let n = 1; n <= total; n += every ? 1 : 11) points.add(n);
    for (const n of [2, 199, 200, 201, 202, 203, 204, total - 3, total - 2, total - 1, total]) points.add(n);
    let state: 'A' | 'B' = 'B';
    const figures = { points: 0, midSwap: 0, mixedAfterRecovery: 0, leftoversAfterRecovery: 0, old: 0, new: 0 };
    for (const n of [...points].sort((a, b) => a - b)) {
      const target: 'A' | 'B' = state === 'A' ? 'B' : 'A';
      const killed = writer(root, ['write', target], n);
      expect({ n, signal: killed.signal, stderr: killed.stderr }).toEqual({ n, signal: 'SIGKILL', stderr: '' });
      figures.points++;
      const raw = snapshot(join(root)); // includes the transaction folder and lock while they exist
      const rawTree = new Map([...raw].filter(([p]) => p.startsWith('manifests/')));
      if (!same(rawTree, versions.A) && !same(rawTree, versions.B)) figures.midSwap++;
      recoverAfterKill(root, n);
      const tree = snapshot(root);
      const now: 'A' | 'B' | undefined = same(tree, versions[target]) ? target : same(tree, versions[state]) ? state : undefined;
      if (now === undefined) figures.mixedAfterRecovery++;
      if (leftovers(root).length > 0) figures.leftoversAfterRecovery++;
      expect({ n, now, leftovers: leftovers(root) }).toEqual({ n, now: expect.stringMatching(/^[AB]$/), leftovers: [] });
      figures[now === target ? 'new' : 'old']++;
      state = now!;
    }
    process.stdout.write(`crash sweep: ${JSON.stringify({ steps: total, ...figures })}\n`);
    expect(figures.mixedAfterRecovery).toBe(0);
    expect(figures.points).toBeGreaterThanOrEqual(50);
    // Kills before the journal's commit go back, after it forward: both happened.
    expect(figures.old).toBeGreaterThan(0);
    expect(figures.new).toBeGreaterThan(0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('SIGKILL at any step of a pre-staged write (a fresh tree, then new folders placed whole), then the next run: old or new, no leftovers', () => {
  const root = mkdtempSync(join(tmpdir(), 'ferry-crash-prestage-'));
  const PRESTAGE = { FERRY_TEST_PRESTAGE: '1' };
  const every = process.env.FERRY_CRASH_SWEEP === 'all';
  /** Kills at the chosen points of a write of `target` over the tree of `state` ('' for none) and recovers; returns the state after the last. */
  const sweep = (state: '' | 'A' | 'B', target: 'A' | 'B', stride: number, reset: boolean, boundary: readonly number[]) => {
    const versions = { '': new Map<string, string>(), A: treeVersion('A'), B: treeVersion('B') };
    const probe = mkdtempSync(join(tmpdir(), 'ferry-crash-probe-'));
    let total: number;
    try {
      if (state !== '') expect(writer(probe, ['write', state]).status).toBe(0);
      const full = writer(probe, ['write', target], 0, true, PRESTAGE);
      expect(full.status).toBe(0);
      total = (JSON.parse(full.stdout) as { steps: number }).steps;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
    const points = new Set<number>([1, 2, ...boundary, total - 3, total - 2, total - 1, total]);
    for (let n = 1; n <= total; n += every ? 1 : stride) points.add(n);
    const outcomes = { old: 0, new: 0 };
    for (const n of [...points].sort((a, b) => a - b)) {
      if (reset) {
        rmSync(root, { recursive: true, force: true });
        mkdirSync(root);
        if (state !== '') expect(writer(root, ['write', state]).status).toBe(0);
      }
      const from = state;
      const to: 'A' | 'B' = reset || from === '' ? target : from === 'A' ? 'B' : 'A';
      const killed = writer(root, ['write', to], n, false, PRESTAGE);
      expect({ n, signal: killed.signal, stderr: killed.stderr }).toEqual({ n, signal: 'SIGKILL', stderr: '' });
      recoverAfterKill(root, n);
      const tree = snapshot(root);
      const now = same(tree, versions[to]) ? 'new' : same(tree, versions[from]) ? 'old' : 'mixed';
      const extra = readdirSync(root).filter((name) => name !== 'manifests');
      const emptyDirs = existsSync(join(root, 'manifests')) ? leftovers(root) : [];
      expect({ n, now, extra, emptyDirs }).toEqual({ n, now: expect.stringMatching(/^(old|new)$/), extra: [], emptyDirs: [] });
      outcomes[now as 'old' | 'new']++;
      if (!reset && now === 'new') state = to;
    }
    // Kills before the journal's commit go back, after it forward: both happened.
    expect(outcomes.old).toBeGreaterThan(0);
    expect(outcomes.new).toBeGreaterThan(0);
    return { steps: total, points: points.size, ...outcomes };
  };
  try {
    // A fresh tree: every file pre-staged, manifests/ placed with one rename.
    // Around the last file handed to the writer thread, the adoption and the journal's commit.
    const fresh = sweep('', 'A', 17, true, [199, 200, 201, 202, 203, 204]);
    expect(fresh.steps).toBe(200 + 7); // 200 pre-staged, adopt, 2 journal, place manifests/, 3 clean-up
    // A to B and back: the version's own folder pre-staged and placed whole, the rest staged under the lock.
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root);
    expect(writer(root, ['write', 'A']).status).toBe(0);
    const swaps = sweep('A', 'B', 43, false, [10, 11, 12, 201, 202, 203]);
    process.stdout.write(`crash sweep, pre-staged: ${JSON.stringify({ fresh, swaps })}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('five writers at once in one tree: all finish, the tree is one whole version, nothing left over', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ferry-concurrent-'));
  try {
    expect(writer(root, ['write', 'A']).status).toBe(0);
    const labels = ['V1', 'V2', 'V3', 'V4', 'V5'];
    const runs = await Promise.all(
      labels.map(
        (label) =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, [SCRIPT, root, 'write', label], { env: { ...process.env, FERRY_TEST_DURABLE: '0' } });
            let stderr = '';
            child.stderr.on('data', (d: Buffer) => void (stderr += d));
            child.on('exit', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    expect(runs).toEqual(labels.map(() => ({ code: 0, stderr: '' })));
    const tree = snapshot(root);
    expect(labels.filter((l) => same(tree, treeVersion(l)))).toHaveLength(1);
    expect(leftovers(root)).toEqual([]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

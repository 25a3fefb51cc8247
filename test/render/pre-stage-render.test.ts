/**
 * A full render pre-stages the files whose folder is not on disk (a fresh tree, a new service) on a
 * worker thread while it synthesises (lib/fs/pre-stage.ts), and the tree transaction adopts them and
 * places new folders whole (lib/fs/atomic-tree.ts). These tests run the render as a process
 * (test/render/fixtures/render-writer.ts, which reports or crashes at each disk-changing step) and
 * hold it to what a render without pre-staging gives: the full check finds the tree up to date, a
 * failure is the same message with nothing left behind, a kill leaves the old tree.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PRE_STAGE_PREFIX, TREE_LOCK } from '../../lib/fs/atomic-tree.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

const SCRIPT = join(process.cwd(), 'dist/test/render/fixtures/render-writer.js');

interface WriterRun {
  readonly signal: NodeJS.Signals | null;
  readonly status: number | null;
  readonly report: { path?: string; reason?: string; written?: number; removed?: number; steps?: string[]; error?: string } | undefined;
  readonly stderr: string;
}

function renderWriter(root: string, crashAt = 0): WriterRun {
  const r = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8', env: { ...process.env, FERRY_TEST_CRASH_AT: String(crashAt) } });
  return { signal: r.signal, status: r.status, report: r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout), stderr: r.stderr };
}

/** Every file under `dir` of `root` with its content. */
function snapshot(root: string, dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(join(root, dir))) return out;
  for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.set(relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'), readFileSync(join(entry.parentPath, entry.name), 'utf8'));
  }
  return out;
}

/** ferry's own files at the root: pre-stage folders, the transaction folder, the lock. */
function ferryLeftovers(root: string): string[] {
  return readdirSync(root).filter((name) => name.startsWith('.ferry-tree.')).sort();
}

function expectUpToDate(repo: PlatformRepo): void {
  const check = repo.ferrySpawn(['render', '--check', '--full']);
  expect({ code: check.code, stderr: check.stderr }).toEqual({ code: 0, stderr: '' });
}

/** A third service in the shop fixture, with a tag in every stack file. */
function addCartService(repo: PlatformRepo): void {
  repo.write('platform/platform.ts', repo.read('platform/platform.ts').replace('  ],\n  // The promotion graph', "    { name: 'cart', port: 8081, healthPath: '/healthz', readinessPath: '/readyz', host: 'cart.shop.example.com' },\n  ],\n  // The promotion graph"));
  for (const env of ['dev', 'stage', 'prod']) repo.write(`Pulumi.${env}.yaml`, repo.read(`Pulumi.${env}.yaml`).replace('  ferry:images:\n', '  ferry:images:\n    cart: v1.0.0\n'));
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

let repo: PlatformRepo;
beforeAll(() => {
  if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run \`npm test\` (it builds first) or \`npm run build\``);
});
beforeEach(async () => {
  repo = await createPlatformRepo();
});
afterEach(() => repo.cleanup());

test('a fresh render pre-stages every manifest while it synthesises, places manifests/ and .github/ whole, and gives the full render', () => {
  const committed = snapshot(repo.root, 'manifests');
  rmSync(join(repo.root, 'manifests'), { recursive: true });
  rmSync(join(repo.root, '.github'), { recursive: true });
  rmSync(join(repo.root, '.git/ferry'), { recursive: true, force: true });

  const run = renderWriter(repo.root);
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  const steps = run.report!.steps!;
  const preStaged = steps.filter((step) => step.startsWith('pre-stage '));
  expect(preStaged.map((step) => step.slice('pre-stage '.length)).sort()).toEqual([...committed.keys()].sort());
  // Nothing of manifests/ staged again under the lock; .github/ (rendered after the charts) is.
  expect(steps.slice(preStaged.length).filter((step) => !step.startsWith('stage .github/'))).toEqual([
    'adopt pre-staged files',
    'write journal',
    'commit journal',
    'place manifests/',
    'place .github/',
    'prune empty folders',
    'drop journal',
    'drop transaction folder',
  ]);
  expect(run.report!.written).toBe(committed.size + snapshot(repo.root, '.github').size);
  expect(snapshot(repo.root, 'manifests')).toEqual(committed);
  expect(ferryLeftovers(repo.root)).toEqual([]);
  expect(repo.git(['status', '--porcelain'])).toBe('');
  expectUpToDate(repo);
  // The record holds the hashes the writer thread computed: the next render finds every file as recorded.
  const next = repo.ferrySpawn(['render', '--explain']);
  expect({ code: next.code, stderr: next.stderr }).toEqual({ code: 0, stderr: 'ferry render: unchanged: no input changed since the last render; nothing synthesised\n' });
  expect(next.stdout).toContain('nothing changed:');
});

test('a new service: only its folders are pre-staged and placed whole; the other files are staged under the lock as before', () => {
  addCartService(repo);
  const run = renderWriter(repo.root);
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  const steps = run.report!.steps!;
  const preStaged = steps.filter((step) => step.startsWith('pre-stage ')).map((step) => step.slice('pre-stage '.length));
  expect(preStaged.length).toBeGreaterThan(0);
  expect(preStaged.filter((path) => !/^manifests\/(base|overlays\/(dev|stage|prod|preview))\/cart\//.test(path))).toEqual([]);
  expect(steps.filter((step) => step.startsWith('place '))).toEqual(
    expect.arrayContaining(['place manifests/base/cart/', 'place manifests/overlays/dev/cart/', 'place manifests/overlays/stage/cart/', 'place manifests/overlays/prod/cart/', 'place manifests/overlays/preview/cart/']),
  );
  // Argo CD's objects changed in folders on disk: staged and placed file by file, as before.
  expect(steps).toEqual(expect.arrayContaining(['stage manifests/argocd/nonprod/application-set-shop-environments.yaml', 'place manifests/argocd/nonprod/application-set-shop-environments.yaml']));
  expect(steps.filter((step) => step.startsWith('stage manifests/') && step.includes('/cart/'))).toEqual([]);
  expect(ferryLeftovers(repo.root)).toEqual([]);
  expectUpToDate(repo);
});

test('a render killed while pre-staging, or before adopting its pre-staged files, leaves the old tree; the next render removes its folder', () => {
  addCartService(repo);
  const old = snapshot(repo.root, 'manifests');
  const steps = renderWriter(repo.root).report!.steps!;
  // Back to the old tree and the committed record, for each kill to start from.
  repo.git(['checkout', '--', 'manifests', '.github']);
  repo.git(['clean', '-fdq', 'manifests']);
  const preStageSteps = steps.filter((step) => step.startsWith('pre-stage ')).length;
  for (const crashAt of [1, Math.ceil(preStageSteps / 2), preStageSteps, steps.indexOf('adopt pre-staged files') + 1]) {
    const killed = renderWriter(repo.root, crashAt);
    expect({ crashAt, signal: killed.signal }).toEqual({ crashAt, signal: 'SIGKILL' });
    expect({ crashAt, tree: snapshot(repo.root, 'manifests') }).toEqual({ crashAt, tree: old });
    // A kill under the lock leaves it; the next writer takes a dead holder's lock over.
    expect(ferryLeftovers(repo.root).filter((name) => !name.startsWith(PRE_STAGE_PREFIX) && name !== TREE_LOCK)).toEqual([]);
  }
  // The last kill came after every file was written: its folder holds them all.
  const [abandoned] = ferryLeftovers(repo.root).filter((name) => name.startsWith(PRE_STAGE_PREFIX));
  expect(snapshot(join(repo.root, abandoned!), 'manifests').size).toBe(preStageSteps);

  const next = repo.ferrySpawn(['render', '--quiet']);
  expect({ code: next.code, stderr: next.stderr }).toEqual({ code: 0, stderr: '' });
  expect(ferryLeftovers(repo.root)).toEqual([]);
  expectUpToDate(repo);
});

test('two fresh renders at once: both finish, the tree is the full render, nothing of either is left', async () => {
  rmSync(join(repo.root, 'manifests'), { recursive: true });
  rmSync(join(repo.root, '.github'), { recursive: true });
  const runs = await Promise.all(
    [1, 2].map(
      () =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [SCRIPT, repo.root]);
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => void (stderr += d));
          child.on('exit', (code) => resolve({ code, stderr }));
        }),
    ),
  );
  expect(runs).toEqual([{ code: 0, stderr: '' }, { code: 0, stderr: '' }]);
  expect(ferryLeftovers(repo.root)).toEqual([]);
  expect(repo.git(['status', '--porcelain'])).toBe('');
  expectUpToDate(repo);
});

test("a dead process's pre-stage folder goes with the next render, even one that writes nothing; a live process's stays", () => {
  const dead = `${PRE_STAGE_PREFIX}${deadPid()}-0a1b2c3d4e5f`;
  const live = `${PRE_STAGE_PREFIX}${process.pid}-0a1b2c3d4e5f`;
  // The repository's first render ran before git: this one keeps a record, so the next writes nothing.
  expect(repo.ferrySpawn(['render', '--quiet']).code).toBe(0);
  for (const folder of [dead, live]) {
    mkdirSync(join(repo.root, folder, 'manifests/base/api'), { recursive: true });
    writeFileSync(join(repo.root, folder, 'manifests/base/api/deployment.yaml'), 'half-written');
  }
  const render = repo.ferrySpawn(['render', '--explain']);
  expect({ code: render.code, stderr: render.stderr }).toEqual({ code: 0, stderr: 'ferry render: unchanged: no input changed since the last render; nothing synthesised\n' });
  expect(render.stdout).toContain('nothing changed:');
  expect(ferryLeftovers(repo.root)).toEqual([live]);
});

test('a synthesis error after files were pre-staged: the same error, no tree, no pre-stage folder', () => {
  repo.write(
    'platform/platform.ts',
    repo
      .read('platform/platform.ts')
      .replace("import { Environment, Platform, Profiles } from 'ferry';", "import { AddonPlacement, Environment, Platform, Profiles } from 'ferry';\n\n/** A ConfigMap holding a Date, which cdk8s refuses to synthesise. */\nconst clock = { id: 'clock', placement: AddonPlacement.base(), manifests: () => [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'clock' }, data: { at: new Date(0) } }] as never };")
      .replace("env: { API_URL: 'http://api' },", "env: { API_URL: 'http://api' }, addons: [clock],"),
  );
  rmSync(join(repo.root, 'manifests'), { recursive: true });
  rmSync(join(repo.root, '.github'), { recursive: true });
  const run = renderWriter(repo.root);
  expect({ status: run.status, error: run.report!.error }).toEqual({
    status: 1,
    error: "Failed serializing construct at path 'base-web/addons/clock/ConfigMap-clock' with name 'clock': Error: can't render non-simple object of type 'Date'",
  });
  // The base of api, synthesised before web's failed, had gone to the writer thread.
  expect(run.report!.steps).toContain('pre-stage manifests/base/api/deployment.yaml');
  expect(existsSync(join(repo.root, 'manifests'))).toBe(false);
  expect(existsSync(join(repo.root, '.github'))).toBe(false);
  expect(ferryLeftovers(repo.root)).toEqual([]);
});

test('manifests/ a file: a fresh render fails as it did before pre-staging, and leaves no pre-stage folder', () => {
  rmSync(join(repo.root, 'manifests'), { recursive: true });
  rmSync(join(repo.root, '.github'), { recursive: true });
  writeFileSync(join(repo.root, 'manifests'), 'not a folder\n');
  const run = renderWriter(repo.root);
  expect({ status: run.status, error: run.report!.error }).toEqual({ status: 1, error: `ENOTDIR: not a directory, scandir '${join(repo.root, 'manifests')}'` });
  // Not a folder, so every manifest was pre-staged; the comparison under the lock failed before any was adopted.
  expect(run.report!.steps).toContain('pre-stage manifests/base/api/deployment.yaml');
  expect(run.report!.steps).not.toContain('adopt pre-staged files');
  expect(readFileSync(join(repo.root, 'manifests'), 'utf8')).toBe('not a folder\n');
  expect(existsSync(join(repo.root, '.github'))).toBe(false);
  expect(ferryLeftovers(repo.root)).toEqual([]);
});

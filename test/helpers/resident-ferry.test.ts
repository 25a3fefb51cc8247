/**
 * The resident ferry process (./resident-ferry.ts) stands in for `node bin/ferry.js` in the render
 * suites: each command must give what a process of its own gives, see an edited platform.ts, and
 * leave a render record a process of its own takes as its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createPlatformRepo, type PlatformRepo } from './platform-repo.js';
import { PLATFORM_CHANGED, UNCHANGED } from './render-oracle.js';
import { RUN_DIR_VARIABLE } from './repo-template-cache.js';
import { ResidentFerry } from './resident-ferry.js';

let ferry: ResidentFerry;
let repo: PlatformRepo;
beforeAll(async () => {
  ferry = ResidentFerry.start();
  repo = await createPlatformRepo();
});
afterAll(() => {
  ferry.stop();
  repo.cleanup();
});

test('a command gives the exit code, stdout and stderr a process of its own gives', async () => {
  for (const args of [['render', '--check'], ['render', '--check', '--explain'], ['status'], ['no-such-command'], ['render', '--no-such-option'], ['--version']]) {
    expect([args, await ferry.run(args, repo.root)]).toEqual([args, repo.ferrySpawn(args)]);
  }
});

test('each command runs in its own working directory and with its own environment', async () => {
  const subfolder = join(repo.root, 'manifests');
  expect(await ferry.run(['render', '--check'], subfolder)).toEqual(repo.ferrySpawn(['render', '--check']));
  const clock = { FERRY_NOW: 'not a time' };
  const promote = ['promote', 'api', '--to', 'nowhere'];
  const withEnv = await ferry.run(promote, repo.root, clock);
  expect(withEnv).toEqual({ code: 2, stdout: '', stderr: "FERRY_NOW 'not a time' is not an ISO time like 2026-01-02T15:04:05Z\n" });
  expect(withEnv).toEqual(repo.ferrySpawn(promote, clock));
  // The variable was the command's alone: the next one gets as far as the unknown environment.
  const without = await ferry.run(promote, repo.root);
  expect(without.stderr).toContain('nowhere');
  expect(without).toEqual(repo.ferrySpawn(promote));
  // undefined unsets a variable the process was started with, for that command alone.
  const other = ResidentFerry.start({ ...process.env, ...clock });
  try {
    expect(await other.run(promote, repo.root, { FERRY_NOW: undefined })).toEqual(without);
    expect(await other.run(promote, repo.root)).toEqual(withEnv);
  } finally {
    other.stop();
  }
});

test('an edited platform.ts is loaded again; the record it leaves is the one a process of its own leaves', async () => {
  expect(await ferry.run(['render', '--quiet'], repo.root)).toEqual({ code: 0, stdout: '', stderr: '' });
  // The same compiled engine: a process of its own finds nothing changed since the resident render.
  expect(repo.ferrySpawn(['render', '--quiet', '--explain'])).toEqual({ code: 0, stdout: '', stderr: UNCHANGED });
  repo.write('platform/platform.ts', repo.read('platform/platform.ts').replace("host: 'api.shop.example.com'", "host: 'api3.shop.example.com'"));
  expect(await ferry.run(['render', '--quiet', '--explain'], repo.root)).toEqual({ code: 0, stdout: '', stderr: PLATFORM_CHANGED });
  expect(repo.read('manifests/base/api/ingress.yaml')).toContain('api3.shop.example.com');
  expect(repo.ferrySpawn(['render', '--check', '--full'])).toMatchObject({ code: 0, stderr: '' });
});

test('a module platform.ts imports keeps its first content in one process: why a test that edits one spawns every render', async () => {
  repo.write('platform/hosts.ts', "export const apiHost = 'api4.shop.example.com';\n");
  repo.write('platform/platform.ts', `import { apiHost } from './hosts.ts';\n${repo.read('platform/platform.ts').replace(/host: 'api\d*\.shop\.example\.com'/, 'host: apiHost')}`);
  expect((await ferry.run(['render', '--quiet'], repo.root)).code).toBe(0);
  repo.write('platform/hosts.ts', "export const apiHost = 'api5.shop.example.com';\n");
  // The change is seen (the sources are hashed) but rendered with the module's first content.
  expect(await ferry.run(['render', '--quiet', '--explain'], repo.root)).toEqual({ code: 0, stdout: '', stderr: PLATFORM_CHANGED });
  expect(repo.read('manifests/base/api/ingress.yaml')).toContain('api4.shop.example.com');
  const fresh = repo.ferrySpawn(['render', '--check', '--full']);
  expect(fresh).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^manifests\/ differs from a fresh render; run `npm run render` and commit the result:\n/) });
  expect(fresh.stderr).toContain('\n  changed: manifests/base/api/ingress.yaml\n');
});

/** Every file under `root` but node_modules and .git, with its content. */
function treeOf(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const path = relative(root, join(entry.parentPath, entry.name));
    if (entry.isFile() && !/^(node_modules|\.git)(\/|$)/.test(path)) files[path] = readFileSync(join(root, path), 'utf8');
  }
  return files;
}

test("createPlatformRepo's initial render in the resident process builds the repository a process builds", async () => {
  // Without the run's template store, so both are built.
  const runDir = process.env[RUN_DIR_VARIABLE];
  delete process.env[RUN_DIR_VARIABLE];
  const [resident, spawned] = [await createPlatformRepo({ initialRender: (root) => ferry.run(['render', '--quiet'], root) }), await createPlatformRepo()];
  try {
    expect([resident.fromTemplate, spawned.fromTemplate]).toEqual([false, false]);
    expect(treeOf(resident.root)).toEqual(treeOf(spawned.root));
    expect(Object.keys(treeOf(resident.root))).toContain('manifests/base/api/ingress.yaml');
    expect(resident.git(['rev-parse', 'HEAD'])).toBe(spawned.git(['rev-parse', 'HEAD']));
  } finally {
    if (runDir !== undefined) process.env[RUN_DIR_VARIABLE] = runDir;
    resident.cleanup();
    spawned.cleanup();
  }
  await expect(createPlatformRepo({ engineCopy: true, initialRender: (root) => ferry.run(['render', '--quiet'], root) })).rejects.toThrow(
    "createPlatformRepo: 'initialRender' renders with this engine; an 'engineCopy' repository renders with its own bin",
  );
});

test('a command that cannot start is refused naming why, and the next one runs', async () => {
  await expect(ferry.run(['--version'], join(repo.root, 'no-such-folder'))).rejects.toThrow(/^the resident ferry process could not run the command: ENOENT: no such file or directory, chdir .* -> '.*no-such-folder'$/);
  expect(await ferry.run(['--version'], repo.root)).toEqual(repo.ferrySpawn(['--version']));
});

test('a stopped resident process refuses further commands, naming why', async () => {
  const other = ResidentFerry.start();
  expect((await other.run(['--version'], repo.root)).code).toBe(0);
  other.stop();
  await expect(other.run(['--version'], repo.root)).rejects.toThrow('the resident ferry process was stopped');
});

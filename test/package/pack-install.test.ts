/**
 * The product end to end, as a user gets it: ferry packed the way npm publishes it, installed into
 * an empty project, `npx ferry init`, and in the new platform repository: render, validate,
 * type-check against the packaged declarations, promote dev -> stage through the gates against a
 * real registry, its own tests, and a new environment rendered with no build step.
 * Needs a built dist/ (npm test builds first), kubectl, git and docker-registry; the npm cache
 * must hold every dependency (the install is --prefer-offline).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';

/** Repository root: jest runs with it as working directory. */
const REPO_ROOT = process.cwd();
const STEP_TIMEOUT = 240_000;

/** The environment of the processes a user would run: no Jest flags, no settings of an outer npm run. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (key !== 'NODE_OPTIONS' && !/^npm_/i.test(key)) env[key] = value;
  return {
    ...env,
    npm_config_update_notifier: 'false',
    GIT_AUTHOR_NAME: 'Platform Pat',
    GIT_AUTHOR_EMAIL: 'pat@example.com',
    GIT_COMMITTER_NAME: 'Platform Pat',
    GIT_COMMITTER_EMAIL: 'pat@example.com',
    ...extra,
  };
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

const timings: string[] = [];
const loaded = performance.now();

/** Records how long `what` took among the step timings. */
async function timed<T>(what: string, step: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await step();
  timings.push(`${((performance.now() - start) / 1000).toFixed(1).padStart(5)} s  ${what}`);
  return result;
}

function run(command: string, args: readonly string[], cwd: string, extra: Record<string, string> = {}): Run {
  const start = performance.now();
  const result = spawnSync(command, [...args], { cwd, encoding: 'utf8', env: userEnv(extra), timeout: STEP_TIMEOUT });
  const seconds = (performance.now() - start) / 1000;
  timings.push(`${seconds.toFixed(1).padStart(5)} s  ${command} ${args.join(' ')}`);
  return { code: result.status, stdout: result.stdout ?? '', stderr: `${result.stderr ?? ''}${result.error ? String(result.error) : ''}`, seconds };
}

/** Fails with the output of the command when it did not exit 0. */
function ok(result: Run): Run {
  expect({ code: result.code, output: result.code === 0 ? '' : `${result.stdout}\n${result.stderr}` }).toEqual({ code: 0, output: '' });
  return result;
}

let work: string;
let outside: string;
let tarball: string;
let repo: string;
let registry: LocalRegistry;

beforeAll(async () => {
  // bin/ferry.js rebuilds dist/ first when an engine source is newer: never pack a stale build.
  ok(run(process.execPath, [join(REPO_ROOT, 'bin/ferry.js'), '--version'], REPO_ROOT));
  work = mkdtempSync(join(tmpdir(), 'ferry-pack-'));
  outside = mkdtempSync(join(tmpdir(), 'ferry-npx-'));
  registry = await timed('start docker-registry', startRegistry);
  timings.unshift(`${(loaded / 1000).toFixed(1).padStart(5)} s  jest worker start and loading this file (since the worker's time origin)`);
}, STEP_TIMEOUT);

afterAll(async () => {
  await timed('stop docker-registry', () => registry?.stop());
  // Deleting the ~250 MB node_modules takes about a minute on a disk mounted with 'discard':
  // a detached rm does it after the test instead of in it.
  if (work && outside) spawn('rm', ['-rf', work, outside], { detached: true, stdio: 'ignore' }).unref();
  // The time each step took, for the next person who wonders where the minutes go.
  console.info(`pack-install steps:\n${timings.join('\n')}`);
});

test('npm pack: the tarball holds bin/ and the compiled engine with its declarations, and no compiled tests', () => {
  // dist/ is built already; `prepare` would only compile it again.
  const packed = ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO_ROOT));
  const [manifest] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, manifest!.filename);
  const paths = manifest!.files.map((f) => f.path);
  for (const path of ['package.json', 'bin/ferry.js', 'bin/fresh-build.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/cli/commands/init.js', 'dist/lib/scaffold/scaffold.js', 'dist/stacks/exports.d.ts']) {
    expect(paths).toContain(path);
  }
  expect(paths.filter((p) => /^dist\/(test|bench|platform)\//.test(p) || /^dist\/stacks\/index\./.test(p))).toEqual([]);
  expect(paths.filter((p) => !/^(bin|dist|docs|tools|templates)\//.test(p) && !['package.json', 'README.md'].includes(p))).toEqual([]);
}, STEP_TIMEOUT);

test('npm install <tarball> into an empty project, then npx ferry init a platform repository', () => {
  writeFileSync(join(work, 'package.json'), `${JSON.stringify({ name: 'tryout', private: true }, null, 2)}\n`);
  ok(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], work));
  expect(existsSync(join(work, 'node_modules/.bin/ferry'))).toBe(true);
  const init = ok(run('npx', ['ferry', 'init', 'acme', '--service', 'api', '--ferry', `file:${tarball}`], work));
  expect(init.stdout).toContain('\nNext:\n  cd acme\n  npm install\n');
  repo = join(work, 'acme');
  expect(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).dependencies).toEqual({ ferry: `file:${tarball}` });
  for (const env of ['dev', 'stage', 'prod']) expect(existsSync(join(repo, `manifests/overlays/${env}/api/kustomization.yaml`))).toBe(true);
}, STEP_TIMEOUT);

test('in the new repository (ferry resolved from the project above it): npm run render, npx ferry validate, a type check', () => {
  const render = ok(run('npm', ['run', 'render'], repo));
  expect(render.stdout).toContain('prod         api      v0.1.0');
  expect(ok(run('npx', ['ferry', 'validate'], repo)).stdout).toMatch(/^3 overlays and \d+ objects are valid$/m);
  // Its TypeScript against the packaged declarations (typescript is not a dependency of ferry: the engine's own compiler).
  ok(run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], repo));
}, STEP_TIMEOUT);

test('git init and commit, then promote a build to dev and on to stage through the gates, against a real registry', async () => {
  ok(run('git', ['init', '-q', '-b', 'main'], repo));
  ok(run('git', ['add', '-A'], repo));
  ok(run('git', ['commit', '-q', '-m', 'acme platform (ferry init)'], repo));
  await registry.pushImage('api', 'sha-1a2b3c4d');
  const registryUrl = ['--registry-url', registry.url];

  ok(run('npx', ['ferry', 'promote', 'api', '--to', 'dev', '--tag', 'sha-1a2b3c4d', '--direct', ...registryUrl], repo));
  // Staging soaks dev builds for an hour: refused now, allowed two hours later.
  const early = run('npx', ['ferry', 'promote', 'api', '--to', 'stage', '--direct', ...registryUrl], repo);
  expect({ code: early.code, soak: /soak/.test(early.stderr) }).toEqual({ code: 1, soak: true });
  const later = new Date(Date.now() + 2 * 3600_000).toISOString();
  ok(run('npx', ['ferry', 'promote', 'api', '--to', 'stage', '--direct', ...registryUrl], repo, { FERRY_NOW: later }));

  expect(readFileSync(join(repo, 'Pulumi.stage.yaml'), 'utf8')).toContain('  acme:images:\n    api: sha-1a2b3c4d\n');
  expect(readFileSync(join(repo, 'manifests/overlays/stage/api/kustomization.yaml'), 'utf8')).toContain('newTag: sha-1a2b3c4d');
  expect(ok(run('git', ['log', '--format=%s', '-3'], repo)).stdout.trim().split('\n')).toEqual([
    'chore(promote): api sha-1a2b3c4d to stage',
    'chore(promote): api sha-1a2b3c4d to dev',
    'acme platform (ferry init)',
  ]);
  expect(ok(run('git', ['status', '--porcelain'], repo)).stdout).toBe('');
}, STEP_TIMEOUT);

test("the repository's own tests pass: npm test (node --test)", () => {
  const result = ok(run('npm', ['test'], repo));
  expect(result.stdout).toMatch(/^# pass 4$/m);
  expect(result.stdout).toMatch(/^# fail 0$/m);
}, STEP_TIMEOUT);

test('a new environment is one line in platform.ts and a stack file: npm run render, no build step, and the test pins the order', () => {
  const platformFile = join(repo, 'platform/platform.ts');
  const source = readFileSync(platformFile, 'utf8');
  const prod = '    // Production promotions go through a reviewed pull request';
  expect(source).toContain(prod);
  writeFileSync(platformFile, source.replace(prod, `    Environment.of('uat', Profiles.staging()),\n${prod}`));
  writeFileSync(join(repo, 'Pulumi.uat.yaml'), readFileSync(join(repo, 'Pulumi.stage.yaml'), 'utf8').replace(/^# stage:.*$/m, '# uat: promoted from stage.'));

  expect(ok(run('npm', ['run', 'render'], repo)).stdout).toContain('uat          api      sha-1a2b3c4d');
  expect(existsSync(join(repo, 'manifests/overlays/uat/api/kustomization.yaml'))).toBe(true);
  const applicationSets = readdirSync(join(repo, 'manifests/argocd/nonprod')).filter((f) => f.startsWith('application-set-'));
  expect(applicationSets.some((f) => /^\s+env: uat$/m.test(readFileSync(join(repo, 'manifests/argocd/nonprod', f), 'utf8')))).toBe(true);
  // The workflows follow the graph: uat is offered by the manual promotion and `pulumi up` runs it.
  const workflows = join(repo, '.github/workflows');
  expect(readFileSync(join(workflows, 'promote.yaml'), 'utf8')).toMatch(/options: \[stage, uat, prod\]/);
  expect(readFileSync(join(workflows, 'infra.yaml'), 'utf8')).toMatch(/stack: \[dev, stage, uat\]/);
  expect(readFileSync(join(workflows, 'promote.yaml'), 'utf8')).toContain('npx ferry promote');

  // The scaffolded test pins the promotion graph: it fails, naming the new order, until updated.
  const stale = run('npm', ['test'], repo);
  expect({ code: stale.code, names: stale.stdout.includes("'uat'") }).toEqual({ code: 1, names: true });
  const testFile = join(repo, 'test/platform.test.ts');
  writeFileSync(testFile, readFileSync(testFile, 'utf8').replace("['dev', 'stage', 'prod']", "['dev', 'stage', 'uat', 'prod']"));
  expect(ok(run('npm', ['test'], repo)).stdout).toMatch(/^# fail 0$/m);
}, STEP_TIMEOUT);

test('npx ferry init where ferry is not installed (run from the npx cache): the first render uses the running engine', () => {
  const bin = join(work, 'node_modules/ferry/bin/ferry.js');
  const init = ok(run(process.execPath, [bin, 'init', 'solo', '--environments', 'live', '--service', 'web'], outside));
  expect(init.stdout).toContain('Created the solo platform in solo (live; service web):');
  expect(existsSync(join(outside, 'solo/manifests/overlays/live/web/kustomization.yaml'))).toBe(true);
  expect(existsSync(join(outside, 'node_modules'))).toBe(false);
}, STEP_TIMEOUT);

/**
 * The services path of the incremental render (lib/render/incremental-render.ts): when every
 * changed stack file differs from the recorded one only in image tags or digests of kustomize
 * services (a promotion), only those services' overlays (and their previews, with the first
 * environment) are rendered again. Each case asserts the path and its --explain line, the files
 * the render touched (git status), and that a full render (`render --check --full`,
 * test/helpers/render-oracle.ts) finds the tree up to date byte for byte; the next render is
 * `unchanged`. Then the changes it must leave to the environments or the full render.
 *
 * The incremental renders run in one ferry process that stays up for this file; the full renders
 * never do (`render --full` is a process of its own, the oracle as test/helpers/render-oracle.ts says).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordedStacksPath, renderRecordPath } from '../../lib/render/render-record.js';
import { createPlatformRepo, createSampleRepo, SHOP_FIXTURE, type PlatformRepo } from '../helpers/platform-repo.js';
import { fullCheck, renderAndCompare, renderIncremental, RESIDENT_INITIAL_RENDER, UNCHANGED } from '../helpers/render-oracle.js';

const DIGEST = `sha256:${'4e'.repeat(32)}`;

/** The services path's --explain line. */
function services(moved: string, previews = false): string {
  return `ferry render: services: only image tags or digests changed (${moved}); re-rendered those overlays${previews ? ' and their previews' : ''}\n`;
}

/** The environments path's --explain line for one environment on the sample platform (no previews). */
function environment(env: string): string {
  return `ferry render: environments: Pulumi.${env}.yaml changed; re-rendered ${env} and every cluster's Argo CD objects\n`;
}

/** The next render finds nothing changed: the record was brought up to date. */
async function expectUnchanged(repo: PlatformRepo, where: string): Promise<void> {
  const render = await renderIncremental(repo, ['--quiet', '--explain']);
  expect([where, render.code, render.stderr]).toEqual([where, 0, UNCHANGED]);
}

/** Paths `git status` lists as changed since the last commit. */
function changedPaths(repo: PlatformRepo): string[] {
  return repo
    .git(['status', '--porcelain'])
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.slice(3))
    .sort();
}

/** Edits a stack file in place; the pattern must match. */
function editStack(repo: PlatformRepo, file: string, from: string | RegExp, to: string): void {
  const before = repo.read(file);
  const after = before.replace(from, to);
  expect([file, after === before]).toEqual([file, false]);
  repo.write(file, after);
}

describe('the services path on the sample platform', () => {
  let repo: PlatformRepo;
  beforeAll(async () => {
    repo = await createSampleRepo(RESIDENT_INITIAL_RENDER);
    // The first render in git: the record every case builds on.
    expect((await renderIncremental(repo, ['--quiet', '--explain'])).stderr).toBe('ferry render: full: no render record yet\n');
  });
  afterAll(() => repo.cleanup());
  afterEach(() => {
    // Each case starts from a rendered, committed tree.
    if (changedPaths(repo).length > 0) repo.commitAll('next case');
  });

  test('a tag in one environment rewrites that overlay alone, with the summary of a full render', async () => {
    editStack(repo, 'Pulumi.prod.yaml', /api: v\d+\.\d+\.\d+/, 'api: v9.9.9');
    const render = await renderIncremental(repo, ['--explain']);
    expect([render.code, render.stderr]).toEqual([0, services('api in prod')]);
    expect(changedPaths(repo)).toEqual(['Pulumi.prod.yaml', 'manifests/overlays/prod/api/kustomization.yaml']);
    expect(repo.read('manifests/overlays/prod/api/kustomization.yaml')).toMatch(/^ {4}newTag: v9\.9\.9$/m);
    await expectUnchanged(repo, 'after the tag');
    // The summary table the services path printed (and recorded for the unchanged render) is the full render's.
    const table = (stdout: string) => stdout.split('\n\n')[0]!;
    const unchanged = await renderIncremental(repo, []);
    const full = repo.ferrySpawn(['render', '--full']);
    expect(table(render.stdout)).toMatch(/^prod +api +v9\.9\.9 /m);
    expect([table(render.stdout), table(unchanged.stdout)]).toEqual([table(full.stdout), table(full.stdout)]);
  });

  test('a digest pinned in one environment', async () => {
    editStack(repo, 'Pulumi.stage.yaml', /(ferry:digests:\n {4}api: )''/, `$1'${DIGEST}'`);
    await renderAndCompare(repo, services('api in stage'), 'digest pinned');
    expect(changedPaths(repo)).toEqual(['Pulumi.stage.yaml', 'manifests/overlays/stage/api/kustomization.yaml']);
    expect(repo.read('manifests/overlays/stage/api/kustomization.yaml')).toContain(`digest: ${DIGEST}`);
    await expectUnchanged(repo, 'after the digest');
  });

  test('two services in two environments', async () => {
    editStack(repo, 'Pulumi.stage.yaml', /web: \S+/, 'web: 1.5.0-SNAPSHOT-0a1b2c3');
    editStack(repo, 'Pulumi.prod.yaml', /api: v\d+\.\d+\.\d+/, 'api: v9.9.10');
    await renderAndCompare(repo, services('api, web in stage, prod'), 'two services');
    expect(changedPaths(repo)).toEqual(['Pulumi.prod.yaml', 'Pulumi.stage.yaml', 'manifests/overlays/prod/api/kustomization.yaml', 'manifests/overlays/stage/web/kustomization.yaml']);
    await expectUnchanged(repo, 'after two services');
  });

  test('a tag in the first environment also rewrites its preview', async () => {
    editStack(repo, 'Pulumi.dev.yaml', /web: sha-\S+/, 'web: sha-0ddba11a');
    await renderAndCompare(repo, services('web in dev', true), 'dev tag');
    expect(changedPaths(repo)).toEqual(['Pulumi.dev.yaml', 'manifests/overlays/dev/web/kustomization.yaml', 'manifests/overlays/preview/web/kustomization.yaml']);
    expect(repo.read('manifests/overlays/preview/web/kustomization.yaml')).toMatch(/^ {4}newTag: sha-0ddba11a$/m);
    await expectUnchanged(repo, 'after the dev tag');
  });

  test('a stack file changed only where the render does not read: nothing synthesised, nothing written', async () => {
    editStack(repo, 'Pulumi.prod.yaml', 'aws:region: eu-west-1', 'aws:region: eu-west-2 # moved');
    await renderAndCompare(repo, 'ferry render: services: Pulumi.prod.yaml changed only in what the render does not read; nothing synthesised\n', 'region');
    expect(changedPaths(repo)).toEqual(['Pulumi.prod.yaml']);
    await expectUnchanged(repo, 'after the region');
  });

  test('a stack file no environment reads is no input: the promotion beside it takes the services path', async () => {
    repo.write('Pulumi.qa.yaml', repo.read('Pulumi.stage.yaml'));
    editStack(repo, 'Pulumi.prod.yaml', /web: v\d+\.\d+\.\d+/, 'web: v9.9.11');
    await renderAndCompare(repo, services('web in prod'), 'a stack file of no environment');
    expect(changedPaths(repo)).toEqual(['Pulumi.prod.yaml', 'Pulumi.qa.yaml', 'manifests/overlays/prod/web/kustomization.yaml']);
  });

  test.each([
    ['the replicas', 'Pulumi.stage.yaml', /api: sha-\S+/, 'api: sha-0badc0de', '      replicas: 3', '      replicas: 4'],
    ['a config value', 'Pulumi.prod.yaml', /api: v\d+\.\d+\.\d+/, 'api: v9.9.12', /DATABASE_HOST: \S+/, 'DATABASE_HOST: db2.prod.shop.internal'],
  ])('a tag beside %s renders the whole environment', async (what, file, tagFrom, tagTo, from, to) => {
    editStack(repo, file, tagFrom, tagTo);
    editStack(repo, file, from, to);
    await renderAndCompare(repo, environment(/Pulumi\.(\w+)\.yaml/.exec(file)![1]!), `tag beside ${what}`);
  });

  test('a stack file removed fails as the full render fails, writing nothing', async () => {
    const stage = repo.read('Pulumi.stage.yaml');
    rmSync(join(repo.root, 'Pulumi.stage.yaml'));
    editStack(repo, 'Pulumi.prod.yaml', /api: v\d+\.\d+\.\d+/, 'api: v9.9.14');
    const message = "ferry render: Pulumi.stage.yaml: missing; environment 'stage' is in the promotion graph (dev → stage → prod): create it with ferry:images\n";
    try {
      expect(await renderIncremental(repo, ['--quiet', '--explain'])).toEqual({ code: 1, stdout: '', stderr: message });
      expect(repo.ferrySpawn(['render', '--quiet', '--full'])).toEqual({ code: 1, stdout: '', stderr: message });
      expect(changedPaths(repo)).toEqual(['Pulumi.prod.yaml', 'Pulumi.stage.yaml']);
    } finally {
      repo.write('Pulumi.stage.yaml', stage);
    }
    await renderAndCompare(repo, services('api in prod'), 'stage back');
  });

  test('a refused tag fails as the full render fails, writing nothing', async () => {
    const prod = repo.read('Pulumi.prod.yaml');
    editStack(repo, 'Pulumi.prod.yaml', /api: v\d+\.\d+\.\d+/, 'api: latest');
    try {
      const failed = await renderIncremental(repo, ['--quiet', '--explain']);
      expect(failed).toEqual({ code: 1, stdout: '', stderr: expect.stringMatching(/^ferry render: Pulumi\.prod\.yaml: ferry:images\.api: image tag 'latest' is refused: tags must be immutable; /) });
      expect(repo.ferrySpawn(['render', '--quiet', '--full'])).toEqual(failed);
      expect(changedPaths(repo)).toEqual(['Pulumi.prod.yaml']);
    } finally {
      repo.write('Pulumi.prod.yaml', prod);
    }
    await expectUnchanged(repo, 'tag put back');
  });

  test('render --check of a promotion not yet rendered lists what the full check lists', async () => {
    editStack(repo, 'Pulumi.prod.yaml', /api: v\d+\.\d+\.\d+/, 'api: v9.9.15');
    const full = await fullCheck(repo);
    expect(full).toEqual({ code: 1, stdout: '', stderr: 'manifests/ differs from a fresh render; run `npm run render` and commit the result:\n  changed: manifests/overlays/prod/api/kustomization.yaml\n' });
    const check = await renderIncremental(repo, ['--check', '--explain']);
    expect(check).toEqual({ ...full, stderr: `ferry render: full: Pulumi.prod.yaml changed and the tree differs from that render; a full render lists the differences\n${full.stderr}` });
    // The check recorded what the render makes: the render after it restores the tree from there.
    await renderAndCompare(repo, 'ferry render: environments: the tree differs from the last render; re-rendered prod and every cluster\'s Argo CD objects\n', 'render after the check');
  });

  test('a hand-edited file outside the promoted overlays takes a full render', async () => {
    repo.write('manifests/base/web/service.yaml', `${repo.read('manifests/base/web/service.yaml')}# edited by hand\n`);
    editStack(repo, 'Pulumi.prod.yaml', /api: v\d+\.\d+\.\d+/, 'api: v9.9.16');
    await renderAndCompare(repo, 'ferry render: full: manifests/ or .github/ differ from the last render outside the re-rendered overlays, and only a full render can restore them\n', 'hand edit beside a tag');
    expect(changedPaths(repo)).toEqual(['Pulumi.prod.yaml', 'manifests/overlays/prod/api/kustomization.yaml']);
  });

  test('without the stack files of the last render (an earlier ferry\'s record) the environment is rendered, and they are kept for the next', async () => {
    const stacks = recordedStacksPath(renderRecordPath(repo.root)!);
    expect(stacks).toBe(join(repo.root, '.git/ferry/render-state.stacks.json'));
    const kept = JSON.parse(readFileSync(stacks, 'utf8')) as Record<string, string>;
    expect(Object.keys(kept)).toEqual(['Pulumi.dev.yaml', 'Pulumi.stage.yaml', 'Pulumi.prod.yaml']);
    expect(kept['Pulumi.prod.yaml']).toBe(repo.read('Pulumi.prod.yaml'));
    rmSync(stacks);
    editStack(repo, 'Pulumi.prod.yaml', /api: v\d+\.\d+\.\d+/, 'api: v9.9.17');
    await renderAndCompare(repo, environment('prod'), 'no stack files kept');
    editStack(repo, 'Pulumi.prod.yaml', /api: v\d+\.\d+\.\d+/, 'api: v9.9.18');
    await renderAndCompare(repo, services('api in prod'), 'kept again');
    // Stack files that are not the ones the record hashed are never compared with.
    writeFileSync(stacks, JSON.stringify({ ...kept, 'Pulumi.prod.yaml': repo.read('Pulumi.prod.yaml').replace('ferry:logLevel: WARN', 'ferry:logLevel: INFO') }));
    editStack(repo, 'Pulumi.prod.yaml', /api: v\d+\.\d+\.\d+/, 'api: v9.9.19');
    await renderAndCompare(repo, environment('prod'), 'other stack files kept');
  });

  test('an overlay whose kinds differ from the recorded ones renders the environment', async () => {
    const path = renderRecordPath(repo.root)!;
    const record = JSON.parse(readFileSync(path, 'utf8')) as { chartKinds: string };
    const line = /^manifests\/overlays\/prod\/api\t.*$/m;
    expect(record.chartKinds).toMatch(line);
    writeFileSync(path, JSON.stringify({ ...record, chartKinds: record.chartKinds.replace(line, (kinds) => `${kinds}\texample.com/Widget`) }));
    editStack(repo, 'Pulumi.prod.yaml', /api: v\d+\.\d+\.\d+/, 'api: v9.9.20');
    await renderAndCompare(repo, environment('prod'), 'kinds differ');
  });
});

describe('the services path on the Helm fixture', () => {
  test("a Helm chart service's tag renders the environment (its values file holds the tag); a kustomize service's beside it does not", async () => {
    const repo = await createPlatformRepo({ ...RESIDENT_INITIAL_RENDER, fixture: SHOP_FIXTURE.replace(/shop$/, 'helm') });
    try {
      await renderIncremental(repo, ['--quiet']);
      editStack(repo, 'Pulumi.stage.yaml', 'catalog: sha-1a2b3c4d', 'catalog: sha-0c0ffee0');
      await renderAndCompare(repo, environment('stage'), 'chart service tag');
      expect(repo.read('manifests/helm/stage/catalog/values.yaml')).toContain('sha-0c0ffee0');
      editStack(repo, 'Pulumi.stage.yaml', 'api: sha-3f9c2a1b', 'api: sha-0badc0de');
      await renderAndCompare(repo, services('api in stage'), 'kustomize service tag');
    } finally {
      repo.cleanup();
    }
  });
});

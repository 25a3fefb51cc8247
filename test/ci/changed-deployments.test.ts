import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';

let repo: PlatformRepo;
beforeAll(async () => {
  repo = await createPlatformRepo();
});
afterAll(() => repo.cleanup());

test('ferry verify --changed-since lists exactly the deployments whose tag changed, as a job matrix', async () => {
  repo.write('Pulumi.prod.yaml', repo.read('Pulumi.prod.yaml').replace('    api: v1.3.2', '    api: v1.4.0'));
  repo.write('Pulumi.dev.yaml', repo.read('Pulumi.dev.yaml').replace('# dev:', '# dev (comment only):'));
  repo.commitAll('chore(promote): api v1.4.0 to prod');
  const run = await repo.ferry(['verify', '--changed-since', 'HEAD^']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual([
    { service: 'api', environment: 'prod', cluster: 'prod', clusterKey: 'PROD', requiresReview: true, application: 'api-prod', tag: 'v1.4.0', previousTag: 'v1.3.2' },
  ]);
  expect(JSON.parse((await repo.ferry(['verify', '--changed-since', 'HEAD'])).stdout)).toEqual([]);
});

test('an unknown base is a clear error', async () => {
  const run = await repo.ferry(['verify', '--changed-since', 'no-such-ref']);
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(`ferry verify: --changed-since "no-such-ref": not a commit in ${repo.root}; fetch enough history (actions/checkout fetch-depth: 0 or 2)\n`);
});

test('--changed-since takes no service', async () => {
  expect(await repo.ferry(['verify', 'api', '--changed-since', 'HEAD'])).toEqual({
    code: 2,
    stdout: '',
    stderr: 'ferry verify: --changed-since lists changed deployments; give it without <service> or --env\n',
  });
});

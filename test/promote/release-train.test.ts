/**
 * Release trains (issue 11): several services promoted as one named unit, in real git: one diff and
 * one commit with a Release-Train trailer, refused as a whole naming the member, status showing the
 * train commit each environment runs and drift, and one rollback restoring every member.
 */
import { Environment, Platform, Profiles } from '../../model/platform.js';
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { parseTrainTrailer } from '../../lib/promote/release-train.js';
import { createPromoteRepo, editPlatform, type PromoteRepo } from './promote-fixture.js';

const TRAINS = editPlatform((text) => text.replace('  previews: {', "  releaseTrains: [{ name: 'checkout', services: ['api', 'web'] }],\n  previews: {"));
const at = (time: string) => ({ FERRY_NOW: time, GIT_AUTHOR_DATE: time, GIT_COMMITTER_DATE: time });

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
  await registry.pushImage('api', 'sha-1111aaaa');
  await registry.pushImage('api', 'sha-3333cccc');
  await registry.pushImage('web', 'sha-2222bbbb');
});
afterAll(async () => {
  await registry.stop();
});

const changedFiles = (repo: PromoteRepo, ref: string) => repo.git(['show', '--name-only', '--format=', ref]).trim().split('\n');

test('promote --train: every member in one commit with a Release-Train trailer, refused as a whole naming the member; status shows the train and drift; rollback --train restores every member', async () => {
  const repo = await createPromoteRepo(registry, { edit: TRAINS });
  try {
    await repo.commitTag('dev', 'api', 'sha-1111aaaa', '2026-03-01T00:00:00Z');
    await repo.commitTag('dev', 'web', 'sha-2222bbbb', '2026-03-10T11:30:00Z');
    const before = repo.git(['rev-parse', 'HEAD']).trim();

    // web has run in dev for 30m of stage's 1h: the whole train is refused, naming web; nothing is written.
    const early = await repo.run(['promote', '--train', 'checkout', '--to', 'stage', '--direct'], at('2026-03-10T12:00:00Z'));
    expect(early.stderr).toMatch(/^ferry promote: web: gate 'soak': sha-2222bbbb has run in dev for 30m since 2026-03-10T11:30:00Z \(commit [0-9a-f]{7}\); stage requires 1h; override with --override soak --reason "\.\.\."\n$/);
    expect(early.code).toBe(1);
    expect(repo.git(['rev-parse', 'HEAD']).trim()).toBe(before);
    expect(repo.status()).toBe('');

    const train = await repo.run(['promote', '--train', 'checkout', '--to', 'stage', '--direct'], at('2026-03-10T13:00:00Z'));
    expect(train.stderr).toBe('');
    expect(train.stdout).toMatch(/^api: sha-3f9c2a1b -> sha-1111aaaa in stage from dev, digest sha256:[0-9a-f]{64}\nweb: 1\.4\.0-SNAPSHOT-8e1d4c7 -> sha-2222bbbb in stage from dev, digest/);
    expect(repo.git(['rev-list', '--count', `${before}..HEAD`]).trim()).toBe('1');
    expect(changedFiles(repo, 'HEAD')).toEqual(['Pulumi.stage.yaml', 'manifests/overlays/stage/api/kustomization.yaml', 'manifests/overlays/stage/web/kustomization.yaml']);
    const message = repo.git(['log', '-1', '--format=%B']);
    expect(message.split('\n')[0]).toBe('chore(promote): api sha-1111aaaa, web sha-2222bbbb to stage');
    expect(message).toContain('\nRelease-Train: checkout; api=sha-1111aaaa, web=sha-2222bbbb\n');
    expect(repo.git(['log', '-1', '--format=%(trailers:key=Release-Train,valueonly)']).trim()).toBe('checkout; api=sha-1111aaaa, web=sha-2222bbbb');
    const trainCommit = repo.git(['rev-parse', 'HEAD']).trim();

    const status = await repo.ferry(['status', '--json']);
    const rows = JSON.parse(status.stdout) as { environment: string; service: string; train?: { name: string; commit: string; tag: string; drifted: boolean; kind: string } }[];
    expect(rows.filter((r) => r.environment === 'stage').map((r) => r.train)).toEqual([
      { name: 'checkout', commit: trainCommit, kind: 'promotion', since: '2026-03-10T13:00:00Z', tag: 'sha-1111aaaa', drifted: false },
      { name: 'checkout', commit: trainCommit, kind: 'promotion', since: '2026-03-10T13:00:00Z', tag: 'sha-2222bbbb', drifted: false },
    ]);
    expect(rows.filter((r) => r.environment !== 'stage').every((r) => r.train === undefined)).toBe(true);

    // api alone moves on in stage: status says api drifted from the train, web did not.
    await repo.commitTag('dev', 'api', 'sha-3333cccc', '2026-03-10T13:00:00Z');
    const alone = await repo.run(['promote', 'api', '--to', 'stage', '--direct'], at('2026-03-10T15:00:00Z'));
    expect(alone.stderr).toBe('');
    const text = (await repo.ferry(['status'])).stdout.split('\n');
    expect(text[0]).toMatch(/^ENV +SERVICE +TAG +DIGEST +SINCE +BY +COMMIT +VERIFIED +TRAIN$/);
    expect(text.find((l) => /^stage +api /.test(l))).toMatch(new RegExp(` checkout@${trainCommit.slice(0, 7)} drifted from sha-1111aaaa$`));
    expect(text.find((l) => /^stage +web /.test(l))).toMatch(new RegExp(` checkout@${trainCommit.slice(0, 7)}$`));
    expect(text.find((l) => /^prod +api /.test(l))).toMatch(/ -$/);

    // One rollback puts every member back to where it was before the train, in one commit.
    const rollback = await repo.run(['rollback', '--train', 'checkout', '--env', 'stage', '--direct'], at('2026-03-10T16:00:00Z'));
    expect(rollback.stderr).toBe('');
    const rolledBack = repo.git(['log', '-1', '--format=%B']);
    expect(rolledBack.split('\n')[0]).toBe('chore(rollback): api sha-3f9c2a1b, web 1.4.0-SNAPSHOT-8e1d4c7 in stage');
    expect(rolledBack).toContain('\nRelease-Train: checkout; api=sha-3f9c2a1b, web=1.4.0-SNAPSHOT-8e1d4c7\n');
    expect(repo.read('Pulumi.stage.yaml')).toContain('    api: sha-3f9c2a1b\n    web: 1.4.0-SNAPSHOT-8e1d4c7\n');
    expect((await repo.ferry(['render', '--check'])).code).toBe(0);
    const afterRollback = (await repo.ferry(['status'])).stdout;
    expect(afterRollback).toMatch(/\nstage +web +1\.4\.0-SNAPSHOT-8e1d4c7 .* checkout@[0-9a-f]{7} \(rollback\)\n/);

    // Nothing before the train's first promotion: a second rollback has nowhere to go.
    const again = await repo.run(['rollback', '--train', 'checkout', '--env', 'stage'], at('2026-03-10T17:00:00Z'));
    expect(again.stderr).toBe(
      'ferry rollback: train checkout has no earlier state in stage to roll back to: no train promotion in the git history of Pulumi.stage.yaml (first parent) changed its members from what they run now (api sha-3f9c2a1b, web 1.4.0-SNAPSHOT-8e1d4c7)\n',
    );
    const unknown = await repo.run(['promote', '--train', 'payments', '--to', 'stage']);
    expect(unknown.stderr).toBe('ferry promote: --train payments: unknown release train \'payments\'; trains: checkout\n');
    const mixed = await repo.run(['promote', 'api', '--train', 'checkout', '--to', 'stage']);
    expect(mixed.stderr).toBe('ferry promote: --train checkout promotes the train\'s members; give no service names and no --all\n');
  } finally {
    repo.cleanup();
  }
});

test('releaseTrains are validated: unknown service, a service listed twice, a service on two trains, a train named twice', () => {
  const props = (releaseTrains: unknown) => ({
    name: 'shop',
    repoURL: 'https://github.com/example-org/shop.git',
    registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    services: [{ name: 'api' }, { name: 'web' }, { name: 'worker' }],
    environments: [Environment.of('dev', Profiles.development())],
    releaseTrains: releaseTrains as never,
  });
  expect(new Platform(props([{ name: 'checkout', services: ['api', 'web'] }])).trainOf('web')?.name).toBe('checkout');
  expect(new Platform(props(undefined)).releaseTrains).toEqual([]);
  expect(() => new Platform(props([{ name: 'checkout', services: ['api', 'db'] }]))).toThrow(
    "platform 'releaseTrains[0]' (checkout): 'services' names unknown service \"db\"; services: api, web, worker",
  );
  expect(() => new Platform(props([{ name: 'checkout', services: ['api', 'api'] }]))).toThrow("platform 'releaseTrains[0]' (checkout): 'services' lists 'api' twice");
  expect(() => new Platform(props([{ name: 'checkout', services: ['api', 'web'] }, { name: 'batch', services: ['worker', 'web'] }]))).toThrow(
    "platform 'releaseTrains[1]' (batch): service 'web' already rides train 'checkout'; a service rides at most one train",
  );
  expect(() => new Platform(props([{ name: 'checkout', services: ['api'] }, { name: 'checkout', services: ['web'] }]))).toThrow("platform 'releaseTrains[1]': 'name' 'checkout' appears twice");
  expect(() => new Platform(props([{ name: 'Checkout', services: ['api'] }]))).toThrow("platform 'releaseTrains[0]': 'name' \"Checkout\" must be a DNS label of at most 40 characters");
  expect(() => new Platform(props([{ name: 'checkout', services: [] }]))).toThrow("platform 'releaseTrains[0]' (checkout): 'services' [] must be a non-empty list of service names");
});

test('the Release-Train trailer reads back per environment', () => {
  expect(parseTrainTrailer('checkout; api=v1.2.0, web=v1.3.0', 'stage')).toEqual({ name: 'checkout', state: { api: 'v1.2.0', web: 'v1.3.0' } });
  expect(parseTrainTrailer('checkout; prod-eu/api=v1, prod-us/api=v2', 'prod-us')).toEqual({ name: 'checkout', state: { api: 'v2' } });
  expect(parseTrainTrailer('not a train', 'stage')).toBeUndefined();
});

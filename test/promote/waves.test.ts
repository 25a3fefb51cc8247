/**
 * Waves (issue 11): `ferry promote --waves 'prod-us,prod-eu+prod-asia' --soak 2h` on the regional
 * fixture, in real git with an injected clock: one wave per run, the next refused until the
 * previous one has soaked (saying when it is ready), then nothing left to do.
 */
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { parseSoak } from '../../lib/promote/waves.js';
import { createPlatformRepo, type PlatformRepo } from '../helpers/platform-repo.js';
import { fileURLToPath } from 'node:url';
import { GIT_ENV } from './promote-fixture.js';

const REGIONAL_FIXTURE = fileURLToPath(new URL('../fixtures/regional', import.meta.url));

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
  await registry.pushImage('simple-env-app', 'sha-aaaa0001');
  await registry.pushImage('simple-env-app', 'sha-aaaa0002');
});
afterAll(async () => {
  await registry.stop();
});

const at = (time: string) => ({ ...GIT_ENV, FERRY_NOW: time, GIT_AUTHOR_DATE: time, GIT_COMMITTER_DATE: time });
const WAVES = ['promote', 'simple-env-app', '--waves', 'prod-us,prod-eu+prod-asia', '--soak', '2h', '--commit'];

/** Runs ferry at `time` and lands the promotion branch it made on main with a merge commit at `time`. */
async function runAndLand(repo: PlatformRepo, args: readonly string[], time: string) {
  const result = await repo.ferry([...args, '--registry-url', registry.url], at(time));
  const branch = /^committed [0-9a-f]{12} on (\S+):/m.exec(result.stdout)?.[1];
  if (branch) repo.git(['merge', '-q', '--no-ff', '-m', `Merge ${branch}`, branch], at(time));
  return { ...result, branch };
}

test('each run promotes the next wave in one commit; the next wave waits until the previous one has soaked; then nothing is left', async () => {
  const repo = await createPlatformRepo({ fixture: REGIONAL_FIXTURE });
  try {
    const first = await runAndLand(repo, WAVES, '2026-03-10T12:00:00Z');
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/^wave 1 of 2: prod-us\nsimple-env-app: v1\.0\.0 -> sha-aaaa0001 in prod-us from staging-us/);
    expect(first.branch).toBe('promote/prod-us/simple-env-app-sha-aaaa0001');
    const landed = repo.git(['rev-parse', 'HEAD']).trim();

    const early = await runAndLand(repo, WAVES, '2026-03-10T13:00:00Z');
    expect(early.stderr).toMatch(
      /^ferry promote: wave 2 of 2 \(prod-eu, prod-asia\) waits for wave 1 of 2 \(prod-us\) to soak 2h 0m: simple-env-app sha-aaaa0001 has run in prod-us for 1h 0m since 2026-03-10T12:00:00Z \(commit [0-9a-f]{7}\); ready at 2026-03-10T14:00:00Z\n$/,
    );
    expect(early.code).toBe(1);
    expect(repo.git(['rev-parse', 'HEAD']).trim()).toBe(landed);
    expect(repo.git(['status', '--porcelain'])).toBe('');

    const second = await runAndLand(repo, WAVES, '2026-03-10T14:30:00Z');
    expect(second.stderr).toBe('');
    expect(second.stdout.split('\n')[0]).toBe('wave 2 of 2: prod-eu, prod-asia');
    expect(second.branch).toBe('promote/prod-eu+prod-asia/simple-env-app-sha-aaaa0001');
    expect(repo.git(['diff', '--name-only', `${landed}`, 'HEAD']).trim().split('\n').filter((f) => f.startsWith('Pulumi.'))).toEqual(['Pulumi.prod-asia.yaml', 'Pulumi.prod-eu.yaml']);

    const done = await runAndLand(repo, WAVES, '2026-03-10T15:00:00Z');
    expect(done.stdout).toBe('every wave (prod-us, prod-eu+prod-asia) runs it already; nothing to promote\n');
    expect(done.code).toBe(0);
  } finally {
    repo.cleanup();
  }
});

test('a later wave is refused while an earlier one runs another tag; bad --waves and --soak are usage errors', async () => {
  const repo = await createPlatformRepo({ fixture: REGIONAL_FIXTURE });
  try {
    // staging-eu moved on to sha-aaaa0002; staging-us still runs sha-aaaa0001.
    repo.write('Pulumi.staging-eu.yaml', repo.read('Pulumi.staging-eu.yaml').replace('simple-env-app: sha-aaaa0001', 'simple-env-app: sha-aaaa0002'));
    expect((await repo.ferry(['render', '--quiet'])).code).toBe(0);
    repo.commitAll('staging-eu: simple-env-app sha-aaaa0002', '2026-03-01T00:00:00Z');
    const waves = ['promote', 'simple-env-app', '--waves', 'prod-us,prod-eu', '--soak', '2h', '--commit'];
    expect((await runAndLand(repo, waves, '2026-03-10T12:00:00Z')).stdout.split('\n')[0]).toBe('wave 1 of 2: prod-us');
    const behind = await runAndLand(repo, waves, '2026-03-10T15:00:00Z');
    expect(behind.stderr).toBe(
      'ferry promote: wave 2 of 2 (prod-eu) waits for wave 1 of 2 (prod-us) to soak 2h 0m: simple-env-app sha-aaaa0002 does not run in prod-us (wave 1 of 2 (prod-us); it runs sha-aaaa0001); promote that wave first\n',
    );
    expect(behind.code).toBe(1);
    expect(repo.git(['status', '--porcelain'])).toBe('');

    const one = await repo.ferry(['promote', 'simple-env-app', '--waves', 'prod-us'], at('2026-03-10T12:30:00Z'));
    expect(one.stderr).toBe("ferry promote: --waves 'prod-us': name at least two waves, separated by ',' (environments of one wave joined by '+'), e.g. 'prod-us,prod-eu+prod-asia'\n");
    expect(one.code).toBe(2);
    const twice = await repo.ferry(['promote', 'simple-env-app', '--waves', 'prod-*,prod-eu'], at('2026-03-10T12:30:00Z'));
    expect(twice.stderr).toBe("ferry promote: --waves 'prod-*,prod-eu': prod-eu is in wave 1 and wave 2; each environment is in one wave\n");
    const both = await repo.ferry(['promote', 'simple-env-app', '--waves', 'prod-us,prod-eu', '--to', 'prod-us']);
    expect(both.stderr).toBe('ferry promote: --waves names the target environments; give either --waves or --to, not both\n');
    expect(parseSoak('1h30m')).toBe(1.5);
    expect(parseSoak('45m')).toBe(0.75);
    expect(() => parseSoak('2x')).toThrow("--soak '2x' is not a duration; allowed: like 2h, 30m, 1h30m, or 0");
  } finally {
    repo.cleanup();
  }
});

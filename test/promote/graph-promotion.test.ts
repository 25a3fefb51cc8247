/** Promotion along a graph (issue 11): the 11-environment regional fixture and an A/B fan-in. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry, type LocalRegistry } from '../../lib/testing/local-registry.js';
import { createPlatformRepo, type CliResult, type PlatformRepo } from '../helpers/platform-repo.js';
import { GIT_ENV } from './promote-fixture.js';

export const REGIONAL_FIXTURE = fileURLToPath(new URL('../fixtures/regional', import.meta.url));
const NOW = { FERRY_NOW: '2026-03-10T12:00:00Z' };
const SERVICES = ['simple-env-app', 'gpu-app'];
const TAGS = ['sha-aaaa0001', 'sha-aaaa0002', 'sha-aaaa0003', 'v1.0.0'];

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
  for (const service of SERVICES) for (const tag of TAGS) await registry.pushImage(service, tag);
});
afterAll(async () => {
  await registry.stop();
});

type Repo = PlatformRepo & { run(args: readonly string[], env?: Record<string, string>): Promise<CliResult> };

async function regionalRepo(options: { fixture?: string; edit?: (root: string) => void } = {}): Promise<Repo> {
  const repo = await createPlatformRepo({ fixture: options.fixture ?? REGIONAL_FIXTURE, edit: options.edit });
  return Object.assign(repo, {
    run: (args: readonly string[], env: Record<string, string> = {}) => repo.ferry([...args, '--registry-url', registry.url], { ...GIT_ENV, ...NOW, ...env }),
  });
}

const changed = (repo: PlatformRepo, a: string, b: string) => repo.git(['diff', '--name-only', a, b]).trim().split('\n');

test('the 11-environment graph renders, prints as text and Mermaid, and a promotion to prod-eu changes exactly its stack file and overlay', async () => {
  const repo = await regionalRepo();
  try {
    const check = await repo.ferry(['render', '--check']);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    for (const env of ['qa', 'load-non-gpu', 'staging-asia', 'prod-eu']) expect(repo.read(`manifests/overlays/${env}/simple-env-app/kustomization.yaml`)).toContain('newTag:');

    const text = await repo.ferry(['graph']);
    expect(text.stdout).toContain('staging-eu           load-gpu, load-non-gpu  all     1h    no');
    expect(text.stdout).toContain('prod-eu              staging-eu              -       24h   yes');
    expect(text.stdout).toContain('qa → integration-gpu, integration-non-gpu; integration-gpu → load-gpu;');
    const mermaid = await repo.ferry(['graph', '--format', 'mermaid']);
    expect(mermaid.stdout.split('\n')).toEqual(expect.arrayContaining(['flowchart LR', '  load_gpu -->|all| staging_eu', '  staging_eu --> prod_eu', '  qa --> integration_non_gpu']));
    expect(JSON.parse((await repo.ferry(['graph', '--format', 'json'])).stdout)).toHaveLength(11);

    const result = await repo.run(['promote', 'simple-env-app', '--to', 'prod-eu', '--commit']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^simple-env-app: v1\.0\.0 -> sha-aaaa0001 in prod-eu from staging-eu, digest sha256:/);
    const branch = 'promote/prod-eu/simple-env-app-sha-aaaa0001';
    expect(changed(repo, 'main', branch)).toEqual(['Pulumi.prod-eu.yaml', 'manifests/overlays/prod-eu/simple-env-app/kustomization.yaml']);
    expect(repo.git(['diff', '-U0', 'main', branch, '--', 'Pulumi.prod-eu.yaml']).split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-    simple-env-app: v1.0.0', '+    simple-env-app: sha-aaaa0001']);
    expect(repo.git(['log', '-1', '--format=%B', branch])).toContain('Promoted-From: staging-eu\n');
  } finally {
    repo.cleanup();
  }
});

test('a fan-in with several upstreams running different tags is refused listing them; --from picks one; fan-in all refuses a tag missing from one upstream', async () => {
  const repo = await regionalRepo();
  try {
    const ambiguous = await repo.run(['promote', 'simple-env-app', '--to', 'staging-eu']);
    expect(ambiguous.stderr).toBe(
      'ferry promote: staging-eu has 2 upstreams (load-gpu, load-non-gpu; fan-in all) running different tags: simple-env-app: load-gpu runs sha-aaaa0002, load-non-gpu runs sha-aaaa0001; pick the source with --from load-gpu or --from load-non-gpu, or the tag with --tag\n',
    );
    expect(ambiguous.code).toBe(1);
    const all = await repo.run(['promote', 'simple-env-app', '--to', 'staging-eu', '--from', 'load-gpu']);
    expect(all.stderr).toBe(
      [
        'ferry promote: refused by 2 gates:',
        `  gate 'order': sha-aaaa0002 must have run in every upstream of staging-eu (fan-in all: load-gpu, load-non-gpu) but never ran in load-non-gpu (Pulumi.load-non-gpu.yaml: ferry:images.simple-env-app is sha-aaaa0001); promote it to load-non-gpu first; override with --override order --reason "..."`,
        `  gate 'soak': fan-in all (load-gpu, load-non-gpu): sha-aaaa0002 has never run in load-non-gpu; staging-eu requires 1h; override with --override soak --reason "..."`,
        '',
      ].join('\n'),
    );
    expect(repo.git(['status', '--porcelain'])).toBe('');
    // Once load-non-gpu ran it long enough, both upstreams agree: no --from needed.
    repo.write('Pulumi.load-non-gpu.yaml', repo.read('Pulumi.load-non-gpu.yaml').replace('simple-env-app: sha-aaaa0001', 'simple-env-app: sha-aaaa0002'));
    expect((await repo.ferry(['render', '--quiet'])).code).toBe(0);
    repo.commitAll('load-non-gpu: simple-env-app sha-aaaa0002', '2026-03-10T11:30:00Z');
    const soaking = await repo.run(['promote', 'simple-env-app', '--to', 'staging-eu']);
    expect(soaking.stderr).toMatch(/^ferry promote: gate 'soak': fan-in all \(load-gpu, load-non-gpu\): sha-aaaa0002 has run in load-non-gpu for 30m since 2026-03-10T11:30:00Z \(commit [0-9a-f]{7}\); staging-eu requires 1h; override with --override soak/);
    const agreed = await repo.run(['promote', 'simple-env-app', '--to', 'staging-eu', '--direct'], { FERRY_NOW: '2026-03-10T13:00:00Z' });
    expect(agreed.stderr).toBe('');
    expect(agreed.stdout).toMatch(/^simple-env-app: sha-aaaa0001 -> sha-aaaa0002 in staging-eu from load-gpu, load-non-gpu, digest/);
    expect(repo.git(['log', '-1', '--format=%B'])).toContain('Promoted-From: load-gpu, load-non-gpu\n');
    const history = await repo.ferry(['history', 'simple-env-app', '--env', 'staging-eu', '--json']);
    expect(JSON.parse(history.stdout).at(-1)).toMatchObject({ kind: 'promotion', promotedFrom: 'load-gpu, load-non-gpu', tag: 'sha-aaaa0002' });
  } finally {
    repo.cleanup();
  }
});

test('--from naming an environment that is not an upstream of the target is refused, listing the upstreams; nothing is written', async () => {
  const repo = await regionalRepo();
  try {
    const skip = await repo.run(['promote', 'simple-env-app', '--to', 'prod-eu', '--from', 'qa', '--direct']);
    expect(skip.stderr).toBe('ferry promote: --from qa: not an upstream of prod-eu; its upstreams: staging-eu (ferry graph)\n');
    expect(skip.code).toBe(1);
    const fanIn = await repo.run(['promote', 'simple-env-app', '--to', 'staging-eu', '--from', 'integration-gpu']);
    expect(fanIn.stderr).toBe('ferry promote: --from integration-gpu: not an upstream of staging-eu; its upstreams: load-gpu, load-non-gpu (ferry graph)\n');
    const source = await repo.run(['promote', 'simple-env-app', '--to', 'qa', '--from', 'prod-eu']);
    expect(source.stderr).toBe('ferry promote: --from prod-eu: qa is a source of the promotion graph (no upstreams); give the tag with --tag\n');
    expect(repo.git(['status', '--porcelain'])).toBe('');
  } finally {
    repo.cleanup();
  }
});

test('several targets (--to a --to b, or a glob) promote in one commit when each is allowed, else nothing is written and the refusal names the target', async () => {
  const repo = await regionalRepo();
  try {
    const head = repo.git(['rev-parse', 'HEAD']);
    // staging-us is ambiguous (its upstreams differ), prod-us is fine: nothing is written.
    const refused = await repo.run(['promote', 'gpu-app', '--to', 'staging-us', '--to', 'prod-us', '--direct']);
    expect(refused.stderr).toMatch(/^ferry promote: staging-us: staging-us has 2 upstreams/);
    expect(repo.git(['rev-parse', 'HEAD'])).toBe(head);
    expect(repo.git(['status', '--porcelain'])).toBe('');
    const unknown = await repo.run(['promote', 'gpu-app', '--to', 'prod-mars-*']);
    expect(unknown.stderr).toMatch(/^ferry promote: --to 'prod-mars-\*' matches no environment; environments: qa, /);

    // A gate refusing one target names it.
    repo.write('Pulumi.staging-asia.yaml', repo.read('Pulumi.staging-asia.yaml').replace('gpu-app: sha-aaaa0001', 'gpu-app: sha-aaaa0003'));
    repo.commitAll('staging-asia: gpu-app sha-aaaa0003 (hand edit)', '2026-03-10T11:00:00Z');
    const soak = await repo.run(['promote', 'gpu-app', '--to', 'prod-*', '--commit']);
    expect(soak.stderr).toMatch(/^ferry promote: gpu-app to prod-asia: gate 'soak': sha-aaaa0003 has run in staging-asia for 1h 0m since 2026-03-10T11:00:00Z \(commit [0-9a-f]{7}\); prod-asia requires 24h; override/);
    expect(repo.git(['status', '--porcelain'])).toBe('');
    expect(repo.git(['branch', '--list']).trim()).toBe('* main');

    const result = await repo.run(['promote', 'gpu-app', '--to', 'prod-us', '--to', 'prod-eu', '--commit']);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^gpu-app: v1\.0\.0 -> sha-aaaa0001 in prod-us from staging-us, digest sha256:/),
      expect.stringMatching(/^gpu-app: v1\.0\.0 -> sha-aaaa0001 in prod-eu from staging-eu, digest sha256:/),
    ]);
    const branch = 'promote/prod-us+prod-eu/gpu-app-sha-aaaa0001';
    expect(repo.git(['show', '--name-only', '--format=', branch]).trim().split('\n').sort()).toEqual([
      'Pulumi.prod-eu.yaml',
      'Pulumi.prod-us.yaml',
      'manifests/overlays/prod-eu/gpu-app/kustomization.yaml',
      'manifests/overlays/prod-us/gpu-app/kustomization.yaml',
    ]);
    const message = repo.git(['log', '-1', '--format=%B', branch]);
    expect(message.split('\n').slice(0, 6)).toEqual([
      'chore(promote): gpu-app sha-aaaa0001 to prod-us, prod-eu',
      '',
      'Promoted-From: prod-us/gpu-app=staging-us',
      'Promoted-From: prod-eu/gpu-app=staging-eu',
      'Image-Tag: prod-us/gpu-app=sha-aaaa0001',
      'Image-Tag: prod-eu/gpu-app=sha-aaaa0001',
    ]);
    // Merged with a merge commit, history reads each environment's own trailers from the branch's commit.
    repo.git(['merge', '-q', '--no-ff', '-m', 'Merge pull request #7 from example-org/promote', branch]);
    const history = JSON.parse((await repo.ferry(['history', 'gpu-app', '--json'])).stdout) as { environment: string; kind: string; promotedFrom: string }[];
    expect(history.filter((h) => h.kind === 'promotion').map((h) => [h.environment, h.promotedFrom])).toEqual([
      ['prod-us', 'staging-us'],
      ['prod-eu', 'staging-eu'],
    ]);
    const status = JSON.parse((await repo.ferry(['status', '--json'])).stdout) as { environment: string; service: string; tag: string }[];
    expect(status.filter((s) => s.service === 'gpu-app' && s.environment.startsWith('prod-')).map((s) => [s.environment, s.tag])).toEqual([
      ['prod-us', 'sha-aaaa0001'],
      ['prod-eu', 'sha-aaaa0001'],
      ['prod-asia', 'v1.0.0'],
    ]);
  } finally {
    repo.cleanup();
  }
});

test("Kargo's A/B sample: prod fed by either of two parallel stages (fan-in any); different tags need --from; --to stage --to prod promotes both", async () => {
  const repo = await regionalRepo({
    fixture: fileURLToPath(new URL('../fixtures/shop', import.meta.url)),
    edit: (root) => {
      const file = join(root, 'platform/platform.ts');
      const text = readFileSync(file, 'utf8');
      writeFileSync(
        file,
        text.replace(
          /environments: \[[\s\S]*?\n {2}\],/,
          `environments: [
    Environment.of('dev', Profiles.development()),
    Environment.of('ab-test-a', Profiles.staging({ upstreams: ['dev'], soakHours: 0 })),
    Environment.of('ab-test-b', Profiles.staging({ upstreams: ['dev'], soakHours: 0 })),
    Environment.of('prod', Profiles.production({ upstreams: ['ab-test-a', 'ab-test-b'], fanIn: 'any', soakHours: 0, approvers: ['@example-org/release-managers'] })),
  ],`,
        ),
      );
      const stage = readFileSync(join(root, 'Pulumi.stage.yaml'), 'utf8');
      writeFileSync(join(root, 'Pulumi.ab-test-a.yaml'), stage);
      writeFileSync(join(root, 'Pulumi.ab-test-b.yaml'), stage.replace('api: sha-3f9c2a1b', 'api: v1.3.2'));
      rmSync(join(root, 'Pulumi.stage.yaml'));
    },
  });
  try {
    for (const tag of ['sha-3f9c2a1b', 'v1.3.2']) await registry.pushImage('api', tag);
    const ambiguous = await repo.run(['promote', 'api', '--to', 'prod']);
    expect(ambiguous.stderr).toBe(
      'ferry promote: prod has 2 upstreams (ab-test-a, ab-test-b; fan-in any) running different tags: api: ab-test-a runs sha-3f9c2a1b, ab-test-b runs v1.3.2; pick the source with --from ab-test-a or --from ab-test-b, or the tag with --tag\n',
    );
    // Fan-in any: the tag ran in ab-test-a, which is enough.
    const fromA = await repo.run(['promote', 'api', '--to', 'prod', '--from', 'ab-test-a']);
    expect(fromA.stderr).toBe('');
    expect(fromA.stdout).toMatch(/^api: v1\.3\.2 -> sha-3f9c2a1b in prod from ab-test-a, digest/);
    repo.git(['checkout', '-q', '--', '.']);
    const byTag = await repo.run(['promote', 'api', '--to', 'prod', '--tag', 'sha-3f9c2a1b']);
    expect(byTag.stdout).toMatch(/^api: v1\.3\.2 -> sha-3f9c2a1b in prod from ab-test-a, digest/);
    repo.git(['checkout', '-q', '--', '.']);
    const never = await repo.run(['promote', 'api', '--to', 'prod', '--tag', 'sha-8e1d4c7a', '--override', 'image', '--reason', 'test']);
    expect(never.stderr).toMatch(/^ferry promote: gate 'order': sha-8e1d4c7a has run in none of the upstreams of prod \(fan-in any: ab-test-a, ab-test-b\)/);
    // --to ab-test-b --to prod: both are checked; prod is ambiguous, so nothing is written (not a silent prod-only promotion).
    const both = await repo.run(['promote', 'api', '--to', 'ab-test-b', '--to', 'prod', '--commit']);
    expect(both.stderr).toMatch(/^ferry promote: prod: prod has 2 upstreams \(ab-test-a, ab-test-b; fan-in any\)/);
    expect(repo.git(['branch', '--list']).trim()).toBe('* main');
    // A glob: ab-test-a already runs the tag, ab-test-b gets it.
    const glob = await repo.run(['promote', 'api', '--to', 'ab-test-*', '--commit']);
    expect(glob.stderr).toBe('');
    expect(glob.stdout.split('\n').slice(0, 2)).toEqual([
      'api: ab-test-a already runs sha-3f9c2a1b; nothing to promote',
      expect.stringMatching(/^api: v1\.3\.2 -> sha-3f9c2a1b in ab-test-b from dev, digest/),
    ]);
    expect(changed(repo, 'main', 'promote/ab-test-b/api-sha-3f9c2a1b')).toEqual(['Pulumi.ab-test-b.yaml', 'manifests/overlays/ab-test-b/api/kustomization.yaml']);
  } finally {
    repo.cleanup();
  }
});

import { secureDefaultProblems } from '../../lib/render/verify-tree.js';
import { createPlatformRepo } from '../helpers/platform-repo.js';

const goodContainer = {
  name: 'api',
  image: 'registry.example.com/api:sha-1a2b3c4d',
  securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
  livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
};
const deployment = (container: Record<string, unknown>, pod: Record<string, unknown> = { automountServiceAccountToken: false }) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'dev' },
  spec: { template: { spec: { ...pod, containers: [container] } } },
});

describe('secureDefaultProblems', () => {
  test('a hardened workload has none', () => {
    expect(secureDefaultProblems([deployment(goodContainer)], 'x')).toEqual([]);
  });
  test('each broken default is named', () => {
    const broken = { name: 'api', image: 'registry.example.com/api', securityContext: {} };
    expect(secureDefaultProblems([deployment(broken, {})], 'manifests/overlays/dev/api').map((p) => `${p.where}: ${p.object}: ${p.message}`)).toEqual([
      'manifests/overlays/dev/api: Deployment/dev/api: automountServiceAccountToken must be false',
      "manifests/overlays/dev/api: Deployment/dev/api: container 'api': image 'registry.example.com/api' has no tag (an implicit latest)",
      "manifests/overlays/dev/api: Deployment/dev/api: container 'api': securityContext.runAsNonRoot must be true",
      "manifests/overlays/dev/api: Deployment/dev/api: container 'api': securityContext.readOnlyRootFilesystem must be true",
      "manifests/overlays/dev/api: Deployment/dev/api: container 'api': securityContext.allowPrivilegeEscalation must be false",
      "manifests/overlays/dev/api: Deployment/dev/api: container 'api': securityContext.capabilities.drop must include ALL",
      "manifests/overlays/dev/api: Deployment/dev/api: container 'api': readinessProbe is missing",
      "manifests/overlays/dev/api: Deployment/dev/api: container 'api': livenessProbe is missing",
      "manifests/overlays/dev/api: Deployment/dev/api: container 'api': resources.limits.cpu and .memory are required",
      "manifests/overlays/dev/api: Deployment/dev/api: container 'api': resources.requests.cpu and .memory are required",
    ]);
  });
  test("'latest' is refused even where Argo CD sets tags; a missing tag only there is allowed", () => {
    expect(secureDefaultProblems([deployment({ ...goodContainer, image: 'r.example.com/api:latest' })], 'x', { tagsSetByArgo: true }).map((p) => p.message)).toEqual([
      "container 'api': image 'r.example.com/api:latest' uses the mutable tag 'latest'",
    ]);
    expect(secureDefaultProblems([deployment({ ...goodContainer, image: 'r.example.com:5000/api' })], 'x', { tagsSetByArgo: true })).toEqual([]);
    expect(secureDefaultProblems([deployment({ ...goodContainer, image: 'r.example.com:5000/api' })], 'x').map((p) => p.message)).toEqual([
      "container 'api': image 'r.example.com:5000/api' has no tag (an implicit latest)",
    ]);
  });
});

describe('ferry validate', () => {
  test('the sample platform is valid; a hand-broken base is reported with folder, object and rule', async () => {
    const repo = await createPlatformRepo({ git: false });
    try {
      const ok = await repo.ferry(['validate']);
      expect(ok).toEqual({ code: 0, stdout: '8 overlays and 60 objects are valid\n' /* 60 since issue 14: the preview Namespace */, stderr: '' });
      repo.write('manifests/base/web/deployment.yaml', repo.read('manifests/base/web/deployment.yaml').replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false').replace('terminationGracePeriodSeconds: 30', 'terminationGracePeriodSeconds: thirty'));
      const bad = await repo.ferry(['validate']);
      expect(bad.code).toBe(1);
      const lines = bad.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe('8 problem(s):');
      expect(lines).toContain("  manifests/overlays/dev/web: Deployment/dev/web: container 'web': securityContext.readOnlyRootFilesystem must be true");
      expect(lines).toContain("  manifests/overlays/preview/web: Deployment/web: container 'web': securityContext.readOnlyRootFilesystem must be true");
      expect(lines.filter((l) => l.includes('must be integer'))).toEqual([
        '  manifests/overlays/dev/web: Deployment/dev/web: data/spec/template/spec/terminationGracePeriodSeconds must be integer',
        '  manifests/overlays/preview/web: Deployment/web: data/spec/template/spec/terminationGracePeriodSeconds must be integer',
        '  manifests/overlays/prod/web: Deployment/prod/web: data/spec/template/spec/terminationGracePeriodSeconds must be integer',
        '  manifests/overlays/stage/web: Deployment/stage/web: data/spec/template/spec/terminationGracePeriodSeconds must be integer',
      ]);
    } finally {
      repo.cleanup();
    }
  });
});

describe('ferry validate checks something or fails', () => {
  test('a repository with no rendered overlays fails (exit 1), naming why', async () => {
    const repo = await createPlatformRepo({ git: false });
    try {
      const { rmSync } = await import('node:fs');
      rmSync(`${repo.root}/manifests`, { recursive: true, force: true });
      const result = await repo.ferry(['validate']);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`no overlays under manifests/overlays/ in ${repo.root}: nothing to validate; run \`ferry render\` first\n`);
    } finally {
      repo.cleanup();
    }
  });

  test('outside a platform repository it fails (exit 1), naming the folder', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { main } = await import('../../cli/main.js');
    const dir = mkdtempSync(join(tmpdir(), 'ferry-nowhere-'));
    try {
      let stderr = '';
      const code = await main(['validate'], { cwd: dir, out: () => undefined, err: (t) => void (stderr += t), env: {}, isTTY: false });
      expect(code).toBe(1);
      expect(stderr).toBe(`ferry validate: ${dir}: not inside a platform repository (no folder above it has Pulumi.yaml and platform/platform.ts); run 'ferry init <dir>' to create one\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('commands work from any subdirectory of the repository', async () => {
    const repo = await createPlatformRepo({ git: false });
    try {
      const { main } = await import('../../cli/main.js');
      let stdout = '';
      const code = await main(['render', '--check'], { cwd: `${repo.root}/manifests/overlays`, out: (t) => void (stdout += t), err: () => undefined, env: {}, isTTY: false });
      expect(code).toBe(0);
      expect(stdout).toMatch(/^manifests\/ is up to date \(\d+ files\)\n$/);
    } finally {
      repo.cleanup();
    }
  });
});

/**
 * README's "Extending" on a copy of this repository: add `uat` (one line + its stack file), a
 * service, and the README's own CpuAutoscaler add-on in platform/platform.ts (no engine file
 * edited); then everything that follows the sample
 * platform — render, the drift check, validate, lint and layering, and the tests that read the
 * repository's own rendered files — stays green. (Engine tests use their own fixture platforms,
 * so they cannot be broken by the sample.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../helpers/platform-repo.js';

/** The tests that read this repository's own sample platform or its rendered files. */
const SAMPLE_FOLLOWING_TESTS = ['test/ci/workflows.test.ts', 'test/ci/codeowners.test.ts', 'test/ci/promote-dev.test.ts', 'test/diff/pr-diff-workflow.test.ts'];

let root: string;

function run(command: string, args: readonly string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, [...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, output: `${result.stdout}\n${result.stderr}` };
}

function edit(path: string, from: string, to: string): void {
  const text = readFileSync(join(root, path), 'utf8');
  if (!text.includes(from)) throw new Error(`${path}: fixture text not found: ${from}`);
  writeFileSync(join(root, path), text.replace(from, to));
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-sample-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    try {
      cpSync(join(REPO_ROOT, file), join(root, file));
    } catch {
      // listed but deleted in the working tree
    }
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');

  // One line in the graph, one stack file; a new service with its tag everywhere.
  edit('platform/platform.ts', "    Environment.of('stage', Profiles.staging()),\n", "    Environment.of('stage', Profiles.staging()),\n    Environment.of('uat', Profiles.staging({ replicas: 2, soakHours: 4 })),\n");
  edit('platform/platform.ts', '  services: [\n', "  services: [\n    { name: 'worker', port: 8081, healthPath: '/healthz', readinessPath: '/readyz' },\n");
  writeFileSync(join(root, 'Pulumi.uat.yaml'), 'config:\n  ferry:images:\n    api: sha-3f9c2a1b\n    web: 1.4.0-SNAPSHOT-8e1d4c7\n    worker: sha-0badc0de\n  ferry:config:\n    api:\n      DATABASE_HOST: db.uat.shop.internal\n');
  for (const env of ['dev', 'stage', 'prod']) edit(`Pulumi.${env}.yaml`, '  ferry:images:\n', `  ferry:images:\n    worker: ${env === 'prod' ? 'v0.1.0' : 'sha-0badc0de'}\n`);

  // README's own add-on, verbatim, in the platform file, listed by the new service as README says.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf("**Add an add-on of one's own**"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const platformImport = /^import .* from 'ferry\/model';\n/m.exec(readFileSync(join(root, 'platform/platform.ts'), 'utf8'))![0];
  // The README's import names what the sample's own import may name too; each is imported once.
  const names = (line: string) => /\{([^}]*)\}/.exec(line)![1]!.split(',').map((n) => n.trim()).filter(Boolean);
  const readmeNames = new Set(names(/^import .* from 'ferry\/model';$/m.exec(code)![0]).map((n) => n.replace(/^type /, '')));
  const remaining = names(platformImport).filter((n) => !readmeNames.has(n));
  edit('platform/platform.ts', platformImport, `${code}\nimport { ${remaining.join(', ')} } from 'ferry/model';\n`);
  edit('platform/platform.ts', "readinessPath: '/readyz' },\n", "readinessPath: '/readyz', addons: [new CpuAutoscaler({ maxReplicas: 10 })] },\n");
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

test('the engine compiles with the new construct, and the sample renders with uat, worker and an autoscaler per service', () => {
  const built = run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
  expect(built.output.trim()).toBe('');
  expect(built.code).toBe(0);
  const render = run(process.execPath, ['bin/ferry.js', 'render']);
  expect(render.code).toBe(0);
  expect(render.output).toMatch(/^uat +worker +sha-0badc0de +2 /m);
  // One autoscaler per environment: the Rollout in prod (blue-green), the Deployment elsewhere.
  for (const env of ['dev', 'stage', 'uat', 'prod']) {
    const dir = join(root, `manifests/overlays/${env}/worker`);
    const autoscalers = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).filter((text) => /^kind: HorizontalPodAutoscaler$/m.test(text));
    expect(autoscalers).toHaveLength(1);
    // The README's autoscaler declares ownsReplicas: the overlay leaves the replicas to it.
    expect(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).not.toMatch(/^replicas:/m);
    expect(autoscalers[0]).toMatch(env === 'prod' ? /scaleTargetRef:\n {4}apiVersion: argoproj.io\/v1alpha1\n {4}kind: Rollout\n {4}name: worker\n/ : /scaleTargetRef:\n {4}apiVersion: apps\/v1\n {4}kind: Deployment\n {4}name: worker\n/);
  }
  expect(readdirSync(join(root, 'manifests/base/worker')).filter((f) => f.startsWith('horizontal-pod-autoscaler'))).toEqual([]);
  // Both clusters' AppProjects admit the new kind, and no engine file was edited for it.
  for (const cluster of ['nonprod', 'prod']) expect(readFileSync(join(root, `manifests/argocd/${cluster}/app-project-shop.yaml`), 'utf8')).toContain('- group: autoscaling\n      kind: HorizontalPodAutoscaler\n');
  expect(readFileSync(join(root, '.github/workflows/promote.yaml'), 'utf8')).toContain('options: [stage, uat, prod]');
  expect(run(process.execPath, ['bin/ferry.js', 'render', '--check']).code).toBe(0);
});

test('validate passes on every overlay, uat and worker included', () => {
  const validate = run(process.execPath, ['bin/ferry.js', 'validate']);
  expect(validate.output).toMatch(/^15 overlays and \d+ objects are valid$/m);
  expect(validate.code).toBe(0);
});

test('lint and the layering check pass with the new construct', () => {
  const lint = run('npm', ['run', '--silent', 'lint']);
  expect(lint.output).toContain('no dependency violations found');
  expect(lint.code).toBe(0);
});

test("the tests that follow the repository's own sample pass", () => {
  // In band: the copy's transform cache is cold, and two workers would each transform the engine's modules.
  const jest = run(process.execPath, ['node_modules/jest/bin/jest.js', '--ci', '--runInBand', ...SAMPLE_FOLLOWING_TESTS], { NODE_OPTIONS: '--experimental-vm-modules' });
  expect(jest.output).toMatch(/Tests: +\d+ passed, \d+ total/);
  expect(jest.code).toBe(0);
});

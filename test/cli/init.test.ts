import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { main } from '../../cli/main.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ferry-init-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function ferry(argv: string[], cwd = work) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { cwd, out: (t) => void (stdout += t), err: (t) => void (stderr += t), env: {}, isTTY: false });
  return { code, stdout, stderr };
}

test('a directory that is not empty is refused, naming it and its entries; nothing is written', async () => {
  mkdirSync(join(work, 'taken/src'), { recursive: true });
  writeFileSync(join(work, 'taken/README.md'), '# mine\n');
  expect(await ferry(['init', 'taken'])).toEqual({ code: 1, stdout: '', stderr: 'ferry init: taken: not empty (README.md, src); give a new or empty directory\n' });
  expect(readdirSync(join(work, 'taken')).sort()).toEqual(['README.md', 'src']);
});

test('a bad --name is a usage error naming the flag, the value and what is allowed; nothing is created', async () => {
  expect(await ferry(['init', 'bad', '--name', 'Acme_Platform'])).toEqual({
    code: 2,
    stdout: '',
    stderr:
      "ferry init: --name \"Acme_Platform\": not a platform name; allowed: lowercase letters, digits and '-', starting with a letter and not ending with '-', at most 40 characters, not 'default'; see 'ferry init --help'\n",
  });
  expect(existsSync(join(work, 'bad'))).toBe(false);
});

test('other usage errors: two directories, an unknown flag, a bad environment list', async () => {
  expect(await ferry(['init', 'a', 'b'])).toEqual({ code: 2, stdout: '', stderr: "ferry init: takes one directory, got 2: a b; see 'ferry init --help'\n" });
  expect((await ferry(['init', 'a', '--envs', 'dev'])).stderr).toBe(
    "ferry init: unknown option '--envs'; options: --name, --registry, --repo-url, --environments, --service, --ferry; see 'ferry init --help'\n",
  );
  expect(await ferry(['init', 'a', '--environments', 'dev,dev'])).toEqual({
    code: 2,
    stdout: '',
    stderr: "ferry init: --environments \"dev,dev\": \"dev\" appears twice; list each environment once, in promotion order; see 'ferry init --help'\n",
  });
  expect(existsSync(join(work, 'a'))).toBe(false);
});

test('init writes the repository, renders an overlay per environment and service, and prints the next steps', async () => {
  const result = await ferry(['init', 'shop', '--environments', 'qa,uat,live', '--service', 'api', '--registry', '210987654321.dkr.ecr.us-east-2.amazonaws.com']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const root = join(work, 'shop');
  for (const env of ['qa', 'uat', 'live']) {
    const overlay = YAML.parse(readFileSync(join(root, `manifests/overlays/${env}/api/kustomization.yaml`), 'utf8'));
    expect(overlay.images).toEqual([{ name: '210987654321.dkr.ecr.us-east-2.amazonaws.com/api', newTag: 'v0.1.0' }]);
    expect(readFileSync(join(root, `Pulumi.${env}.yaml`), 'utf8')).toContain('  aws:region: us-east-2\n  shop:images:\n    api: v0.1.0\n');
  }
  expect(existsSync(join(root, 'manifests/base/api/kustomization.yaml'))).toBe(true);
  expect(readFileSync(join(root, '.github/CODEOWNERS'), 'utf8')).toContain('@shop/release-managers');
  expect(statSync(join(root, '.ci/run')).mode & 0o777).toBe(0o755);
  expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies).toEqual({ ferry: expect.stringMatching(/^\^\d+\.\d+\.\d+/) });
  expect(result.stdout).toContain('Created the shop platform in shop (qa -> uat -> live; service api):\n  .ci/run\n  .gitignore\n');
  expect(result.stdout).toContain('\nNext:\n  cd shop\n  npm install\n  git init -b main && git add -A && git commit -m "shop platform (ferry init)"\n  npm test\n');
  // What init wrote is exactly what a fresh render gives.
  expect(await ferry(['render', '--check'], join(root, 'platform'))).toMatchObject({ code: 0, stderr: '' });
});

test('without a directory, init fills the empty working directory and names the platform after it', async () => {
  const cwd = join(work, 'acme-platform');
  mkdirSync(cwd);
  const result = await ferry(['init'], cwd);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(readFileSync(join(cwd, 'platform/platform.ts'), 'utf8')).toContain("  name: 'acme-platform',\n");
  for (const env of ['dev', 'stage', 'prod']) expect(existsSync(join(cwd, `manifests/overlays/${env}/app/kustomization.yaml`))).toBe(true);
  expect(result.stdout).toContain('\nNext:\n  npm install\n');
});

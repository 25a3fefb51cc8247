/**
 * `ferry diff` of a platform that lives in a subfolder of its git repository (a monorepo): what
 * changed under `manifests/` is named relative to the platform's folder, so a promotion takes the
 * scoped path and a hand-edited rendered file is flagged, as in a platform at the repository's root.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import type { DiffReport } from '../../lib/diff/report.js';
import { createPlatformRepo } from '../helpers/platform-repo.js';

let outer: string;
let platform: string;

const git = (args: readonly string[]) =>
  execFileSync('git', [...args], {
    cwd: outer,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' },
  });

function edit(path: string, from: string, to: string): void {
  const text = readFileSync(join(platform, path), 'utf8');
  if (!text.includes(from)) throw new Error(`${path}: fixture text not found: ${from}`);
  writeFileSync(join(platform, path), text.replace(from, to));
}

async function diff(): Promise<DiffReport> {
  let stdout = '';
  let stderr = '';
  const code = await main(['diff', '--format', 'json'], { cwd: platform, out: (t) => void (stdout += t), err: (t) => void (stderr += t), env: process.env, isTTY: false });
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as DiffReport;
}

beforeEach(async () => {
  const rendered = await createPlatformRepo({ git: false });
  outer = mkdtempSync(join(tmpdir(), 'ferry-monorepo-'));
  mkdirSync(join(outer, 'platforms'));
  platform = join(outer, 'platforms/shop');
  renameSync(rendered.root, platform);
  writeFileSync(join(outer, '.gitignore'), 'node_modules\n');
  git(['init', '-q', '-b', 'main']);
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'platform in a subfolder']);
  git(['checkout', '-q', '-b', 'feature']);
});
afterEach(() => rmSync(outer, { recursive: true, force: true }));

test('a promotion renders only its services', async () => {
  edit('Pulumi.prod.yaml', 'api: v1.3.2', 'api: v1.3.3');
  git(['commit', '-q', '-am', 'promote api to prod']);

  const report = await diff();
  expect(report.stats.rendered).toBe('changed services');
  expect(report.summaryLines).toContain('prod: api: v1.3.2 → v1.3.3; 0 added, 1 changed, 0 removed');
  expect(report.risks.filter((r) => r.code === 'not-rendered')).toEqual([]);
});

test('a hand-edited rendered file is flagged, named from the platform folder', async () => {
  edit('manifests/overlays/dev/api/kustomization.yaml', 'resources:\n', 'resources:\n  - https://example.com/evil.yaml\n');
  git(['commit', '-q', '-am', 'hand edit']);

  const report = await diff();
  expect(report.risks).toContainEqual({
    code: 'not-rendered',
    environment: 'dev',
    message:
      'committed files differ from a fresh render; Argo CD deploys what is committed: manifests/overlays/dev/api/kustomization.yaml (edited); run `ferry render` and commit, or say why the file is edited by hand',
  });
});

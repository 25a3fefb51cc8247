/**
 * The layering rules (.dependency-cruiser.cjs) hold on the tree, and the checker really fails on
 * an upward import or an import cycle: checked on a copy of the sources with one line added.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/platform-repo.js';

const CRUISED = ['model', 'constructs', 'charts', 'lib', 'cli', 'stacks', 'bench', 'policy', 'index.ts'];

function depcruise(root: string) {
  const bin = join(REPO_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const run = spawnSync(process.execPath, [bin, '--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...CRUISED], { cwd: root, encoding: 'utf8' });
  return { code: run.status, output: run.stdout + run.stderr };
}

function copyOfSources(): string {
  const root = mkdtempSync(join(tmpdir(), 'ferry-layering-'));
  for (const entry of [...CRUISED, '.dependency-cruiser.cjs', 'package.json', 'tsconfig.json']) cpSync(join(REPO_ROOT, entry), join(root, entry), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

let copy: string;
beforeAll(() => {
  copy = copyOfSources();
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

test('the tree has no upward import and no import cycle', () => {
  const result = depcruise(REPO_ROOT);
  expect(result.output).toContain('no dependency violations found');
  expect(result.code).toBe(0);
});

test('an upward import (model -> lib) and a cycle inside the model each fail the check, naming the files', () => {
  appendFileSync(join(copy, 'model/quantity.ts'), "\nexport { renderRepository } from '../lib/render/render.js';\n");
  appendFileSync(join(copy, 'model/image-tag.ts'), "\nexport type { Platform as CyclePlatform } from './platform.js';\n");
  const result = depcruise(copy);
  expect(result.code).not.toBe(0);
  expect(result.output).toMatch(/model-imports-only-lower-layers: model\/quantity\.ts → lib\/render\/render\.ts/);
  expect(result.output).toMatch(/no-circular: model\/image-tag\.ts →/);
});

test('a construct importing a chart is refused too', () => {
  appendFileSync(join(copy, 'constructs/sync-policy-free.ts'), "export { ServiceBaseChart } from '../charts/service-base-chart.js';\n");
  const result = depcruise(copy);
  expect(result.output).toMatch(/constructs-imports-only-lower-layers: constructs\/sync-policy-free\.ts → charts\/service-base-chart\.ts/);
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { computeImageTag, computePullRequestTag, findVersion, pyprojectVersion } from '../../lib/tagging/image-tag.js';
import { PREVIEW_TAG_TEMPLATE } from '../../constructs/preview-application-set.js';
import { goTemplate, pullRequestParams } from '../../lib/diff/preview.js';
import { TagFormat } from '../../model/image-tag.js';
import { ferry } from './run-cli.js';

const SHA = '3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345';
let dir: string;

function write(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-tag-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ferry tag from a SHA alone', () => {
  test('sha-<8 hex> of the commit', async () => {
    expect(await ferry(dir, ['tag', '--sha', SHA])).toEqual({ code: 0, stdout: 'sha-3f9c2a1b\n', stderr: '' });
  });
  test('upper-case SHAs are lowered', () => expect(computeImageTag('3F9C2A1B7D')).toBe('sha-3f9c2a1b'));
  test('a 7-digit SHA is too short for a sha- tag', () => {
    expect(() => computeImageTag('3f9c2a1')).toThrow("--sha '3f9c2a1' has 7 hex digits; a sha-<8 hex> tag needs at least 8");
  });
  test('a SHA that is not hex is refused', async () => {
    const run = await ferry(dir, ['tag', '--sha', 'main']);
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'ferry tag: --sha "main" is not a git commit id; allowed: 7 to 40 hex digits like 3f9c2a1b7d...\n' });
  });
  test('--sha is required', async () => {
    expect(await ferry(dir, ['tag'])).toEqual({ code: 2, stdout: '', stderr: "ferry tag: --sha <git sha> is required; see 'ferry tag --help'\n" });
  });
  test('--version-from and --find-version exclude each other', async () => {
    const run = await ferry(dir, ['tag', '--sha', SHA, '--version-from', 'package.json', '--find-version', '.']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('ferry tag: give --version-from <file> or --find-version <dir>, not both\n');
  });
});

describe('ferry tag --pull-request', () => {
  test('pr-<n>-<8 hex of the head commit>', async () => {
    expect(await ferry(dir, ['tag', '--sha', SHA, '--pull-request', '42'])).toEqual({ code: 0, stdout: 'pr-42-3f9c2a1b\n', stderr: '' });
  });
  test('is the tag the preview ApplicationSets deploy for that pull request, and a pull-request tag', () => {
    const tag = computePullRequestTag(SHA, 42);
    expect(goTemplate(PREVIEW_TAG_TEMPLATE, pullRequestParams({ number: 42, headSha: SHA }), 'tag')).toBe(tag);
    expect(TagFormat.PULL_REQUEST.matches(tag)).toBe(true);
    expect(TagFormat.SHA.matches(tag) || TagFormat.SNAPSHOT.matches(tag)).toBe(false);
  });
  test('a number that is not a pull-request number, or a short SHA, is refused', async () => {
    expect(() => computePullRequestTag(SHA, '0')).toThrow('--pull-request "0" is not a pull-request number');
    expect(() => computePullRequestTag(SHA, '12a')).toThrow('--pull-request "12a" is not a pull-request number');
    expect(() => computePullRequestTag('3f9c2a1', 7)).toThrow("--sha '3f9c2a1' has 7 hex digits; a pr-<n>-<8 hex> tag needs at least 8");
  });
  test('takes no version', async () => {
    const run = await ferry(dir, ['tag', '--sha', SHA, '--pull-request', '4', '--find-version', '.']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--pull-request builds are tagged pr-<n>-<sha>, without a version');
  });
});

describe('ferry tag --version-from', () => {
  test('package.json version', async () => {
    write({ 'package.json': JSON.stringify({ name: 'api', version: '1.4.0' }) });
    expect(await ferry(dir, ['tag', '--sha', SHA, '--version-from', 'package.json'])).toEqual({ code: 0, stdout: '1.4.0-SNAPSHOT-3f9c2a1\n', stderr: '' });
  });
  test('pyproject [project] version', async () => {
    write({ 'pyproject.toml': '[project]\nname = "api"\nversion = "2.0.1"\ndependencies = [\n  "fastapi>=0.110",\n]\n' });
    expect((await ferry(dir, ['tag', '--sha', SHA, '--version-from', 'pyproject.toml'])).stdout).toBe('2.0.1-SNAPSHOT-3f9c2a1\n');
  });
  test('pyproject [tool.poetry] version', async () => {
    write({ 'pyproject.toml': "[tool.poetry]\nname = 'api'\nversion = '0.9.3' # bumped by release-please\n" });
    expect((await ferry(dir, ['tag', '--sha', SHA, '--version-from', 'pyproject.toml'])).stdout).toBe('0.9.3-SNAPSHOT-3f9c2a1\n');
  });
  test('dependency versions in other tables are never taken for the project version', () => {
    const text = [
      '[build-system]',
      'requires = ["poetry-core"]',
      '[tool.poetry.dependencies.requests]',
      'version = "9.9.9"',
      '[[tool.poetry.source]]',
      'name = "internal"',
      'version = "8.8.8"',
      'description = """',
      'version = "7.7.7"',
      '"""',
      '[tool.poetry]',
      'name = "api"',
      'version = "1.2.3"',
      '[tool.poetry.dependencies]',
      'python = "^3.12"',
      'httpx = { version = "6.6.6" }',
    ].join('\n');
    expect(pyprojectVersion(text)).toEqual({ file: 'pyproject.toml', key: '[tool.poetry] version', version: '1.2.3' });
  });
  test('[project] wins over [tool.poetry] when both agree', () => {
    expect(pyprojectVersion('[tool.poetry]\nversion = "1.0.0"\n[project]\nversion = "1.0.0"\n').key).toBe('[project] version');
  });
  test('[project] and [tool.poetry] versions that differ are refused', () => {
    expect(() => pyprojectVersion('[project]\nversion = "1.0.0"\n[tool.poetry]\nversion = "1.1.0"\n')).toThrow(
      "pyproject.toml: [project] version '1.0.0' and [tool.poetry] version '1.1.0' differ; make them equal (Poetry 2 reads [project])",
    );
  });
  test('a dynamic [project] version without a Poetry version is refused', () => {
    expect(() => pyprojectVersion('[project]\nname = "api"\ndynamic = ["version"]\n')).toThrow(
      'pyproject.toml: [project] version: declared dynamic (set by the build backend); put a static version in [project] or [tool.poetry], or pass --version-from another file',
    );
  });
  test('a pyproject without a version names both keys', async () => {
    write({ 'svc/pyproject.toml': '[project]\nname = "api"\n' });
    const run = await ferry(dir, ['tag', '--sha', SHA, '--version-from', 'svc/pyproject.toml']);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ferry tag: svc/pyproject.toml: [project] version: missing (nor is there a [tool.poetry] version); add version = "1.0.0" under [project]\n',
    });
  });
  test('a version that is not a string is refused with its line', () => {
    expect(() => pyprojectVersion('[project]\nversion = 1\n')).toThrow('pyproject.toml: [project] version (line 2): 1 is not a one-line string like "1.0.0"');
  });
  test('a package.json without a version', async () => {
    write({ 'package.json': '{"name":"api"}' });
    expect((await ferry(dir, ['tag', '--sha', SHA, '--version-from', 'package.json'])).stderr).toBe(
      'ferry tag: package.json: version: missing; add "version": "1.0.0" or build without a version (sha-<8 hex> tag)\n',
    );
  });
  test('a package.json that is not JSON', async () => {
    write({ 'package.json': '{"name":' });
    expect((await ferry(dir, ['tag', '--sha', SHA, '--version-from', 'package.json'])).stderr).toMatch(/^ferry tag: package\.json: not valid JSON: /);
  });
  test('a version that is not X.Y.Z names file, key and value', async () => {
    write({ 'pyproject.toml': '[project]\nversion = "1.2.0rc1"\n' });
    expect((await ferry(dir, ['tag', '--sha', SHA, '--version-from', 'pyproject.toml'])).stderr).toBe(
      "ferry tag: pyproject.toml: [project] version: \"1.2.0rc1\" is not a plain X.Y.Z version; allowed: three numbers like 1.4.0 (no 'v' prefix, pre-release or build suffix), as <semver>-SNAPSHOT-<7 hex> tags need\n",
    );
  });
  test('a v-prefixed package.json version is refused', () => {
    expect(() => computeImageTag(SHA, { file: 'package.json', key: 'version', version: 'v1.0.0' })).toThrow('package.json: version: "v1.0.0" is not a plain X.Y.Z version');
  });
  test('a file of another kind is refused', async () => {
    write({ 'setup.cfg': '[metadata]\nversion = 1.0.0\n' });
    expect((await ferry(dir, ['tag', '--sha', SHA, '--version-from', 'setup.cfg'])).stderr).toBe(
      'ferry tag: setup.cfg: cannot read a version from this file; allowed: package.json or pyproject.toml\n',
    );
  });
  test('a missing file', async () => {
    expect((await ferry(dir, ['tag', '--sha', SHA, '--version-from', 'app/package.json'])).stderr).toBe('ferry tag: app/package.json: not found\n');
  });
});

describe('ferry tag --find-version', () => {
  test('finds a nested pyproject and skips node_modules and hidden folders', async () => {
    write({
      'node_modules/left-pad/package.json': '{"version":"9.9.9"}',
      '.ferry-platform/package.json': '{"version":"0.1.0"}',
      'services/api/pyproject.toml': '[tool.poetry]\nversion = "3.1.4"\n',
      'services/api/README.md': '# api',
    });
    const run = await ferry(dir, ['tag', '--sha', SHA, '--find-version', '.']);
    expect(run).toEqual({ code: 0, stdout: '3.1.4-SNAPSHOT-3f9c2a1\n', stderr: 'version 3.1.4 from services/api/pyproject.toml ([tool.poetry] version)\n' });
  });
  test('the shallowest file with a version wins; a workspace root without one is skipped', () => {
    write({ 'package.json': '{"private":true,"workspaces":["web"]}', 'web/package.json': '{"version":"1.0.0"}', 'web/deep/x/package.json': '{"version":"5.0.0"}' });
    expect(findVersion(dir, '.')).toEqual({ file: 'web/package.json', key: 'version', version: '1.0.0' });
  });
  test('two files at the same depth with different versions are ambiguous', () => {
    write({ 'a/package.json': '{"version":"1.0.0"}', 'b/pyproject.toml': '[project]\nversion = "2.0.0"\n' });
    expect(() => findVersion(dir, 'repo')).toThrow(
      "--find-version repo: ambiguous, repo/a/package.json version '1.0.0' and repo/b/pyproject.toml [project] version '2.0.0' differ; pass --version-from <file>",
    );
  });
  test('nothing to find', async () => {
    write({ 'src/main.go': 'package main' });
    expect((await ferry(dir, ['tag', '--sha', SHA, '--find-version', '.'])).stderr).toBe(
      'ferry tag: --find-version .: no package.json or pyproject.toml found (node_modules, hidden folders and __pycache__, venv, site-packages are not searched)\n',
    );
  });
  test('files found but none declares a version: each is named', () => {
    write({ 'package.json': '{"private":true}' });
    expect(() => findVersion(dir, '.')).toThrow(
      '--find-version .: no file declares a version:\n  package.json: version: missing; add "version": "1.0.0" or build without a version (sha-<8 hex> tag)',
    );
  });
});

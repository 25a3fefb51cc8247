/**
 * Immutable image tags computed from a git commit and, optionally, the application's version:
 * `sha-<8 hex>` for a plain build, `<version>-SNAPSHOT-<7 hex>` for a build of a versioned app,
 * `pr-<n>-<8 hex>` for a pull-request build (previews).
 * Pure functions plus a file finder, so `ferry tag` and the reusable build workflow agree.
 */
import { parse as parseToml } from 'smol-toml';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { TagFormat, checkImageTag } from '../../model/image-tag.js';
import { isCommitId } from '../git/commit-id.js';

/** File names a version is read from, in the order they win when two sit in the same folder. */
export const VERSION_FILES = ['package.json', 'pyproject.toml'] as const;

/** Folders never searched for a version file: dependencies and tool caches. */
export const IGNORED_DIRS: readonly string[] = ['node_modules', '__pycache__', 'venv', 'site-packages'];

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Where a version came from: the file (as given or found) and the key, e.g. `[project] version`. */
export interface VersionSource {
  readonly file: string;
  readonly key: string;
  readonly version: string;
}

/** Checks a git commit id: 7 to 40 lowercase hex digits (upper case is lowered). */
export function normalizeSha(sha: string): string {
  const lowered = (sha ?? '').trim().toLowerCase();
  if (!isCommitId(lowered)) {
    throw new Error(`--sha ${JSON.stringify(sha)} is not a git commit id; allowed: 7 to 40 hex digits like 3f9c2a1b7d...`);
  }
  return lowered;
}

/**
 * The immutable tag of a build of `sha`: `sha-<8 hex>` without a version, `<version>-SNAPSHOT-<7 hex>` with one.
 * The result is checked against TagFormat, so a tag the platform would refuse is never produced.
 */
export function computeImageTag(sha: string, version?: VersionSource): string {
  const commit = normalizeSha(sha);
  if (version === undefined) {
    if (commit.length < 8) throw new Error(`--sha '${sha}' has ${commit.length} hex digits; a sha-<8 hex> tag needs at least 8`);
    const tag = `sha-${commit.slice(0, 8)}`;
    checkImageTag(tag, 'computed tag', [TagFormat.SHA]);
    return tag;
  }
  if (!SEMVER.test(version.version)) {
    throw new Error(
      `${version.file}: ${version.key}: ${JSON.stringify(version.version)} is not a plain X.Y.Z version; ` +
        `allowed: three numbers like 1.4.0 (no 'v' prefix, pre-release or build suffix), as ${TagFormat.SNAPSHOT.description} tags need`,
    );
  }
  const tag = `${version.version}-SNAPSHOT-${commit.slice(0, 7)}`;
  checkImageTag(tag, `${version.file}: ${version.key}`, [TagFormat.SNAPSHOT]);
  return tag;
}

/**
 * The tag of a pull-request build: `pr-<number>-<first 8 hex of the head commit>`, what the preview
 * ApplicationSets deploy (`pr-{{.number}}-{{.head_short_sha}}`). Pass the pull request's head
 * commit, not the merge commit GitHub checks out for pull_request events.
 */
export function computePullRequestTag(sha: string, pullRequest: string | number): string {
  const commit = normalizeSha(sha);
  const number = String(pullRequest).trim();
  if (!/^[1-9]\d{0,9}$/.test(number)) throw new Error(`--pull-request ${JSON.stringify(String(pullRequest))} is not a pull-request number`);
  if (commit.length < 8) throw new Error(`--sha '${sha}' has ${commit.length} hex digits; a pr-<n>-<8 hex> tag needs at least 8`);
  const tag = `pr-${number}-${commit.slice(0, 8)}`;
  checkImageTag(tag, 'computed tag', [TagFormat.PULL_REQUEST]);
  return tag;
}

/** Reads the version of a `package.json` (key `version`) or `pyproject.toml` (`[project] version`, else `[tool.poetry] version`). */
export function readVersionFile(path: string, shownAs: string = path): VersionSource {
  const name = basename(path);
  if (!(VERSION_FILES as readonly string[]).includes(name)) {
    throw new Error(`${shownAs}: cannot read a version from this file; allowed: ${VERSION_FILES.join(' or ')}`);
  }
  if (!existsSync(path) || !statSync(path).isFile()) throw new Error(`${shownAs}: not found`);
  const text = readFileSync(path, 'utf8');
  return name === 'package.json' ? packageJsonVersion(text, shownAs) : pyprojectVersion(text, shownAs);
}

/** The `version` of a package.json text. */
export function packageJsonVersion(text: string, file = 'package.json'): VersionSource {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: expected a JSON object`);
  const version = (doc as Record<string, unknown>).version;
  if (version === undefined) throw new Error(`${file}: version: missing; add "version": "1.0.0" or build without a version (sha-<8 hex> tag)`);
  if (typeof version !== 'string') throw new Error(`${file}: version: ${JSON.stringify(version)} is not a string like "1.0.0"`);
  return { file, key: 'version', version: version.trim() };
}

/**
 * The version of a pyproject.toml text: PEP 621 `[project] version` wins; Poetry's `[tool.poetry] version`
 * is used when the project table has none. Keys of other tables (dependencies with a `version`,
 * `[tool.poetry.dependencies.x]`, `[[tool.poetry.source]]`) are never mistaken for it.
 */
export function pyprojectVersion(text: string, file = 'pyproject.toml'): VersionSource {
  const tables = readTomlStringKeys(text, file, ['project', 'tool.poetry'], 'version');
  const project = tables.get('project');
  const poetry = tables.get('tool.poetry');
  if (project?.dynamic) {
    if (poetry?.value !== undefined) return { file, key: '[tool.poetry] version', version: poetry.value.trim() };
    throw new Error(`${file}: [project] version: declared dynamic (set by the build backend); put a static version in [project] or [tool.poetry], or pass --version-from another file`);
  }
  if (project?.value !== undefined) {
    if (poetry?.value !== undefined && poetry.value.trim() !== project.value.trim()) {
      throw new Error(`${file}: [project] version '${project.value}' and [tool.poetry] version '${poetry.value}' differ; make them equal (Poetry 2 reads [project])`);
    }
    return { file, key: '[project] version', version: project.value.trim() };
  }
  if (poetry?.value !== undefined) return { file, key: '[tool.poetry] version', version: poetry.value.trim() };
  throw new Error(`${file}: [project] version: missing (nor is there a [tool.poetry] version); add version = "1.0.0" under [project]`);
}

interface TomlKey {
  /** The string value, when the key is present. */
  value?: string;
  /** `[project] dynamic` lists the key. */
  dynamic?: boolean;
}

/** `key` of each of the given tables (dotted names), read with a TOML 1.0 parser (smol-toml). */
function readTomlStringKeys(text: string, file: string, tables: readonly string[], key: string): Map<string, TomlKey> {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch (e) {
    const error = e as Error & { line?: number };
    throw new Error(`${file}: not valid TOML${error.line ? ` (line ${error.line})` : ''}: ${error.message.split('\n')[0]}`);
  }
  const found = new Map<string, TomlKey>();
  for (const wanted of tables) {
    let table: unknown = doc;
    for (const part of wanted.split('.')) table = table && typeof table === 'object' && !Array.isArray(table) ? (table as Record<string, unknown>)[part] : undefined;
    if (!table || typeof table !== 'object' || Array.isArray(table)) continue;
    const entry: TomlKey = {};
    const value = (table as Record<string, unknown>)[key];
    if (value !== undefined) {
      if (typeof value !== 'string') {
        const line = lineOfKey(text, wanted, key);
        throw new Error(`${file}: [${wanted}] ${key}${line ? ` (line ${line})` : ''}: ${JSON.stringify(value)} is not a one-line string like "1.0.0"`);
      }
      entry.value = value;
    }
    const dynamic = (table as Record<string, unknown>).dynamic;
    if (wanted === 'project' && Array.isArray(dynamic)) entry.dynamic = dynamic.includes(key);
    found.set(wanted, entry);
  }
  return found;
}

/** The line of `key = ...` directly under the `[table]` header, for messages (the parser gives no positions). */
function lineOfKey(text: string, table: string, key: string): number | undefined {
  const lines = text.split(/\r?\n/);
  let current = '';
  for (let i = 0; i < lines.length; i++) {
    const header = /^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$/.exec(lines[i]!);
    if (header) current = header[1]!.replace(/["'\s]/g, '');
    else if (current === table && new RegExp(`^\\s*["']?${key}["']?\\s*=`).test(lines[i]!)) return i + 1;
  }
  return undefined;
}

/**
 * Finds the version file of an application under `dir`, wherever it sits: the shallowest
 * package.json or pyproject.toml that declares a version (dependencies, hidden folders and
 * IGNORED_DIRS are not searched). Two files at the same depth with different versions are an error.
 */
export function findVersion(dir: string, shownAs: string = dir): VersionSource {
  const label = `--find-version ${shownAs}`;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${label}: not a directory`);
  const candidates: { path: string; depth: number }[] = [];
  const walk = (folder: string, depth: number): void => {
    const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.isFile() && (VERSION_FILES as readonly string[]).includes(entry.name)) candidates.push({ path: join(folder, entry.name), depth });
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && !IGNORED_DIRS.includes(entry.name)) walk(join(folder, entry.name), depth + 1);
    }
  };
  walk(dir, 0);
  const prefix = shownAs === '.' || shownAs === './' ? '' : `${shownAs.replace(/\/+$/, '')}/`;
  const shown = (path: string) => `${prefix}${relative(dir, path).split(sep).join('/')}`;
  if (candidates.length === 0) {
    throw new Error(`${label}: no ${VERSION_FILES.join(' or ')} found (node_modules, hidden folders and ${IGNORED_DIRS.slice(1).join(', ')} are not searched)`);
  }
  const versions: (VersionSource & { depth: number })[] = [];
  const problems: string[] = [];
  for (const { path, depth } of candidates) {
    try {
      versions.push({ ...readVersionFile(path, shown(path)), depth });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (versions.length === 0) throw new Error(`${label}: no file declares a version:\n  ${problems.join('\n  ')}`);
  const shallowest = Math.min(...versions.map((v) => v.depth));
  const top = versions.filter((v) => v.depth === shallowest);
  if (new Set(top.map((v) => v.version)).size > 1) {
    throw new Error(
      `${label}: ambiguous, ${top.map((v) => `${v.file} ${v.key} '${v.version}'`).join(' and ')} differ; pass --version-from <file>`,
    );
  }
  const { file, key, version } = top[0]!;
  return { file, key, version };
}

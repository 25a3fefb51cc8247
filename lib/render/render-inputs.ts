/**
 * What a render reads, as content hashes: the engine, the platform's TypeScript and what it
 * imports, Pulumi.yaml, each environment's stack file and the workflow templates. Two renders
 * whose inputs hash the same write the same files, so an unchanged tree needs no render at all
 * (lib/render/incremental-render.ts). Nothing here loads cdk8s or the platform.
 */
import { createHash, hash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineTemplatesDir, isEngineCheckout, WORKFLOW_TEMPLATES_DIR } from '../github/render-workflows.js';
import { PLATFORM_FILE } from '../loader/load-platform.js';

/** The inputs of a render, hashed. */
export interface RenderInputs {
  /** Everything but the stack files: engine, Node, platform sources, Pulumi.yaml, templates. A change means a full render. */
  readonly platform: string;
  /** Stack file (repository-relative) -> content hash, or 'absent'. A change re-renders that environment. */
  readonly stacks: Readonly<Record<string, string>>;
}

/** Folders of the engine's modules (beside this one's `lib/`), compiled (`dist/`) or, under jest, the sources. */
const ENGINE_FOLDERS = ['model', 'constructs', 'charts', 'lib', 'cli'];

/** sha256 of a string or bytes, hex (one-shot `crypto.hash`: an unchanged render hashes tens of thousands of small files). */
export function contentHash(content: string | Uint8Array): string {
  return hash('sha256', content, 'hex');
}

function fileHash(path: string): string {
  if (!existsSync(path)) return 'absent';
  return statSync(path).isFile() ? contentHash(readFileSync(path)) : 'not a file';
}

let engineMemo: string | undefined;

/**
 * The engine that renders: its modules, its package.json, its workflow templates, the dependency
 * tree npm installed beside it (`node_modules/.package-lock.json`) and Node's version. Where tsc
 * built the modules (ferry's own checkout, whose bin rebuilds dist/ after any source edit) its
 * build info stands for them: it holds a hash of every source and changes with every build.
 * Elsewhere (the installed package) each module counts by path, size, modification time and
 * inode, which any install or edit changes; reading all of them would cost an unchanged render
 * more than everything else it does. Computed once per process.
 */
export function engineFingerprint(): string {
  if (engineMemo !== undefined) return engineMemo;
  const moduleRoot = fileURLToPath(new URL('../../', import.meta.url));
  const hash = createHash('sha256').update(`node ${process.version}\n`);
  const buildInfo = join(moduleRoot, '.tsbuildinfo');
  if (existsSync(buildInfo)) hash.update(`build info\0${fileHash(buildInfo)}\n`);
  else hashModules(hash, moduleRoot);
  const packageRoot = enginePackageRoot();
  hash.update(`package.json\0${fileHash(join(packageRoot, 'package.json'))}\n`);
  for (let dir = packageRoot; ; dir = dirname(dir)) {
    const lock = join(dir, 'node_modules', '.package-lock.json');
    if (existsSync(lock)) {
      hash.update(`lock\0${fileHash(lock)}\n`);
      break;
    }
    if (dirname(dir) === dir) break;
  }
  hashFolder(hash, engineTemplatesDir(), 'engine templates');
  engineMemo = hash.digest('hex');
  return engineMemo;
}

function hashModules(hash: ReturnType<typeof createHash>, moduleRoot: string): void {
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(js|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const stat = statSync(path, { bigint: true });
        hash.update(`${relative(moduleRoot, path)}\0${stat.size}\0${stat.mtimeNs}\0${stat.ino}\n`);
      }
    }
  };
  for (const folder of ENGINE_FOLDERS) if (existsSync(join(moduleRoot, folder))) walk(join(moduleRoot, folder));
}

/** The folder of ferry's package.json: the parent of dist/ (or, under jest, the source root). */
function enginePackageRoot(): string {
  for (let dir = fileURLToPath(new URL('.', import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error("ferry's package.json is missing from its package");
  }
}

function hashFolder(hash: ReturnType<typeof createHash>, dir: string, label: string): void {
  if (!existsSync(dir)) {
    hash.update(`${label}\0absent\n`);
    return;
  }
  for (const name of readdirSync(dir).sort()) hash.update(`${label}/${name}\0${fileHash(join(dir, name))}\n`);
}

/** Node built-ins a platform module may import without reading anything outside its sources. */
const PURE_BUILTINS = new Set(['node:path', 'node:url', 'node:util', 'node:assert']);

/**
 * platform/platform.ts and every file it imports, recursively (relative imports, and the
 * package.json of each package other than ferry), as absolute paths; undefined when the sources do
 * something this cannot follow: a computed `import()`, `require`, file or environment reads, an
 * import that does not resolve, or a `ferry` that is not the engine running. Then every render is
 * a full one.
 */
export function platformSources(root: string): string[] | undefined {
  const seen = new Set<string>();
  const engineRoot = realpathSync(enginePackageRoot());
  const pending = [join(root, PLATFORM_FILE)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    if (!existsSync(file) || !statSync(file).isFile()) return undefined;
    seen.add(file);
    if (!/\.[mc]?[jt]s$/.test(file)) continue; // JSON and the like: hashed, not followed
    const source = readFileSync(file, 'utf8');
    if (/\brequire\s*\(|\bprocess\s*\.\s*(env|cwd|argv)\b|\bimport\s*\.\s*meta\b|\bDate\s*\.\s*now\b|\bnew\s+Date\s*\(\s*\)|\bMath\s*\.\s*random\b/.test(source)) return undefined;
    const dynamic = [...source.matchAll(/\bimport\s*\(/g)].length;
    const literalDynamic = [...source.matchAll(/\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g)];
    if (dynamic !== literalDynamic.length) return undefined;
    const specifiers = [
      ...[...source.matchAll(/\bfrom\s*(['"])([^'"\n]+)\1/g)].map((m) => m[2]!),
      ...[...source.matchAll(/\bimport\s*(['"])([^'"\n]+)\1/g)].map((m) => m[2]!),
      ...literalDynamic.map((m) => m[2]!),
    ];
    for (const specifier of specifiers) {
      if (specifier.startsWith('./') || specifier.startsWith('../')) {
        pending.push(resolve(dirname(file), specifier));
      } else if (specifier.startsWith('node:')) {
        if (!PURE_BUILTINS.has(specifier)) return undefined;
      } else {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        const dir = packageDir(dirname(file), name);
        if (dir === undefined) return undefined;
        if (name === 'ferry') {
          // The platform must build on the engine that renders it, whose modules are hashed already.
          if (realpathSync(dir) !== engineRoot) return undefined;
        } else {
          pending.push(join(dir, 'package.json'));
        }
      }
    }
  }
  return [...seen].sort();
}

/** The folder of package `name` as Node resolves it from `from`: a package self-reference or node_modules/<name> above. */
function packageDir(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const own = join(dir, 'package.json');
    if (existsSync(own)) {
      try {
        if ((JSON.parse(readFileSync(own, 'utf8')) as { name?: string }).name === name) return dir;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Hashes the inputs of a render of the repository at `root` whose environments read `stackFiles`
 * (repository-relative); undefined when the platform's sources cannot be followed ({@link platformSources}).
 */
export function hashRenderInputs(root: string, stackFiles: readonly string[]): RenderInputs | undefined {
  const sources = platformSources(root);
  if (sources === undefined) return undefined;
  const hash = createHash('sha256').update(`engine ${engineFingerprint()}\n`);
  for (const file of sources) hash.update(`${relative(root, file).split(sep).join('/')}\0${fileHash(file)}\n`);
  hash.update(`Pulumi.yaml\0${fileHash(join(root, 'Pulumi.yaml'))}\n`);
  hash.update(`engine checkout\0${isEngineCheckout(root)}\n`);
  hashFolder(hash, join(root, WORKFLOW_TEMPLATES_DIR), WORKFLOW_TEMPLATES_DIR);
  const stacks = Object.fromEntries(stackFiles.map((file) => [file, fileHash(join(root, file))]));
  return { platform: hash.digest('hex'), stacks };
}

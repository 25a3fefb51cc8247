import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCacheFile } from '../fs/cache-file.js';

/**
 * The file of `url` when Node would load it as an ES module written in TypeScript: a `.mts`, or a
 * `.ts` whose nearest package.json says `"type": "module"`, outside node_modules (where Node
 * refuses TypeScript). Anything else is left to Node.
 */
export function typeScriptModulePath(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  const path = fileURLToPath(url.replace(/[?#].*$/, ''));
  if (path.split(sep).includes('node_modules')) return undefined;
  if (path.endsWith('.mts')) return path;
  if (!path.endsWith('.ts')) return undefined;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    let text: string | undefined;
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      try {
        return (JSON.parse(text) as { type?: unknown }).type === 'module' ? path : undefined;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** A module as a load hook sees it (Node 22.15+ `module.registerHooks`). */
interface LoadResult {
  readonly format?: string | null;
  readonly source?: string | ArrayBuffer | Uint8Array | null;
  readonly shortCircuit?: boolean;
}

/** The parts of `node:module` used here, missing from the Node 20 typings the project builds with (ferry needs Node 22.18). */
const module = nodeModule as unknown as {
  registerHooks?: (hooks: { load: (url: string, context: object, nextLoad: (url: string, context: object) => LoadResult) => LoadResult }) => { deregister(): void };
  stripTypeScriptTypes?: (source: string, options: { mode: 'strip' }) => string;
  getCompileCacheDir?: () => string | undefined;
};

/**
 * Node strips the types of a `.ts` module with amaro, a WebAssembly build of swc that costs
 * 0.1-0.2 s to start in every process that strips anything, whatever the file's size
 * (docs/performance.md). Stripping depends only on the source and on Node's own amaro, so its
 * output is cached by their hash, beside Node's compile cache (on when bin/ferry.js enabled it,
 * off with NODE_DISABLE_COMPILE_CACHE). A hit hands Node the stripped JavaScript through a load
 * hook while resolution stays Node's own: relative imports, `ferry/model` and the module's URL
 * are exactly what a plain import sees. A miss, or anything the cache does not understand, leaves
 * the module to Node, so errors read as Node reports them.
 */
export async function importWithStrippedSourceCache(url: string): Promise<unknown> {
  const directory = strippedSourceCacheDirectory();
  if (directory === undefined) return import(url);
  const hooks = module.registerHooks!({
    load(moduleUrl, context, nextLoad) {
      // Node's own load of a TypeScript module starts amaro even before stripping: decide here.
      const path = typeScriptModulePath(moduleUrl);
      const source = path === undefined ? undefined : readFileSync(path, 'utf8');
      const stripped = source === undefined ? undefined : strippedSource(directory, source);
      return stripped === undefined ? nextLoad(moduleUrl, context) : { format: 'module', source: stripped, shortCircuit: true };
    },
  });
  try {
    return await import(url);
  } finally {
    hooks.deregister();
  }
}

/** Where stripped sources are kept, or undefined when Node's compile cache is off (or this Node lacks load hooks). */
export function strippedSourceCacheDirectory(): string | undefined {
  if (typeof module.registerHooks !== 'function' || typeof module.stripTypeScriptTypes !== 'function') return undefined;
  const compileCache = module.getCompileCacheDir?.();
  return compileCache === undefined ? undefined : join(compileCache, 'ferry-stripped');
}

/** The type-stripped source, from the cache or stripped now and kept; undefined when stripping fails (Node will say why). */
export function strippedSource(directory: string, source: string): string | undefined {
  const key = createHash('sha256').update(`${process.version}\0${process.versions.amaro ?? ''}\0`).update(source).digest('hex');
  const file = join(directory, `${key}.js`);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // not cached yet
  }
  let stripped: string;
  // The function warns that it is experimental (Node 22); the loader's own stripping, which it
  // stands in for, does not, and a command's output should not change with the cache.
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: never[]) => {
    if (!String(warning instanceof Error ? warning.message : warning).includes('stripTypeScriptTypes')) emitWarning.call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    stripped = module.stripTypeScriptTypes!(source, { mode: 'strip' });
  } catch {
    return undefined;
  } finally {
    process.emitWarning = emitWarning;
  }
  // An unwritable cache only costs the next process the stripping again.
  writeCacheFile(file, stripped);
  return stripped;
}

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { strippedSource, typeScriptModulePath } from '../../lib/loader/stripped-source-cache.js';
import { createPlatformRepo } from '../helpers/platform-repo.js';

const strip = (nodeModule as unknown as { stripTypeScriptTypes(source: string, options: { mode: 'strip' }): string }).stripTypeScriptTypes;

describe('typeScriptModulePath', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-strip-'));
    mkdirSync(join(dir, 'esm/platform'), { recursive: true });
    writeFileSync(join(dir, 'esm/package.json'), '{"type":"module"}');
    mkdirSync(join(dir, 'cjs'), { recursive: true });
    writeFileSync(join(dir, 'cjs/package.json'), '{"name":"x"}');
    mkdirSync(join(dir, 'esm/node_modules/dep'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a .ts under a "type": "module" package, query and all, and any .mts', () => {
    const file = join(dir, 'esm/platform/platform.ts');
    expect(typeScriptModulePath(`${pathToFileURL(file).href}?v=0123abcd`)).toBe(file);
    expect(typeScriptModulePath(pathToFileURL(join(dir, 'cjs/a.mts')).href)).toBe(join(dir, 'cjs/a.mts'));
  });

  it('leaves to Node a .ts of a CommonJS package, anything in node_modules, JavaScript and non-file URLs', () => {
    expect(typeScriptModulePath(pathToFileURL(join(dir, 'cjs/a.ts')).href)).toBeUndefined();
    expect(typeScriptModulePath(pathToFileURL(join(dir, 'esm/node_modules/dep/index.ts')).href)).toBeUndefined();
    expect(typeScriptModulePath(pathToFileURL(join(dir, 'esm/a.js')).href)).toBeUndefined();
    expect(typeScriptModulePath('node:fs')).toBeUndefined();
  });
});

describe('strippedSource', () => {
  let cache: string;
  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), 'ferry-strip-cache-'));
  });
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  it("strips as Node's stripper does, keeps the result by content, and reads it back from the cache", () => {
    const source = "import type { Platform } from 'ferry/model';\nexport const size: number = 3;\nexport const p = undefined as unknown as Platform;\n";
    expect(strippedSource(cache, source)).toBe(strip(source, { mode: 'strip' }));
    const files = readdirSync(cache);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.js$/);
    // What is read is the cache's, not a new stripping: a planted file is what comes back.
    writeFileSync(join(cache, files[0]!), 'export const size = 4;\n');
    expect(strippedSource(cache, source)).toBe('export const size = 4;\n');
    // Another source is another entry.
    expect(strippedSource(cache, `${source}// edited\n`)).toBe(strip(`${source}// edited\n`, { mode: 'strip' }));
    expect(readdirSync(cache)).toHaveLength(2);
  });

  it('gives up, writing nothing, on what strip mode cannot handle (Node then reports it)', () => {
    expect(strippedSource(cache, 'export enum Colour { Red }\n')).toBeUndefined();
    expect(readdirSync(cache)).toEqual([]);
  });
});

describe('a ferry process loads platform.ts through the cache', () => {
  it('uses the cached stripping while platform.ts is unchanged, strips again after an edit, and not at all with the cache off', async () => {
    const repo = await createPlatformRepo({ git: false });
    const compileCache = mkdtempSync(join(tmpdir(), 'ferry-compile-cache-'));
    try {
      const env = { NODE_COMPILE_CACHE: compileCache, NODE_DISABLE_COMPILE_CACHE: undefined };
      const first = repo.ferrySpawn(['graph'], env);
      expect(first.code).toBe(0);
      const [version] = readdirSync(compileCache);
      const strippedDir = join(compileCache, version!, 'ferry-stripped');
      const [entry] = readdirSync(strippedDir);
      const platformSource = repo.read('platform/platform.ts');
      expect(readFileSync(join(strippedDir, entry!), 'utf8')).toBe(strip(platformSource, { mode: 'strip' }));

      writeFileSync(join(strippedDir, entry!), `process.stderr.write('loaded from the cache\\n');\n${readFileSync(join(strippedDir, entry!), 'utf8')}`);
      const cached = repo.ferrySpawn(['graph'], env);
      expect(cached.code).toBe(0);
      expect(cached.stderr).toContain('loaded from the cache');
      expect(cached.stdout).toBe(first.stdout);

      repo.write('platform/platform.ts', `${platformSource}// edited\n`);
      const edited = repo.ferrySpawn(['graph'], env);
      expect(edited.stderr).not.toContain('loaded from the cache');
      expect(edited.stdout).toBe(first.stdout);
      expect(readdirSync(strippedDir)).toHaveLength(2);
      // A warning from the stripper would change what a command prints.
      expect(edited.stderr).not.toContain('ExperimentalWarning');

      const off = mkdtempSync(join(tmpdir(), 'ferry-compile-cache-off-'));
      const disabled = repo.ferrySpawn(['graph'], { NODE_COMPILE_CACHE: off, NODE_DISABLE_COMPILE_CACHE: '1' });
      expect(disabled.stdout).toBe(first.stdout);
      expect(readdirSync(off)).toEqual([]);
      rmSync(off, { recursive: true, force: true });
    } finally {
      rmSync(compileCache, { recursive: true, force: true });
      repo.cleanup();
    }
  });
});

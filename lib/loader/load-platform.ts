import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Platform } from '../../model/platform.js';
import { importWithStrippedSourceCache } from './stripped-source-cache.js';

/** The platform definition, relative to the repository root. */
export const PLATFORM_FILE = 'platform/platform.ts';

/**
 * The root of the platform repository that holds `start`: the nearest folder, `start` or above,
 * with both Pulumi.yaml and platform/platform.ts. Commands work from any subdirectory.
 */
export function findRepositoryRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'Pulumi.yaml')) && existsSync(join(dir, PLATFORM_FILE))) return dir;
    if (dirname(dir) === dir) {
      throw new Error(`${resolve(start)}: not inside a platform repository (no folder above it has Pulumi.yaml and ${PLATFORM_FILE}); run 'ferry init <dir>' to create one`);
    }
  }
}

/**
 * Loads the platform definition of the repository at `root` from its TypeScript source,
 * platform/platform.ts, with Node's own type stripping (Node >= 22.18; its output cached by
 * content, see stripped-source-cache.ts): there is no build step between an edit and a render, so
 * a stale compiled copy can never be rendered.
 */
export async function loadPlatform(root: string): Promise<Platform> {
  const file = join(root, PLATFORM_FILE);
  if (!existsSync(file)) throw new Error(`${PLATFORM_FILE}: not found in ${root}; run 'ferry init <dir>' to create a platform repository`);
  let module: { platform?: unknown };
  try {
    // The content hash in the URL gives an edited file a fresh module (import() caches by URL).
    const version = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
    module = (await importWithStrippedSourceCache(`${pathToFileURL(file).href}?v=${version}`)) as { platform?: unknown };
  } catch (e) {
    throw new Error(`${PLATFORM_FILE}: ${(e as Error).message}`);
  }
  const platform = module.platform as Platform | undefined;
  // Duck-typed: the platform may have been built with another copy of the engine (a base revision).
  if (!platform || typeof platform.promotionOrder !== 'function' || !Array.isArray(platform.environments)) {
    throw new Error(`${PLATFORM_FILE}: must export 'platform', a Platform (export const platform = new Platform({...}))`);
  }
  return platform;
}

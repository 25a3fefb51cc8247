import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Platform } from '../../model/platform.js';

/** Compiled location of the platform definition, relative to the repository root. */
export const PLATFORM_MODULE = 'dist/platform/platform.js';

/**
 * Loads the platform definition of the repository at `root` (its compiled platform/platform.ts),
 * so the CLI works on whichever platform repository it runs in.
 */
export async function loadPlatform(root: string): Promise<Platform> {
  const file = join(root, PLATFORM_MODULE);
  if (!existsSync(file)) {
    throw new Error(`${PLATFORM_MODULE}: not found in ${root}; run \`npm run build\` (npm ci does it) to compile platform/platform.ts`);
  }
  const module = (await import(pathToFileURL(file).href)) as { platform?: unknown };
  const platform = module.platform as Platform | undefined;
  // Duck-typed: a copy of the repository has its own copy of the Platform class.
  if (!platform || typeof platform.promotionOrder !== 'function' || !Array.isArray(platform.environments)) {
    throw new Error(`platform/platform.ts: must export 'platform', a Platform (new Platform({...}))`);
  }
  return platform;
}

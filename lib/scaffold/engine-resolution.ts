/**
 * The first render of a new repository imports its platform/platform.ts, which imports 'ferry'.
 * Right after `npx ferry init` nothing is installed there yet (npx ran the engine from its cache),
 * so until `npm install` that import resolves to the engine running init.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Whether `import 'ferry'` resolves from a file in `root` on its own (an installed ferry in root or above). */
export function ferryResolvesFrom(root: string): boolean {
  try {
    createRequire(join(root, 'package.json')).resolve('ferry/package.json');
    return true;
  } catch {
    return false;
  }
}

type ResolveResult = { url: string };
type ResolveContext = { parentURL?: string };
type NextResolve = (specifier: string, context?: ResolveContext) => ResolveResult;
/** node:module registerHooks (Node >= 22.15); @types/node 20 does not declare it. */
type RegisterHooks = (hooks: { resolve(specifier: string, context: ResolveContext, next: NextResolve): ResolveResult }) => unknown;

const fallbackRoots = new Set<string>();
let hooked = false;

/**
 * Makes 'ferry' and 'ferry/<subpath>' imported from files under `root` resolve to the engine
 * whose package.json is `enginePackageJson` when they resolve nowhere else. Imports from
 * anywhere else, and imports that resolve normally, are untouched.
 * @returns false when the module loader takes no hooks (Jest's, which maps 'ferry' itself): the
 *   import then resolves as it would anyway
 */
export function resolveFerryToEngine(root: string, enginePackageJson: string): boolean {
  if (!hooked) {
    const register = (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks;
    if (typeof register !== 'function' || !existsSync(enginePackageJson)) return false;
    // Self-reference: from a file inside the engine package, 'ferry' resolves through its own exports.
    const engine = pathToFileURL(enginePackageJson).href;
    try {
      register({
        resolve(specifier, context, next) {
          const fromNewRepository = [...fallbackRoots].some((prefix) => context.parentURL?.startsWith(prefix));
          if (!fromNewRepository || !(specifier === 'ferry' || specifier.startsWith('ferry/'))) return next(specifier, context);
          try {
            return next(specifier, context);
          } catch {
            return next(specifier, { ...context, parentURL: engine });
          }
        },
      });
    } catch {
      return false;
    }
    hooked = true;
  }
  fallbackRoots.add(pathToFileURL(join(root, '/')).href);
  return true;
}

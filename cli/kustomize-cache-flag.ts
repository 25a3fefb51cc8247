import { UsageError } from './command.js';

/** The environment variable that turns the kustomize build cache off (`0`) or on (`1`, the default). */
export const KUSTOMIZE_CACHE_ENV = 'FERRY_KUSTOMIZE_CACHE';

/** The flag of `validate` and `diff` that turns the kustomize build cache off for one run. */
export const NO_CACHE_FLAG = { 'no-cache': { type: 'boolean' } } as const;

/** Whether `ferry <command>` keeps and reuses built overlays: not with --no-cache or FERRY_KUSTOMIZE_CACHE=0. */
export function buildCacheEnabled(command: string, noCache: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env[KUSTOMIZE_CACHE_ENV];
  if (value !== undefined && value !== '' && value !== '0' && value !== '1') {
    throw new UsageError(`ferry ${command}: ${KUSTOMIZE_CACHE_ENV} '${value}' is not allowed; allowed: 0 (no cache), 1 (cache, the default)`);
  }
  return noCache !== true && value !== '0';
}

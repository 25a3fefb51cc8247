/**
 * The tag-only change: the comparison of two sets of stack files that `ferry diff` and
 * `ferry render` both scope their work by. It lives with the render, the lower of the two.
 */
import { compareStrings, type Platform } from '../../model/platform.js';
import { parseStackConfig, projectValues, stackFileName, TAG_KEYS, withTagValues, type StackConfig } from '../../model/stack-config.js';
import type { ServiceRenderScope } from './render.js';

/** A change that moved only image tags or digests: what to render of it, and with which configs. */
export interface TagOnlyChange {
  /** The services whose tag or digest moved, and the environments they moved in. */
  readonly scope: ServiceRenderScope;
  /** The stack configs of the scoped environments on the base side. */
  readonly baseConfigs: ReadonlyMap<string, StackConfig>;
  /** The same on the head side (the working tree), validated as a render validates them. */
  readonly headConfigs: ReadonlyMap<string, StackConfig>;
}

/**
 * Whether the change from `base` to `head` (stack files by name: `Pulumi.yaml` and every
 * `Pulumi.<stack>.yaml`, with the same code on both sides) moves only image tags or digests of
 * kustomize services, and if so which. Such a change alters nothing but those services'
 * overlays (and their previews when it is the first environment's): `ferry diff`
 * (lib/diff/compute-diff.ts) then renders those and their bases alone, and `ferry render`
 * (lib/render/incremental-render.ts, against the stack files its record holds) those overlays
 * alone, so their cost follows the change instead of the platform's size.
 *
 * Undefined (render everything) when anything else differs: `Pulumi.yaml`, a stack file added or
 * removed, a missing environment, any other key of a changed file (config values, replicas,
 * chart versions, non-project keys that Pulumi reads are ignored by the render and so here too),
 * a chart service's tag, or a service the platform does not define (the full render names it).
 */
export function tagOnlyChange(platform: Platform, project: string, base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>): TagOnlyChange | undefined {
  const names = [...new Set([...base.keys(), ...head.keys()])];
  if (names.some((n) => base.get(n) === undefined || head.get(n) === undefined)) return undefined;
  if (base.get('Pulumi.yaml') !== head.get('Pulumi.yaml')) return undefined;
  const kustomizeServices = new Set(platform.services.filter((s) => s.chart === undefined).map((s) => s.name));
  const services = new Set<string>();
  const environments = new Set<string>();
  const baseConfigs = new Map<string, StackConfig>();
  const headConfigs = new Map<string, StackConfig>();
  for (const env of platform.environments) {
    const file = stackFileName(env.name);
    const before = base.get(file);
    const after = head.get(file);
    if (before === undefined || after === undefined) return undefined;
    if (before === after) continue;
    const beforeValues = projectValues(before, file, project);
    const afterValues = projectValues(after, file, project);
    if (JSON.stringify(withoutTagKeys(beforeValues)) !== JSON.stringify(withoutTagKeys(afterValues))) return undefined;
    const moved: string[] = [];
    for (const key of TAG_KEYS) {
      const entries = changedEntries(beforeValues[key], afterValues[key]);
      if (entries === undefined) return undefined;
      moved.push(...entries);
    }
    if (moved.some((s) => !kustomizeServices.has(s))) return undefined;
    if (moved.length === 0) continue;
    for (const s of moved) services.add(s);
    environments.add(env.name);
    const source = { file, project, platform, environment: env };
    // The head first, as the full render meets it; the base differs only in what withTagValues parses again.
    const headConfig = parseStackConfig(afterValues, source);
    headConfigs.set(env.name, headConfig);
    baseConfigs.set(env.name, withTagValues(headConfig, beforeValues, source));
  }
  return { scope: { services: new Set([...services].sort(compareStrings)), environments }, baseConfigs, headConfigs };
}

function withoutTagKeys(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...values };
  for (const key of TAG_KEYS) delete rest[key];
  return rest;
}

/** The keys whose values differ between two mappings; undefined when a side is there but no mapping (the full render names the error). */
function changedEntries(before: unknown, after: unknown): string[] | undefined {
  if ((before !== undefined && !isMapping(before)) || (after !== undefined && !isMapping(after))) return undefined;
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

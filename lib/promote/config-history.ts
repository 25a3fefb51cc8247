/**
 * Config changes read from git: each commit that changed a service's `<project>:config` values in
 * one environment, for `ferry history` and `ferry status`. Same first-parent history as the tags.
 */
import { isDeepStrictEqual } from 'node:util';
import type { StackRevision } from '../../model/history.js';
import { describeRawConfigValue, type ConfigKeyChange } from './config-promotion.js';

/** A commit that changed config values of one service. */
export interface ConfigRevisionChange {
  readonly revision: StackRevision;
  /** Position of the revision in the environment's history (0: the first commit of the file). */
  readonly index: number;
  readonly keys: readonly ConfigKeyChange[];
}

/** Every change of `service`'s config values, oldest first. */
export function configChanges(revisions: readonly StackRevision[], service: string): ConfigRevisionChange[] {
  const out: ConfigRevisionChange[] = [];
  let previous: Readonly<Record<string, unknown>> = {};
  revisions.forEach((revision, index) => {
    const current = revision.config?.[service] ?? {};
    // Revisions that share a config (most: a promotion changes a tag) share its objects.
    if (current === previous) return;
    const keys = [...new Set([...Object.keys(previous), ...Object.keys(current)])].sort();
    const changed = keys
      .filter((key) => !isDeepStrictEqual(previous[key], current[key]))
      .map((key) => ({ key, before: describeRawConfigValue(previous[key]), after: describeRawConfigValue(current[key]) }));
    if (changed.length > 0) out.push({ revision, index, keys: changed });
    previous = current;
  });
  return out;
}

/** `DATABASE_HOST: a -> b; CHECKOUT_V2: (default) -> true` */
export function configChangeText(keys: readonly ConfigKeyChange[]): string {
  return keys.map((k) => `${k.key}: ${k.before} -> ${k.after}`).join('; ');
}

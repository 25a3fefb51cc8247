import { compareStrings } from '../../model/platform.js';
import type { ManifestObject } from '../kustomize/manifest-object.js';
import { deepEqual, diffFields, type FieldChange } from './field-diff.js';

export type { ManifestObject };

/** `kind/namespace/name`, or `kind/name` for objects without a namespace. */
export function objectKey(object: ManifestObject): string {
  const kind = object.kind ?? '?';
  const name = object.metadata?.name ?? '?';
  const namespace = object.metadata?.namespace;
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

/** One object that differs between the base and the head. */
export type ObjectChange =
  | { readonly status: 'added'; readonly key: string; readonly kind: string; readonly after: ManifestObject }
  | { readonly status: 'removed'; readonly key: string; readonly kind: string; readonly before: ManifestObject }
  | {
    readonly status: 'changed';
    readonly key: string;
    readonly kind: string;
    readonly before: ManifestObject;
    readonly after: ManifestObject;
    readonly fields: readonly FieldChange[];
  };

/** Objects added, changed and removed. */
export interface ChangeCounts {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

/** Indexes objects by {@link objectKey}; throws naming `where` if two share a key. */
export function indexObjects(objects: readonly ManifestObject[], where: string): Map<string, ManifestObject> {
  const byKey = new Map<string, ManifestObject>();
  for (const object of objects) {
    const key = objectKey(object);
    if (byKey.has(key)) throw new Error(`${where}: two objects are both ${key}`);
    byKey.set(key, object);
  }
  return byKey;
}

/**
 * Compares two object sets by kind/namespace/name: every key on one side only is added or
 * removed, every key on both sides with different content is changed (with its field changes).
 * Sorted by key, so the order kustomize emits objects in never matters.
 */
export function diffObjects(before: readonly ManifestObject[], after: readonly ManifestObject[], where = 'objects'): ObjectChange[] {
  const a = indexObjects(before, `${where} (base)`);
  const b = indexObjects(after, `${where} (head)`);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort(compareStrings);
  const changes: ObjectChange[] = [];
  for (const key of keys) {
    const old = a.get(key);
    const now = b.get(key);
    if (old && now) {
      if (!deepEqual(old, now)) changes.push({ status: 'changed', key, kind: now.kind ?? '?', before: old, after: now, fields: diffFields(old, now) });
    } else if (now) {
      changes.push({ status: 'added', key, kind: now.kind ?? '?', after: now });
    } else if (old) {
      changes.push({ status: 'removed', key, kind: old.kind ?? '?', before: old });
    }
  }
  return changes;
}

export function countChanges(changes: readonly ObjectChange[]): ChangeCounts {
  return {
    added: changes.filter((c) => c.status === 'added').length,
    changed: changes.filter((c) => c.status === 'changed').length,
    removed: changes.filter((c) => c.status === 'removed').length,
  };
}

export function addCounts(a: ChangeCounts, b: ChangeCounts): ChangeCounts {
  return { added: a.added + b.added, changed: a.changed + b.changed, removed: a.removed + b.removed };
}

import YAML from 'yaml';

/** One field that differs between two versions of an object; `undefined` means absent on that side. */
export interface FieldChange {
  /** Dotted path; list items with a unique `name` are addressed by it (`containers[api]`), others by index (`ports[0]`). */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON-like values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** A list whose items are objects each with a distinct string `name` (containers, env, ports...). */
function namedItems(list: readonly unknown[]): Map<string, unknown> | undefined {
  if (list.length === 0) return undefined;
  const byName = new Map<string, unknown>();
  for (const item of list) {
    if (!isObject(item) || typeof item.name !== 'string' || byName.has(item.name)) return undefined;
    byName.set(item.name, item);
  }
  return byName;
}

function join(path: string, key: string): string {
  if (path === '') return key;
  return key.startsWith('[') ? `${path}${key}` : `${path}.${key}`;
}

function keySegment(key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
}

/**
 * The fields that differ between `before` and `after`, deepest first-differing path each, in
 * document order (keys sorted). Lists of named items are matched by name, so reordering a
 * container's env does not read as a change of every entry; lists of scalars change as a whole.
 */
export function diffFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (deepEqual(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffFields(before[k], after[k], join(path, keySegment(k))));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = namedItems(before);
    const b = namedItems(after);
    if (a && b) {
      const names = [...a.keys(), ...[...b.keys()].filter((n) => !a.has(n))];
      return names.flatMap((n) => diffFields(a.get(n), b.get(n), join(path, `[${n}]`)));
    }
    if ([...before, ...after].some((item) => typeof item === 'object' && item !== null)) {
      const length = Math.max(before.length, after.length);
      const out: FieldChange[] = [];
      for (let i = 0; i < length; i++) out.push(...diffFields(before[i], after[i], join(path, `[${i}]`)));
      return out;
    }
  }
  return [{ path: path === '' ? '.' : path, before, after }];
}

/** YAML of a value without a trailing newline; scalars on one line. */
export function yamlOf(value: unknown): string {
  return YAML.stringify(value as Json, { lineWidth: 0, aliasDuplicateObjects: false, sortMapEntries: true }).replace(/\n$/, '');
}

/** A diff line: ' ' context (the field path), '-' removed, '+' added. */
export interface DiffLine {
  readonly sign: ' ' | '-' | '+';
  readonly text: string;
}

/**
 * One field change as YAML diff lines:
 * ```
 *   spec.replicas:
 * -   2
 * +   3
 * ```
 */
export function fieldChangeLines(change: FieldChange): DiffLine[] {
  const lines: DiffLine[] = [{ sign: ' ', text: `${change.path}:` }];
  if (change.before !== undefined) for (const line of yamlOf(change.before).split('\n')) lines.push({ sign: '-', text: `  ${line}` });
  if (change.after !== undefined) for (const line of yamlOf(change.after).split('\n')) lines.push({ sign: '+', text: `  ${line}` });
  return lines;
}

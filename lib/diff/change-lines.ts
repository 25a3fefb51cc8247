import { fieldChangeLines, yamlOf, type DiffLine } from './field-diff.js';
import type { ObjectChange } from './object-diff.js';

/** The sign of an object change: `+` added, `-` removed, `~` changed. */
export function changeSign(change: ObjectChange): '+' | '-' | '~' {
  return change.status === 'added' ? '+' : change.status === 'removed' ? '-' : '~';
}

/**
 * The body of one object change as diff lines: the field-level YAML diff of a changed object,
 * or the whole object (every line `+` or `-`) of an added or removed one.
 */
export function changeLines(change: ObjectChange): DiffLine[] {
  if (change.status === 'changed') return change.fields.flatMap(fieldChangeLines);
  const sign = change.status === 'added' ? '+' : '-';
  return yamlOf(change.status === 'added' ? change.after : change.before)
    .split('\n')
    .map((text) => ({ sign, text }));
}

/** Objects added or removed whole are collapsed beyond this many lines. */
export const COLLAPSE_LINES = 25;

import YAML from 'yaml';
import { memoryTree, REFERENCE_FIELDS, remoteHost, treePath, walkKustomizations } from './kustomization-tree.js';

/**
 * The folders a kustomization of `files` reads: its own and, recursively, every local folder
 * named under `resources`, `bases` or `components` (a file entry is read from its folder).
 * Undefined when it reads something remote or unparsable, which callers treat as "may have
 * changed".
 */
export function kustomizationInputs(files: ReadonlyMap<string, string>, dir: string, seen = new Set<string>()): Set<string> | undefined {
  const complete = walkKustomizations(
    memoryTree(files),
    [dir],
    (at, kustomization) => {
      if (kustomization === undefined) return [];
      const doc = referenceLists(kustomization.text);
      if (!doc) return 'stop';
      const next: string[] = [];
      for (const field of REFERENCE_FIELDS) {
        const entries = doc[field];
        if (entries === undefined) continue;
        if (!Array.isArray(entries)) return 'stop';
        for (const entry of entries) {
          if (typeof entry !== 'string' || remoteHost(entry) !== undefined || entry.startsWith('/')) return 'stop';
          const target = treePath(at, entry);
          // A file entry is read from its folder; a folder entry is another kustomization.
          const folder = files.has(target) ? treePath(target, '..') : target;
          if (folder !== at) next.push(folder);
        }
      }
      return next;
    },
    seen,
  );
  return complete ? seen : undefined;
}

const REFERENCE_FIELD_NAMES = new Set<string>(REFERENCE_FIELDS);

/**
 * The `resources`, `bases` and `components` lists of a kustomization. Block sequences of plain
 * paths (what ferry renders) are read line by line, which is ~50 times faster than a YAML parse
 * and matters with hundreds of overlays; anything else (flow style, quotes, comments, anchors)
 * falls back to the YAML parser. Undefined when the text is not valid YAML.
 */
export function referenceLists(text: string): Record<string, unknown> | undefined {
  const lists: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('---')) continue;
    if (line.startsWith(' ') || line.startsWith('-')) {
      if (!current) continue;
      const item = /^ *- ([^'"{}[\]#&*!|>%@`,]+)$/.exec(line);
      if (!item || item[1]!.trim() !== item[1]) return parseReferences(text);
      current.push(item[1]!);
      continue;
    }
    const key = /^([A-Za-z]+):(.*)$/.exec(line);
    if (!key) return parseReferences(text);
    current = undefined;
    if (REFERENCE_FIELD_NAMES.has(key[1]!)) {
      if (key[2]!.trim() !== '' || key[1]! in lists) return parseReferences(text);
      current = lists[key[1]!] = [];
    }
  }
  return lists;
}

function parseReferences(text: string): Record<string, unknown> | undefined {
  try {
    return (YAML.parse(text) ?? {}) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

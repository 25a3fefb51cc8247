/**
 * The one reader of stack-file YAML (`Pulumi.<env>.yaml`), for the schema (model/stack-config.ts)
 * and for the editor that promotions write with (lib/promote/stack-file.ts): the same limits, the
 * same errors, naming the file, the line and the key.
 */
import type { Document, Node } from 'yaml';
import { readPlainStackYaml } from './plain-stack-yaml.js';
import { yamlPackage } from './yaml-package.js';

/** Stack files are a few hundred lines; anything near this is a mistake or an attack. */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;

/** Deepest nesting of mappings and lists a stack file may have. */
export const MAX_STACK_FILE_DEPTH = 16;

/** Parses a stack file, or throws an Error naming the file, the line:column, and the key where YAML broke. */
export function parseStackYaml(text: string, file: string): Document.Parsed {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_STACK_FILE_BYTES) {
    throw new Error(`${file}: ${bytes} bytes; a stack file may have at most ${MAX_STACK_FILE_BYTES} bytes`);
  }
  checkNesting(text, file);
  // Aliases could multiply a small file into a huge value; stack files have no use for them.
  // Unique keys are checked below: the parser's own check compares every key with every other of
  // its mapping, which takes minutes for a 1 MB file of one long mapping.
  const doc = yamlPackage().parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const offset = error.pos?.[0];
    const at = offset !== undefined ? ` at line ${text.slice(0, offset).split('\n').length}` : '';
    const key = offset !== undefined ? keyAt(text, offset) : undefined;
    const under = key ? ` (near key '${key}')` : '';
    throw new Error(`${file}: not valid YAML${at}${under}: ${error.message.split('\n')[0]}`);
  }
  const duplicate = duplicateKey(doc.contents);
  if (duplicate) {
    const line = text.slice(0, duplicate.offset).split('\n').length;
    throw new Error(`${file}: not valid YAML at line ${line} (near key '${duplicate.key}'): Map keys must be unique`);
  }
  const depth = depthOf(doc.contents, 0);
  if (depth > MAX_STACK_FILE_DEPTH) throw new Error(`${file}: nested ${depth} levels deep; a stack file may nest at most ${MAX_STACK_FILE_DEPTH}`);
  return doc;
}

/** The plain value of a parsed stack file. */
export function stackYamlValue(text: string, file: string): unknown {
  // A file in the plain subset ferry writes is read without the yaml package's document (a fifth of
  // a fresh render); the value is the same (test/model/plain-stack-yaml.test.ts), and anything else,
  // errors included, takes the full reader.
  return plainStackYamlValue(text) ?? stackDocumentValue(parseStackYaml(text, file), file);
}

/**
 * The value of a stack file in the plain subset ferry writes (model/plain-stack-yaml.ts), within
 * the full reader's limits; undefined for anything else, which only {@link parseStackYaml} reads.
 */
export function plainStackYamlValue(text: string): Record<string, unknown> | undefined {
  if (Buffer.byteLength(text, 'utf8') > MAX_STACK_FILE_BYTES) return undefined;
  return readPlainStackYaml(text, { maxDepth: MAX_STACK_FILE_DEPTH, maxIndent: MAX_STACK_FILE_DEPTH * 8 });
}

/** The plain value of a document `parseStackYaml` gave, for a caller that holds one already. */
export function stackDocumentValue(doc: Document.Parsed, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    const message = (e as Error).message;
    if (/alias/i.test(message)) throw new Error(`${file}: YAML aliases (*name) are not allowed in stack files; write the value out`);
    throw new Error(`${file}: ${message.split('\n')[0]}`);
  }
}

/**
 * Refuses nesting deeper than the limit before the YAML parser sees it (its composer recurses, so
 * a deep enough file would end in a stack overflow): flow brackets are counted outside quotes,
 * block nesting is bounded through the indentation.
 */
function checkNesting(text: string, file: string): void {
  let depth = 0;
  let quote: string | undefined;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (quote) {
      if (c === quote && text[i - 1] !== '\\') quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_STACK_FILE_DEPTH) throw new Error(`${file}: line ${line}: nested more than ${MAX_STACK_FILE_DEPTH} levels deep; a stack file may nest at most ${MAX_STACK_FILE_DEPTH}`);
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  const lines = text.split('\n');
  const deep = lines.findIndex((l) => /^\s*/.exec(l)![0].length > MAX_STACK_FILE_DEPTH * 8);
  if (deep >= 0) throw new Error(`${file}: line ${deep + 1}: indented more than ${MAX_STACK_FILE_DEPTH * 8} columns; a stack file may nest at most ${MAX_STACK_FILE_DEPTH} levels`);
}

/** Iterative depth (a recursive walk would be the stack overflow this guards against). */
function depthOf(root: unknown, start: number): number {
  const { isMap, isPair, isScalar, isSeq } = yamlPackage();
  let max = start;
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: start }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isMap(node) || isSeq(node)) {
      max = Math.max(max, depth + 1);
      for (const item of (node as { items: unknown[] }).items) stack.push({ node: isPair(item) ? item.value : item, depth: depth + 1 });
    } else if (isScalar(node) || node === null || node === undefined) {
      continue;
    } else {
      stack.push({ node: (node as Node & { value?: unknown }).value, depth });
    }
  }
  return max;
}

/** The first key given twice in one mapping (in linear time, iteratively), with its offset. */
function duplicateKey(root: unknown): { key: string; offset: number } | undefined {
  const { isMap, isScalar, isSeq } = yamlPackage();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key);
        if (seen.has(key)) return { key, offset: (pair.key as Node | null)?.range?.[0] ?? 0 };
        seen.add(key);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return undefined;
}

/** The nearest `key:` on the same or an earlier line than `offset`, for error messages. */
function keyAt(text: string, offset: number): string | undefined {
  const end = text.indexOf('\n', offset);
  const before = text.slice(0, end < 0 ? text.length : end).split('\n').reverse();
  for (const line of before) {
    const match = /^\s*(?:-\s+)?([^\s:#'"][^:#]*?|'[^']*'|"[^"]*"):(\s|$)/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

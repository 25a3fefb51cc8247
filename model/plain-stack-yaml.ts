/**
 * A reader of the plain subset of YAML that stack files are written in (what `ferry fmt`,
 * `ferry init` and promotions write): block mappings of simple keys, plain and simply quoted
 * scalars, one-line flow mappings (`{ secret: api-database, key: password }`, `{ requests: { cpu: 50m } }`), `[]`,
 * `{}`, comments and blank lines. It gives the value the `yaml` package gives (YAML 1.2, core
 * schema) without building its document, which cost a render about a fifth of its time.
 *
 * Anything outside that subset, and anything the full reader would refuse (a duplicate key, too
 * deep, too indented), gives `undefined`: the caller then parses with the `yaml` package, whose
 * value and errors stay the only ones (test/model/plain-stack-yaml.test.ts compares the two on
 * fuzzed files).
 */

/** Limits of the full reader (model/stack-yaml.ts), which this must never accept past. */
export interface PlainStackYamlLimits {
  /** Deepest nesting of mappings. */
  readonly maxDepth: number;
  /** Widest indentation of any line, comments and blank lines included. */
  readonly maxIndent: number;
}

// The core schema's tests (yaml 2, schema/core and schema/common): a plain scalar matching one of
// these is no string.
const CORE_NULL = /^(?:~|[Nn]ull|NULL)?$/;
const CORE_BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const CORE_NUMBER = [
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
/** A decimal integer whose value is exactly its text (no sign, no leading zero). */
const CANONICAL_INT = /^(?:0|[1-9][0-9]*)$/;

/** `key:` at the start of a block line: letters first, `:` inside only before a non-space (`ferry:images`). */
const BLOCK_KEY = /^([A-Za-z_][A-Za-z0-9_./-]*(?::[A-Za-z0-9_./-]+)*):(?= |$)/;
/** A key inside a flow mapping: no `:` at all. */
const FLOW_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*/;
/** A plain scalar: words of safe characters separated by single spaces. */
const PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_./@+=:-]*(?: [A-Za-z0-9_./@+=:-]+)*$/;

/** Not a value: the reader declines the file. */
const DECLINE = Symbol('decline');
type Declined = typeof DECLINE;

/**
 * The value of `text` when it is in the plain subset, exactly as `yaml`'s `parseDocument(text).toJS()`
 * gives it and within `limits`; otherwise `undefined` (parse it with the `yaml` package).
 */
export function readPlainStackYaml(text: string, limits: PlainStackYamlLimits): Record<string, unknown> | undefined {
  if (/[\t\r\uFEFF\\]/.test(text)) return undefined;
  const root: Record<string, unknown> = {};
  const frames: { indent: number; map: Record<string, unknown> }[] = [{ indent: 0, map: root }];
  // A `key:` with nothing after it: a nested mapping if the next line is indented deeper, else null.
  let pending: { map: Record<string, unknown>; key: string; indent: number } | undefined;
  let lines = 0;
  for (const line of text.split('\n')) {
    let indent = 0;
    while (line.charCodeAt(indent) === 32) indent++;
    if (indent > limits.maxIndent) return undefined;
    if (indent === line.length || line.charCodeAt(indent) === 35 /* # */) continue;
    if (pending) {
      if (indent > pending.indent) {
        if (frames.length >= limits.maxDepth) return undefined;
        const map: Record<string, unknown> = {};
        pending.map[pending.key] = map;
        frames.push({ indent, map });
        pending = undefined;
      } else {
        pending.map[pending.key] = null;
        pending = undefined;
      }
    }
    while (frames.length > 1 && frames[frames.length - 1]!.indent > indent) frames.pop();
    const frame = frames[frames.length - 1]!;
    if (frame.indent !== indent) return undefined;
    const content = line.slice(indent);
    const match = BLOCK_KEY.exec(content);
    if (!match) return undefined;
    const key = match[1]!;
    if (!acceptableKey(key) || Object.hasOwn(frame.map, key)) return undefined;
    const rest = content.slice(key.length + 1);
    const value = inlineValue(rest, frames.length, limits);
    if (value === DECLINE) return undefined;
    lines++;
    if (value === undefined) pending = { map: frame.map, key, indent };
    else frame.map[key] = value;
  }
  if (lines === 0) return undefined;
  if (pending) pending.map[pending.key] = null;
  return root;
}

/** Keys that resolve to no string, or that an object cannot hold as its own property, are left to the full reader. */
function acceptableKey(key: string): boolean {
  return key !== '__proto__' && (!mayResolve(key) || (!CORE_NULL.test(key) && !CORE_BOOL.test(key)));
}

/**
 * Whether a text that passed PLAIN or BLOCK_KEY may be null, a boolean or a number: only one that
 * starts with a digit, `n`, `N`, `t`, `T`, `f` or `F` can (the others start with `~`, `.`, `+` or
 * `-`, which those patterns refuse first). Most scalars and keys skip the core schema's patterns.
 */
function mayResolve(text: string): boolean {
  const c = text.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70;
}

/**
 * The value after `key:` on the same line: `undefined` when there is none (a nested mapping may
 * follow), DECLINE when it is outside the subset.
 */
function inlineValue(rest: string, depth: number, limits: PlainStackYamlLimits): unknown {
  if (rest === '') return undefined;
  if (rest.charCodeAt(0) !== 32) return DECLINE;
  const text = rest.slice(skipSpaces(rest, 0));
  if (text === '' || text.startsWith('#')) return undefined;
  const first = text[0];
  if (first === "'" || first === '"') {
    const quoted = quotedScalar(text);
    if (quoted === DECLINE || !onlyComment(text.slice(quoted.length))) return DECLINE;
    return quoted.value;
  }
  if (first === '{') {
    const flow = flowMapping(text, 0, depth + 1, limits);
    if (flow === DECLINE || !onlyComment(text.slice(flow.end))) return DECLINE;
    return flow.value;
  }
  if (first === '[') {
    const close = text.indexOf(']');
    if (close < 0 || skipSpaces(text, 1) !== close || !onlyComment(text.slice(close + 1))) return DECLINE;
    if (depth + 1 > limits.maxDepth) return DECLINE;
    return [];
  }
  const comment = text.indexOf(' #');
  return plainScalar(trimSpacesEnd(comment < 0 ? text : text.slice(0, comment)));
}

/** True when `tail` (after a value) holds nothing but spaces and a comment. */
function onlyComment(tail: string): boolean {
  const trimmed = tail.slice(skipSpaces(tail, 0));
  return trimmed === '' || (trimmed.startsWith('#') && trimmed.length < tail.length);
}

/**
 * A single- or double-quoted scalar at the start of `text`, and how many characters it took.
 * Declined: a double-quoted one with escapes, one that does not close on its line, and brackets
 * inside quotes (the full reader's nesting check counts brackets in a way this does not repeat).
 */
function quotedScalar(text: string): { value: string; length: number } | Declined {
  const quote = text[0]!;
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        value += "'";
        i++;
        continue;
      }
      return { value, length: i + 1 };
    }
    if (c === '[' || c === ']' || c === '{' || c === '}') return DECLINE;
    value += c;
  }
  return DECLINE;
}

/** A plain scalar, resolved by the core schema; DECLINE for what this does not resolve itself. */
function plainScalar(text: string): unknown {
  if (!PLAIN.test(text) || text.endsWith(':') || text.includes(': ')) return DECLINE;
  if (!mayResolve(text)) return text;
  if (CORE_NULL.test(text)) return null;
  if (CORE_BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (CORE_NUMBER.some((test) => test.test(text))) {
    if (!CANONICAL_INT.test(text)) return DECLINE;
    const number = Number(text);
    return Number.isSafeInteger(number) ? number : DECLINE;
  }
  return text;
}

/**
 * The flow mapping of scalars and flow mappings that starts at `text[start]` (`{`), on one line:
 * `{ requests: { cpu: 50m }, limits: { cpu: 200m } }`, and the index after its `}`.
 */
function flowMapping(text: string, start: number, depth: number, limits: PlainStackYamlLimits): { value: Record<string, unknown>; end: number } | Declined {
  if (depth > limits.maxDepth) return DECLINE;
  const map: Record<string, unknown> = {};
  let i = skipSpaces(text, start + 1);
  if (text[i] === '}') return { value: map, end: i + 1 };
  for (;;) {
    const key = FLOW_KEY.exec(text.slice(i))?.[0];
    if (key === undefined || !acceptableKey(key) || Object.hasOwn(map, key) || text[i + key.length] !== ':' || text[i + key.length + 1] !== ' ') return DECLINE;
    i = skipSpaces(text, i + key.length + 2);
    const c = text[i];
    if (c === '{') {
      const nested = flowMapping(text, i, depth + 1, limits);
      if (nested === DECLINE) return DECLINE;
      map[key] = nested.value;
      i = nested.end;
    } else if (c === "'" || c === '"') {
      const quoted = quotedScalar(text.slice(i));
      if (quoted === DECLINE) return DECLINE;
      map[key] = quoted.value;
      i += quoted.length;
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '}') end++;
      const plain = trimSpacesEnd(text.slice(i, end));
      if (plain.includes(':')) return DECLINE;
      const value = plainScalar(plain);
      if (value === DECLINE) return DECLINE;
      map[key] = value;
      i = end;
    }
    i = skipSpaces(text, i);
    if (text[i] === '}') return { value: map, end: i + 1 };
    if (text[i] !== ',') return DECLINE;
    i = skipSpaces(text, i + 1);
    // A trailing comma, or an empty item.
    if (text[i] === '}' || text[i] === ',') return DECLINE;
  }
}

/** Spaces only: `trim()` would also take the other whitespace (U+00A0 ...), which YAML keeps as content. */
function skipSpaces(text: string, i: number): number {
  while (text[i] === ' ') i++;
  return i;
}

function trimSpacesEnd(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === ' ') end--;
  return text.slice(0, end);
}

/** A string that YAML writes without quotes: safe characters, `:` only between them, no spaces. */
const PLAIN_WRITTEN = /^[A-Za-z0-9_][A-Za-z0-9_./@+=-]*(?::[A-Za-z0-9_./@+=-]+)*$/;

/**
 * The text `yaml`'s `stringify` gives for `value` when it is a plain scalar that reads back as the
 * same string (a tag like `v1.4.2`, a digest `sha256:…`), so an in-place edit needs no yaml
 * package; undefined for anything else, which the caller writes with `stringify`
 * (test/model/plain-stack-yaml.test.ts compares the two on fuzzed strings).
 */
export function plainScalarText(value: string): string | undefined {
  if (!PLAIN_WRITTEN.test(value) || CORE_NULL.test(value) || CORE_BOOL.test(value) || CORE_NUMBER.some((test) => test.test(value))) return undefined;
  return value;
}

/**
 * A small, fast YAML emitter for plain JSON data (the rendered manifests). The `yaml` package
 * builds a document tree per file, which dominated render time; this writes block YAML directly.
 * Strings are written plain only when no YAML 1.1 or 1.2 reader could take them for anything but
 * that string; otherwise they are double-quoted (JSON escapes are valid YAML). Tested by
 * round-tripping through the `yaml` parser, and byte for byte against its earlier, slower form
 * (test/render/yaml-emit-equivalence.test.ts).
 */

const PLAIN = /^[A-Za-z0-9_./$][A-Za-z0-9_./$%@=+()*-]*(?:(?::(?=[^\s])|[ ]+)[A-Za-z0-9_./$%@=+()*-]+)*$/;
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
const NUMBER_LIKE = /^(?:[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?|0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+|[-+]?\.(?:inf|nan)|\d[\d_]*(?::[0-5]?\d)+(?:\.\d*)?)$/i;
const DATE_LIKE = /^\d{4}-\d\d?-\d\d?/;

function isPlainSafe(s: string): boolean {
  return s !== '' && PLAIN.test(s) && !RESERVED.test(s) && !NUMBER_LIKE.test(s) && !DATE_LIKE.test(s);
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return isPlainSafe(value) ? value : JSON.stringify(value);
  throw new Error(`cannot write a ${typeof value} as a YAML scalar`);
}

/** A multi-line string as a literal block, when it can be written so exactly. */
function literalBlock(value: string, indent: string): string | undefined {
  if (!value.includes('\n') || /[\r\t]/.test(value) || /[ ]\n|[ ]$/.test(value) || value.startsWith(' ') || value.startsWith('\n')) return undefined;
  if (value.endsWith('\n\n')) return undefined;
  const chomp = value.endsWith('\n') ? '|' : '|-';
  const body = (value.endsWith('\n') ? value.slice(0, -1) : value).split('\n');
  return `${chomp}\n${body.map((line) => (line === '' ? '' : `${indent}${line}`)).join('\n')}`;
}

function isCollection(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

/** No element, or no own enumerable key (`Object.keys(value).length === 0`, without the array). */
function isEmpty(value: Record<string, unknown> | unknown[]): boolean {
  if (Array.isArray(value)) return value.length === 0;
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}

// A render writes the same keys and many of the same values thousands of times; deciding how to
// write a string (four regular expressions) once per distinct string is a tenth of the emit.
const STRING_CACHE = new Map<string, string>();
const STRING_CACHE_LIMIT = 100_000;

function stringScalar(value: string): string {
  let written = STRING_CACHE.get(value);
  if (written === undefined) {
    written = isPlainSafe(value) ? value : JSON.stringify(value);
    if (STRING_CACHE.size >= STRING_CACHE_LIMIT) STRING_CACHE.clear();
    STRING_CACHE.set(value, written);
  }
  return written;
}

/**
 * Appends `value` as a block at `indent` to `out`; the first line has no indent (the caller
 * placed it). Pieces go to one array joined once at the end: building each nested block as its
 * own string copied every line once per level.
 */
function writeBlock(out: string[], value: Record<string, unknown> | unknown[], indent: string): void {
  const inner = `${indent}  `;
  const separator = `\n${indent}`;
  let first = true;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (!first) out.push(separator);
      first = false;
      out.push('- ');
      writeInline(out, item, inner);
    }
    return;
  }
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === undefined) continue;
    if (!first) out.push(separator);
    first = false;
    const k = stringScalar(key);
    if (isCollection(item) && !isEmpty(item)) {
      // Sequences under a key are indented, like the yaml package's default.
      out.push(k, ':\n', inner);
      writeBlock(out, item, inner);
    } else {
      out.push(k, ': ');
      writeInline(out, item, inner);
    }
  }
}

/** Appends a value after `key: ` or `- `. */
function writeInline(out: string[], value: unknown, indent: string): void {
  if (isCollection(value)) {
    if (isEmpty(value)) out.push(Array.isArray(value) ? '[]' : '{}');
    else writeBlock(out, value, indent);
    return;
  }
  if (typeof value === 'string') {
    const literal = value.includes('\n') ? literalBlock(value, indent) : undefined;
    out.push(literal ?? stringScalar(value));
    return;
  }
  out.push(scalar(value));
}

/** The document for `value` (a mapping or sequence of plain JSON data), ending in a newline. */
export function emitYaml(value: unknown): string {
  if (!isCollection(value)) return `${scalar(value)}\n`;
  if (isEmpty(value)) return Array.isArray(value) ? '[]\n' : '{}\n';
  const out: string[] = [];
  writeBlock(out, value, '');
  out.push('\n');
  return out.join('');
}

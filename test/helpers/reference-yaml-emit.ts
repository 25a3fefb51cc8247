/**
 * The YAML emitter as it was before lib/render/yaml-emit.ts was rewritten for speed (one output
 * buffer, cached scalars), kept verbatim as the oracle of test/render/yaml-emit-equivalence.test.ts:
 * the rewrite must write exactly these bytes.
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

function isEmpty(value: Record<string, unknown> | unknown[]): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function entries(value: Record<string, unknown>): [string, unknown][] {
  return Object.entries(value).filter(([, v]) => v !== undefined);
}

/** Lines of `value` as a block at `indent`; the first line has no indent (the caller places it). */
function block(value: Record<string, unknown> | unknown[], indent: string): string {
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      lines.push(`- ${inline(item, `${indent}  `, true)}`);
    }
  } else {
    for (const [key, item] of entries(value)) {
      const k = scalar(key);
      if (isCollection(item) && !isEmpty(item)) {
        // Sequences under a key are indented, like the yaml package's default.
        lines.push(`${k}:\n${indent}  ${block(item, `${indent}  `)}`);
      } else {
        lines.push(`${k}: ${inline(item, `${indent}  `, false)}`);
      }
    }
  }
  return lines.join(`\n${indent}`);
}

/** A value after `key: ` or `- `. */
function inline(value: unknown, indent: string, inSequence: boolean): string {
  if (isCollection(value)) {
    if (isEmpty(value)) return Array.isArray(value) ? '[]' : '{}';
    return block(value, indent);
  }
  if (typeof value === 'string') {
    const literal = literalBlock(value, inSequence ? indent : indent);
    if (literal) return literal;
  }
  return scalar(value);
}

/** The document for `value` (a mapping or sequence of plain JSON data), ending in a newline. */
export function referenceEmitYaml(value: unknown): string {
  if (!isCollection(value)) return `${scalar(value)}\n`;
  if (isEmpty(value)) return Array.isArray(value) ? '[]\n' : '{}\n';
  return `${block(value, '')}\n`;
}

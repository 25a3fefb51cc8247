/**
 * Where a scalar of a block-mapping path sits in a stack file of the plain subset
 * (model/plain-stack-yaml.ts), so an editor can replace it in place without building the `yaml`
 * package's document (about 0.4 s for a 2,000-service file). Only for a text that
 * `readPlainStackYaml` accepted: it relies on that subset (block mappings of simple keys, no tabs,
 * no escapes, one-line values) and finds exactly the range the full parser gives the scalar
 * (test/model/plain-stack-yaml-span.test.ts compares them).
 */

/** The scalar's text range and style, as the `yaml` package's node gives them (`range[0]`, `range[1]`, `type`). */
export interface ScalarSpan {
  readonly start: number;
  readonly end: number;
  readonly type: 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE';
}

const BLOCK_KEY = /^([A-Za-z_][A-Za-z0-9_./-]*(?::[A-Za-z0-9_./-]+)*):(?= |$)/;

/**
 * The span of the scalar at `path` (keys of nested block mappings from the root), or undefined
 * when the path is missing or leads to anything but a scalar on its key's line.
 */
export function plainScalarSpan(text: string, path: readonly string[]): ScalarSpan | undefined {
  if (path.length === 0) return undefined;
  let depth = 0;
  let parentIndent = -1;
  let childIndent: number | undefined;
  let offset = 0;
  for (const line of text.split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    let indent = 0;
    while (line.charCodeAt(indent) === 32) indent++;
    if (indent === line.length || line.charCodeAt(indent) === 35 /* # */) continue;
    if (indent <= parentIndent) return undefined; // the block of the last key found ended without the next key
    childIndent ??= indent;
    if (indent !== childIndent) continue; // inside a sibling's block
    const match = BLOCK_KEY.exec(line.slice(indent));
    if (!match || match[1] !== path[depth]) continue;
    let at = indent + match[0].length;
    while (line.charCodeAt(at) === 32) at++;
    const rest = line.slice(at);
    if (depth < path.length - 1) {
      if (rest !== '' && !rest.startsWith('#')) return undefined; // a value where a mapping must be
      depth++;
      parentIndent = indent;
      childIndent = undefined;
      continue;
    }
    if (rest === '' || rest.startsWith('#') || rest.startsWith('{') || rest.startsWith('[')) return undefined;
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      let close = 1;
      for (; close < rest.length; close++) {
        if (rest[close] !== quote) continue;
        if (quote === "'" && rest[close + 1] === "'") close++;
        else break;
      }
      if (close >= rest.length) return undefined;
      return { start: lineStart + at, end: lineStart + at + close + 1, type: quote === "'" ? 'QUOTE_SINGLE' : 'QUOTE_DOUBLE' };
    }
    const comment = rest.indexOf(' #');
    const value = (comment < 0 ? rest : rest.slice(0, comment)).replace(/ +$/, '');
    return { start: lineStart + at, end: lineStart + at + value.length, type: 'PLAIN' };
  }
  return undefined;
}

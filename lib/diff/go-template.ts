/**
 * The subset of Go's text/template that ferry evaluates, byte for byte as Argo CD renders
 * ApplicationSet templates (goTemplate: true, missingkey=error, sprig functions). Anything outside
 * the subset is refused with a {@link GoTemplateError} naming the construct, never approximated;
 * test/conformance checks the subset against the real engine (tools/gotemplate).
 *
 * Evaluated: text; `{{.key}}`; `{{if C}}`, `{{else}}`, `{{end}}` where C is `.key`, `not A`,
 * `eq A B` or `ne A B` and A, B are `.key`, "string", `raw string`, true or false; `{{-` and `-}}`
 * trimming (ASCII space, \t, \r, \n only, as Go).
 */

/** Yields no value: the evaluator refuses a template that reads it (e.g. a slug ferry cannot compute exactly). */
export class UnavailableValue {
  public constructor(public readonly reason: string) {}
}

/** A generator parameter as Argo CD holds it: decoded JSON, numbers being Go float64s. */
export type TemplateValue =
  | string
  | number
  | boolean
  | null
  | UnavailableValue
  | readonly TemplateValue[]
  | { readonly [key: string]: TemplateValue };

export type TemplateParams = Readonly<Record<string, TemplateValue>>;

/** A template ferry cannot render: Go fails on it too, or (unsupported) ferry does not evaluate the construct. */
export class GoTemplateError extends Error {
  public constructor(message: string, public readonly unsupported: boolean) {
    super(message);
    this.name = 'GoTemplateError';
  }
}

type Token =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'ident'; readonly name: string }
  | { readonly kind: 'string'; readonly value: string };

type Operand = Token;
type Condition =
  | { readonly op: 'truth'; readonly arg: Operand }
  | { readonly op: 'not'; readonly arg: Operand }
  | { readonly op: 'eq' | 'ne'; readonly args: readonly [Operand, Operand] };
type Node =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'print'; readonly key: string }
  | { readonly type: 'if'; readonly cond: Condition; readonly source: string; readonly then: Node[]; else: Node[] | undefined };

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAsciiWord = (c: string | undefined) => c !== undefined && /^[A-Za-z0-9_]$/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

function trimLeft(s: string): string {
  let i = 0;
  while (isSpace(s[i])) i++;
  return s.slice(i);
}

function trimRight(s: string): string {
  let i = s.length;
  while (i > 0 && isSpace(s[i - 1])) i--;
  return s.slice(0, i);
}

/** Go's interpreted string literal, for the escapes whose meaning is unambiguous; the rest are refused. */
function unquote(body: string, fail: (what: string, unsupported: boolean) => never): string {
  const simple: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') {
      out += body[i];
      continue;
    }
    const e = body[++i]!;
    if (e in simple) out += simple[e];
    else fail(`escape \\${e} in a string literal`, true);
  }
  return out;
}

/** Splits a template into text and actions the way Go's lexer does, applying trim markers. */
function lex(template: string, failIn: (source: string, what: string, unsupported: boolean) => never): (string | { tokens: Token[]; source: string })[] {
  const items: (string | { tokens: Token[]; source: string })[] = [];
  let pos = 0;
  let trimNext = false;
  for (;;) {
    const open = template.indexOf('{{', pos);
    let text = template.slice(pos, open < 0 ? undefined : open);
    if (trimNext) text = trimLeft(text);
    if (open < 0) {
      if (text) items.push(text);
      return items;
    }
    let i = open + 2;
    // A left trim marker is '-' followed by an ASCII space; `{{-.x}}` starts the number "-.x" instead.
    if (template[i] === '-' && isSpace(template[i + 1])) {
      text = trimRight(text);
      i += 2;
    }
    if (text) items.push(text);
    const start = i;
    const close = template.indexOf('}}', start);
    const fail = (what: string, unsupported: boolean): never => failIn(template.slice(start, close < 0 ? undefined : close).trim(), what, unsupported);
    if (template.startsWith('/*', i)) fail('comment {{/* */}}', true);
    const tokens: Token[] = [];
    let end: number;
    for (;;) {
      const c = template[i];
      if (c === undefined) fail('unclosed action', false);
      if (isSpace(c) && template[i + 1] === '-' && template.startsWith('}}', i + 2)) {
        end = i;
        i += 4;
        trimNext = true;
        break;
      }
      if (template.startsWith('}}', i)) {
        end = i;
        i += 2;
        trimNext = false;
        break;
      }
      if (isSpace(c)) {
        i++;
      } else if (c === '"') {
        let j = i + 1;
        for (; template[j] !== '"'; j++) {
          if (template[j] === '\\' && template[j + 1] !== undefined && template[j + 1] !== '\n') j++;
          else if (template[j] === undefined || template[j] === '\n' || template[j] === '\\') fail('unterminated quoted string', false);
        }
        tokens.push({ kind: 'string', value: unquote(template.slice(i + 1, j), fail) });
        i = j + 1;
      } else if (c === '`') {
        const j = template.indexOf('`', i + 1);
        if (j < 0) fail('unterminated raw quoted string', false);
        // Go drops carriage returns from raw strings.
        tokens.push({ kind: 'string', value: template.slice(i + 1, j).replaceAll('\r', '') });
        i = j + 1;
      } else if (c === '+' || c === '-') {
        if (isDigit(template[i + 1]) || (template[i + 1] === '.' && isDigit(template[i + 2]))) fail('number literal', true);
        fail(`bad number syntax at '${template.slice(i, i + 3)}'`, false);
      } else if (isDigit(c) || (c === '.' && isDigit(template[i + 1]))) {
        fail('number literal', true);
      } else if (c === '.' || isAsciiWord(c)) {
        let j = i + 1;
        while (isAsciiWord(template[j])) j++;
        const name = template.slice(c === '.' ? i + 1 : i, j);
        const next = template[j];
        if (c === '.' && name === '') fail('{{.}} (the whole parameter map)', true);
        if (next !== undefined && !isSpace(next) && !template.startsWith('}}', j)) {
          if ('.,|:()'.includes(next)) fail(next === '.' ? `chained field .${name}.` : `'${next}' after ${c === '.' ? '.' : ''}${name}`, true);
          if (next.charCodeAt(0) >= 0x80) fail(`non-ASCII name ${template.slice(i, j + 1)}`, true);
          fail(`bad character '${next}' after ${template.slice(i, j)}`, false);
        }
        tokens.push(c === '.' ? { kind: 'field', name } : { kind: 'ident', name });
        i = j;
      } else {
        fail(`character '${c}' in an action`, true);
      }
    }
    items.push({ tokens, source: template.slice(start, end).trim() });
    pos = i;
  }
}

function describe(tokens: readonly Token[]): string {
  return tokens.map((t) => (t.kind === 'field' ? `.${t.name}` : t.kind === 'ident' ? t.name : JSON.stringify(t.value))).join(' ');
}

function operand(t: Token | undefined, fail: (what: string, unsupported: boolean) => never): Operand {
  if (t === undefined) fail('missing operand', true);
  if (t.kind === 'ident' && t.name !== 'true' && t.name !== 'false') fail(`function or keyword '${t.name}' as an operand`, true);
  return t;
}

function condition(tokens: readonly Token[], fail: (what: string, unsupported: boolean) => never): Condition {
  const [head, ...args] = tokens;
  if (head === undefined) fail('missing value for if', false);
  if (head.kind === 'field' && args.length === 0) return { op: 'truth', arg: head };
  if (head.kind === 'ident' && head.name === 'not' && args.length === 1) return { op: 'not', arg: operand(args[0], fail) };
  if (head.kind === 'ident' && (head.name === 'eq' || head.name === 'ne') && args.length === 2) {
    return { op: head.name, args: [operand(args[0], fail), operand(args[1], fail)] };
  }
  return fail(`condition {{if ${describe(tokens)}}}; ferry evaluates .key, not A, eq A B and ne A B`, true);
}

/** Parses the whole template first: Go rejects a malformed template before executing any of it. */
function parse(template: string, where: string): Node[] {
  let source = '';
  const fail = (what: string, unsupported: boolean): never => {
    const action = source ? ` {{${source}}}` : '';
    throw new GoTemplateError(
      unsupported
        ? `${where}: unsupported template action${action}: ${what}; ferry evaluates {{.key}}, {{if .key|not A|eq A B|ne A B}}, {{else}} and {{end}}`
        : `${where}: template error${action}: ${what}`,
      unsupported,
    );
  };
  const root: Node[] = [];
  const open: Extract<Node, { type: 'if' }>[] = [];
  const current = () => {
    const top = open[open.length - 1];
    return top ? (top.else ?? top.then) : root;
  };
  const failIn = (action: string, what: string, unsupported: boolean): never => {
    source = action;
    return fail(what, unsupported);
  };
  for (const item of lex(template, failIn)) {
    if (typeof item === 'string') {
      current().push({ type: 'text', text: item });
      continue;
    }
    source = item.source;
    const [head, ...rest] = item.tokens;
    if (head === undefined) fail('missing value for command', false);
    if (head.kind === 'field' && rest.length === 0) {
      current().push({ type: 'print', key: head.name });
    } else if (head.kind === 'ident' && head.name === 'if') {
      const node: Extract<Node, { type: 'if' }> = { type: 'if', cond: condition(rest, fail), source, then: [], else: undefined };
      current().push(node);
      open.push(node);
    } else if (head.kind === 'ident' && head.name === 'else') {
      if (rest.length > 0) fail(`{{else ${describe(rest)}}}`, true);
      const top = open[open.length - 1];
      if (!top) fail('{{else}} without {{if}}', false);
      if (top.else) fail('second {{else}} in one {{if}}', false);
      top.else = [];
    } else if (head.kind === 'ident' && head.name === 'end') {
      if (rest.length > 0) fail(`{{end ${describe(rest)}}}`, true);
      if (!open.pop()) fail('{{end}} without {{if}}', false);
    } else {
      fail(`{{${describe(item.tokens)}}}`, true);
    }
    source = '';
  }
  if (open.length > 0) throw new GoTemplateError(`${where}: {{if}} without {{end}} ({{${open[open.length - 1]!.source}}})`, false);
  return root;
}

/** Go's fmt %v of a float64 (Argo CD decodes JSON numbers as float64): shortest digits, %e for exponents below -4 or from 6 up (strconv %g with shortest precision). */
export function formatGoFloat(n: number): string {
  const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  const exp = Number(exponent);
  if (exp < -4 || exp >= 6) {
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fraction = digits.slice(exp + 1);
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** Go's fmt %v of a decoded JSON value. */
function formatValue(v: TemplateValue, refuse: (what: string) => never, nested: boolean): string {
  if (v instanceof UnavailableValue) return refuse(v.reason);
  if (v === null) return nested ? '<nil>' : refuse('a null parameter (Go prints <no value>)');
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Object.is(v, -0)) return refuse(`the number ${Object.is(v, -0) ? '-0' : v}, which JSON cannot carry to Argo CD as is`);
    return formatGoFloat(v);
  }
  if (Array.isArray(v)) return `[${v.map((e) => formatValue(e as TemplateValue, refuse, true)).join(' ')}]`;
  // fmt sorts map keys bytewise.
  const entries = Object.entries(v as Record<string, TemplateValue>).sort(([a], [b]) => Buffer.compare(utf8(a), utf8(b)));
  return `map[${entries.map(([k, e]) => `${k}:${formatValue(e, refuse, true)}`).join(' ')}]`;
}

/**
 * Renders one Go template as Argo CD would (missingkey=error) over typed parameters. Throws a
 * {@link GoTemplateError} when Go would fail, or when the template leaves ferry's subset.
 */
export function goTemplate(template: string, params: TemplateParams, where: string): string {
  const nodes = parse(template, where);
  const goError = (what: string): never => {
    throw new GoTemplateError(`${where}: ${what}`, false);
  };
  const refuse = (what: string): never => {
    throw new GoTemplateError(`${where}: unsupported template value: ${what}`, true);
  };
  const lookup = (key: string): TemplateValue => {
    if (!Object.prototype.hasOwnProperty.call(params, key)) {
      return goError(`template uses {{.${key}}} but the generator gives only ${Object.keys(params).sort().join(', ')} (missingkey=error)`);
    }
    const value = params[key]!;
    if (value instanceof UnavailableValue) return refuse(`.${key}: ${value.reason}`);
    return value;
  };
  const evaluate = (o: Operand): TemplateValue => (o.kind === 'field' ? lookup(o.name) : o.kind === 'string' ? o.value : o.name === 'true');
  const truth = (v: TemplateValue): boolean => {
    if (v === null) return refuse('a null parameter in a condition');
    if (typeof v === 'string') return v.length > 0;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    if (Array.isArray(v)) return v.length > 0;
    return Object.keys(v).length > 0;
  };
  const kind = (v: TemplateValue) => (v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v);
  const test = (c: Condition): boolean => {
    if (c.op === 'truth') return truth(evaluate(c.arg));
    if (c.op === 'not') return !truth(evaluate(c.arg));
    const [a, b] = [evaluate(c.args[0]), evaluate(c.args[1])];
    const [ka, kb] = [kind(a), kind(b)];
    if (ka === 'null' || kb === 'null') return refuse(`a null parameter in ${c.op}`);
    if (ka === 'list' || ka === 'object' || kb === 'list' || kb === 'object') return goError(`template error: error calling ${c.op}: ${ka === kb ? 'non-comparable type' : 'incompatible types for comparison'} (${ka}, ${kb})`);
    if (ka !== kb) return goError(`template error: error calling ${c.op}: incompatible types for comparison (${ka}, ${kb})`);
    return (a === b) === (c.op === 'eq');
  };
  const run = (list: readonly Node[]): string => {
    let out = '';
    for (const node of list) {
      if (node.type === 'text') out += node.text;
      else if (node.type === 'print') out += formatValue(lookup(node.key), (what) => refuse(`{{.${node.key}}}: ${what}`), false);
      else if (test(node.cond)) out += run(node.then);
      else if (node.else) out += run(node.else);
    }
    return out;
  };
  return run(nodes);
}

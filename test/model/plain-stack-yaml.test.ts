import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { plainScalarText, readPlainStackYaml } from '../../model/plain-stack-yaml.js';
import { MAX_STACK_FILE_DEPTH, parseStackYaml, stackDocumentValue, stackYamlValue } from '../../model/stack-yaml.js';
import { serviceName, stackConfig, syntheticTag } from '../../bench/synthetic.js';
import { seededRandom, type SeededRandom } from '../helpers/seeded-random.js';

const LIMITS = { maxDepth: MAX_STACK_FILE_DEPTH, maxIndent: MAX_STACK_FILE_DEPTH * 8 };
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SEED = Number(process.env.FERRY_FUZZ_SEED ?? 20261202);

/** What the full reader (the yaml package) makes of `text`: its value, or its error. */
function fullRead(text: string): { value: unknown } | { error: string } {
  try {
    return { value: stackDocumentValue(parseStackYaml(text, 'Pulumi.x.yaml'), 'Pulumi.x.yaml') };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * Where two values differ: type, prototype, key order, or value (jest's equality reads an own
 * `constructor` key as the object's class, which a stack file may well have).
 */
function difference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a !== typeof b || (a === null) !== (b === null)) return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  if (typeof a !== 'object' || a === null) return Object.is(a, b) ? undefined : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: another prototype`;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b as object);
  if (keysA.join('\n') !== keysB.join('\n')) return `${path}: keys ${JSON.stringify(keysA)} vs ${JSON.stringify(keysB)}`;
  for (const key of keysA) {
    const found = difference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/** The plain reader's value is exactly the full reader's. */
function expectSameValue(text: string, plain: unknown) {
  const full = fullRead(text);
  if ('error' in full) throw new Error(`the plain reader accepted a file the full reader refuses (${full.error}):\n${text}`);
  expect(difference(plain, full.value)).toBeUndefined();
}

const KEYS = ['config', 'ferry:images', 'aws:region', 'api', 'web', 'svc-001', 'a.b', 'a/b', '_k', 'DATABASE_HOST', 'constructor', 'true', 'False', 'null', 'NULL', '__proto__', '1abc', 'a b', "'q'", '"d"', 'k:', 'x:y:z', '-k', '? k', 'é'];
const SCALARS = [
  'sha-1a2b3c4d', 'v1.2.3', 'v1.3.2-rc.1', '1.0.0', '0', '7', '10', '3000', '007', '-1', '+1', '1e3', '1.5', '.5', '1.', '0x1F', '0o17', '.inf', '.nan',
  'true', 'True', 'TRUE', 'tRue', 'false', 'yes', 'no', 'on', 'null', 'Null', '~', '', 'a b', 'a  b', 'a: b', 'a:b', 'a:', 'http://x.example/z', '#x', 'a #b', 'a#b',
  "'quoted'", "'it''s'", "''", '""', '"dq"', '"a\\"b"', "'['", "'a # b'", "'unclosed", '"unclosed', '{ a: b }', '{a: b}', '{ secret: api-database, key: password }', '{ a: b, }',
  '{ a: }', '{ a:b }', "{ a: 'x, y' }", '{ a: 1, b: true }', '{ a: b, a: c }', '{ requests: { cpu: 50m, memory: 64Mi }, limits: { cpu: 200m } }', '{ a: { b: { c: d } } }', '{ a: {}, b: x }', '{ a: { b: c }', '{ a: { b: c } } }', "{ a: 'x', b: \"y\" }", '{ a: b c }', '{ a: -1 }', '{ a: [] }', '{}', '[]', '[ ]', '[a]', '- a', '&a x', '*a', '!!str 1', '|', '>', '%x', '@x', '`x`', 'é',
  '12345678901234567890', '9007199254740993', 'db-0.dev.internal', '100m', '128Mi', 'a,b', 'a[b]', '_x', '/path', 'a=b', 'a+b', 'a@b', 'eu-west-1', '{ a: b } # c', "'x' # c", "'x'#c", 'x # c',
];

/** A stack-file-like text: nested mappings of keys and scalars, comments, blank lines, and now and then a flaw. */
function generate(random: SeededRandom): string {
  const lines: string[] = [];
  const mapping = (indent: number, depth: number) => {
    const step = random.chance(0.97) ? 2 : random.pick([1, 3, 4]);
    for (let i = random.int(4) + 1; i > 0; i--) {
      if (random.chance(0.1)) lines.push(random.chance(0.5) ? '' : `${' '.repeat(random.int(indent + 3))}# a comment: 'x' [ {`);
      const key = random.chance(0.85) ? random.pick(KEYS.slice(0, 10)) : random.pick(KEYS);
      const at = random.chance(0.98) ? indent : indent + random.pick([-1, 1, 2]);
      if (depth < 5 && random.chance(0.35)) {
        lines.push(`${' '.repeat(Math.max(0, at))}${key}:${random.chance(0.1) ? ' # nested' : random.chance(0.05) ? '  ' : ''}`);
        mapping(indent + step, depth + 1);
      } else {
        const scalar = random.chance(0.75) ? random.pick(SCALARS.slice(0, 10)) : random.pick(SCALARS);
        lines.push(`${' '.repeat(Math.max(0, at))}${key}:${scalar === '' && random.chance(0.5) ? '' : ` ${scalar}`}${random.chance(0.1) ? ' # trailing' : ''}`);
        if (random.chance(0.01)) lines.push(`${' '.repeat(indent + step)}continued`);
      }
    }
  };
  mapping(0, 0);
  let text = lines.join('\n') + (random.chance(0.9) ? '\n' : '');
  if (random.chance(0.2)) {
    const at = random.int(text.length + 1);
    text = random.chance(0.5) ? text.slice(0, at) + random.pick([' ', '\t', '#', ':', "'", '"', '{', '}', '[', ']', ',', '-', '\n', '\\', '\r', '&', '\u00a0']) + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
  }
  return text;
}

test('on fuzzed files the plain reader gives the yaml package value or declines, never another value', () => {
  const random = seededRandom(SEED);
  let read = 0;
  const count = 6000;
  for (let i = 0; i < count; i++) {
    const text = generate(random);
    const plain = readPlainStackYaml(text, LIMITS);
    if (plain === undefined) continue;
    read++;
    try {
      expectSameValue(text, plain);
    } catch (e) {
      throw new Error(`seed ${SEED}, file ${i}: ${(e as Error).message}\n--- file ---\n${text}`);
    }
  }
  // The check means something only if the reader takes a good share of the files.
  expect(read).toBeGreaterThan(count / 8);
});

test('stack files as ferry writes them are read by the plain reader, to the same value', () => {
  const files: string[] = [];
  for (const dir of ['.', 'test/fixtures/shop', 'test/fixtures/regional', 'test/fixtures/helm', 'test/fixtures/canary-prometheus', 'examples/dex', 'examples/kdu-blueprint']) {
    for (const name of readdirSync(join(REPO, dir))) if (/^Pulumi\..+\.yaml$/.test(name)) files.push(readFileSync(join(REPO, dir, name), 'utf8'));
  }
  const services = Array.from({ length: 20 }, (_, i) => serviceName(i));
  files.push(`config:\n  aws:region: eu-west-1\n  ferry:images:\n${services.map((s, i) => `    ${s}: ${syntheticTag(i, 1)}`).join('\n')}\n${stackConfig(services, 'qa', 1)}`);
  expect(files.length).toBeGreaterThan(20);
  for (const text of files) {
    const plain = readPlainStackYaml(text, LIMITS);
    // Helm values hold sequences, which the full reader reads.
    if (text.includes('ferry:charts:')) continue;
    expect(plain).toBeDefined();
    expectSameValue(text, plain);
  }
});

test('what the plain reader declines', () => {
  const declined = [
    'a: 1\na: 2\n', // a duplicate key: the full reader names it
    'a:\n  - x\n', // sequences
    'a: 1.5\n', // numbers other than canonical integers
    'a: 007\n',
    'a: "x\\ty"\n', // escapes
    'a: b\n  c\n', // a continued plain scalar
    'a: &x 1\n', // anchors
    'a: 1\r\n', // CRLF
    'true: 1\n', // a key that is no string
    '__proto__: 1\n',
    '',
    `${Array.from({ length: 17 }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n')} 1\n`, // deeper than the limit
    `${' '.repeat(130)}# indented past the limit\na: 1\n`,
  ];
  for (const text of declined) expect(readPlainStackYaml(text, LIMITS)).toBeUndefined();
  expect(readPlainStackYaml("a: ''\nb: 'it''s'\nc: { secret: s, key: k }\nd: []\ne: {}\nf: true\ng: 3000\nh:\nr: { requests: { cpu: 50m }, limits: {} }\n", LIMITS)).toStrictEqual({
    a: '',
    b: "it's",
    c: { secret: 's', key: 'k' },
    d: [],
    e: {},
    f: true,
    g: 3000,
    h: null,
    r: { requests: { cpu: '50m' }, limits: {} },
  });
});

test('stackYamlValue gives the full reader errors for files the plain reader declines', () => {
  expect(() => stackYamlValue('config:\n  ferry:images:\n    api: a\n    api: b\n', 'Pulumi.dev.yaml')).toThrow(
    "Pulumi.dev.yaml: not valid YAML at line 4 (near key 'api'): Map keys must be unique",
  );
});

describe('plainScalarText', () => {
  test.each(['v1.4.2', 'sha-1a2b3c4d', 'sha256:1111111111111111111111111111111111111111111111111111111111111111', '1.2.3', '2026-12-02', 'yes', 'on', 'a:b:c', 'x_y=z+1@2'])('%s is written plain, as stringify writes it', (value) => {
    expect(plainScalarText(value)).toBe(value);
    expect(YAML.stringify(value, { lineWidth: 0 }).trimEnd()).toBe(value);
  });

  test.each(['', 'true', 'Null', '~', '123', '0x1F', '0o17', '1e5', '.5', '.inf', 'a:', 'a: b', 'a #b', ' a', '-a', 'a b', "it's", 'a\n'])('%j is left to stringify', (value) => {
    expect(plainScalarText(value)).toBeUndefined();
  });

  test('on fuzzed strings, whatever it writes is what stringify writes', () => {
    const r = seededRandom(SEED + 7);
    const alphabet = ['a', 'Z', '0', '9', '.', '-', '_', ':', '/', '@', '+', '=', ' ', '#', "'", '"', 'e', 'x', 'o', 'n', 'u', 'l', 't', 'r'];
    let written = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const value = Array.from({ length: 1 + r.int(10) }, () => r.pick(alphabet)).join('');
      const text = plainScalarText(value);
      if (text === undefined) continue;
      written++;
      if (text !== YAML.stringify(value, { lineWidth: 0 }).trimEnd()) disagreements.push(value);
    }
    expect(disagreements).toEqual([]);
    expect(written).toBeGreaterThan(2_000);
  });
});

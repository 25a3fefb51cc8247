import YAML, { isMap, isScalar, type Node } from 'yaml';
import { plainScalarSpan } from '../../model/plain-stack-yaml-span.js';
import { plainStackYamlValue } from '../../model/stack-yaml.js';
import { seededRandom, type SeededRandom } from '../helpers/seeded-random.js';

const SEED = Number(process.env.FERRY_FUZZ_SEED ?? 20261202);

const KEYS = ['config', 'ferry:images', 'ferry:digests', 'api', 'web', 'svc-001', 'aws:region', 'a.b', 'DATABASE_HOST'];
const VALUES = ['sha-1a2b3c4d', 'v1.2.3', "'quoted'", "'it''s'", "''", '"dq"', '""', 'a b', 'x # c', "'x' # c", '"y"  # c', '{ a: b }', '[]', '', '# only a comment', 'http://x.example/z'];

/** Nested block mappings of the keys, scalars on their key's line, comments and blank lines; keys repeat across blocks. */
function generate(random: SeededRandom): string {
  const lines: string[] = [];
  const mapping = (indent: number, depth: number) => {
    const keys = [...KEYS].sort(() => random.next() - 0.5).slice(0, 1 + random.int(4));
    for (const key of keys) {
      if (random.chance(0.1)) lines.push('');
      if (random.chance(0.1)) lines.push(`${' '.repeat(indent)}# a comment`);
      if (depth < 3 && random.chance(0.4)) {
        lines.push(`${' '.repeat(indent)}${key}:${random.chance(0.2) ? ' # opens a mapping' : ''}`);
        mapping(indent + random.pick([2, 2, 4]), depth + 1);
      } else {
        const value = random.pick(VALUES);
        lines.push(`${' '.repeat(indent)}${key}:${value === '' ? '' : ` ${value}`}${random.chance(0.2) ? '   ' : ''}`);
      }
    }
  };
  mapping(0, 0);
  return `${lines.join('\n')}\n`;
}

/** Every path of the document to a string scalar on a block mapping, with the range and style the yaml package gives it. */
function scalarPaths(node: Node | null | undefined, path: string[] = []): { path: string[]; range: [number, number]; type: string | undefined }[] {
  if (isMap(node) && node.flow) return [];
  if (!isMap(node)) return isScalar(node) && typeof node.value === 'string' && node.range ? [{ path, range: [node.range[0], node.range[1]], type: node.type }] : [];
  return node.items.flatMap((item) => (isScalar(item.key) ? scalarPaths(item.value as Node | null, [...path, String(item.key.value)]) : []));
}

test('on fuzzed plain-subset files, every scalar of a block mapping is found where the yaml package finds it, with its style', () => {
  const random = seededRandom(SEED);
  let checked = 0;
  for (let i = 0; i < 2000; i++) {
    const text = generate(random);
    if (plainStackYamlValue(text) === undefined) continue;
    const doc = YAML.parseDocument(text);
    for (const { path, range, type } of scalarPaths(doc.contents)) {
      const span = plainScalarSpan(text, path);
      const expected = type === 'PLAIN' || type === 'QUOTE_SINGLE' || type === 'QUOTE_DOUBLE' ? { start: range[0], end: range[1], type } : undefined;
      // A flow mapping's scalars are not block-mapping scalars: no span.
      if (path.length > 0 && expected === undefined) continue;
      expect([`seed ${SEED}, file ${i}`, path, span]).toEqual([`seed ${SEED}, file ${i}`, path, expected]);
      checked++;
    }
    // A key that is not there, and a path through a scalar, have no span.
    expect(plainScalarSpan(text, ['config', 'ferry:images', 'no-such-service'])).toBeUndefined();
  }
  expect(checked).toBeGreaterThan(1000);
});

test('a mapping, an empty value or a flow collection at the path is no scalar', () => {
  const text = 'config:\n  ferry:images:\n    api: { a: b }\n    web:\n    cart: []\n  ferry:digests:\n';
  for (const path of [['config'], ['config', 'ferry:images'], ['config', 'ferry:images', 'api'], ['config', 'ferry:images', 'web'], ['config', 'ferry:images', 'cart'], ['config', 'ferry:digests', 'api'], []]) {
    expect([path, plainScalarSpan(text, path)]).toEqual([path, undefined]);
  }
  expect(plainScalarSpan('config:\n  ferry:images:\n    api: v1 # pinned\n', ['config', 'ferry:images', 'api'])).toEqual({ start: 33, end: 35, type: 'PLAIN' });
});

import { deepEqual, diffFields, fieldChangeLines } from '../../lib/diff/field-diff.js';

describe('diffFields', () => {
  test('equal values have no changes, whatever the key order', () => {
    expect(diffFields({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
    expect(deepEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
  });

  test('a changed scalar is reported at its full path', () => {
    expect(diffFields({ spec: { replicas: 2 } }, { spec: { replicas: 3 } })).toEqual([{ path: 'spec.replicas', before: 2, after: 3 }]);
  });

  test('added and removed keys have undefined on the missing side, in key order', () => {
    expect(diffFields({ metadata: { b: 1 } }, { metadata: { a: { x: 1 } } })).toEqual([
      { path: 'metadata.a', before: undefined, after: { x: 1 } },
      { path: 'metadata.b', before: 1, after: undefined },
    ]);
  });

  test('list items with a unique name are matched by name, so reordering is not a change', () => {
    const env = (items: [string, string][]) => ({ env: items.map(([name, value]) => ({ name, value })) });
    expect(diffFields(env([['A', '1'], ['B', '2']]), env([['B', '2'], ['A', '1']]))).toEqual([]);
    expect(diffFields(env([['A', '1'], ['B', '2']]), env([['B', '3'], ['C', '4']]))).toEqual([
      { path: 'env[A]', before: { name: 'A', value: '1' }, after: undefined },
      { path: 'env[B].value', before: '2', after: '3' },
      { path: 'env[C]', before: undefined, after: { name: 'C', value: '4' } },
    ]);
  });

  test('lists of objects without names are compared by index', () => {
    expect(diffFields({ ports: [{ port: 80 }] }, { ports: [{ port: 8080 }, { port: 443 }] })).toEqual([
      { path: 'ports[0].port', before: 80, after: 8080 },
      { path: 'ports[1]', before: undefined, after: { port: 443 } },
    ]);
  });

  test('lists of scalars change as a whole', () => {
    expect(diffFields({ args: ['a', 'b'] }, { args: ['a', 'c'] })).toEqual([{ path: 'args', before: ['a', 'b'], after: ['a', 'c'] }]);
  });

  test('keys that are not identifiers are quoted', () => {
    expect(diffFields({ labels: { 'ferry.dev/environment': 'a' } }, { labels: { 'ferry.dev/environment': 'b' } })).toEqual([
      { path: 'labels."ferry.dev/environment"', before: 'a', after: 'b' },
    ]);
  });
});

describe('fieldChangeLines', () => {
  test('a scalar change is the path, then - before, + after', () => {
    expect(fieldChangeLines({ path: 'spec.replicas', before: 2, after: 3 })).toEqual([
      { sign: ' ', text: 'spec.replicas:' },
      { sign: '-', text: '  2' },
      { sign: '+', text: '  3' },
    ]);
  });

  test('an added subtree is its YAML, keys sorted, and nothing removed', () => {
    expect(fieldChangeLines({ path: 'metadata.annotations', before: undefined, after: { b: 'x', a: 'true' } })).toEqual([
      { sign: ' ', text: 'metadata.annotations:' },
      { sign: '+', text: '  a: "true"' },
      { sign: '+', text: '  b: x' },
    ]);
  });
});

import { countChanges, diffObjects, objectKey } from '../../lib/diff/object-diff.js';

const svc = (name: string, port: number, namespace?: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: { ports: [{ port }] },
});

test('objectKey is kind/namespace/name, or kind/name without a namespace', () => {
  expect(objectKey(svc('api', 80, 'prod'))).toBe('Service/prod/api');
  expect(objectKey({ kind: 'ClusterRole', metadata: { name: 'reader' } })).toBe('ClusterRole/reader');
});

test('objects are matched by key, not by order, and sorted by key', () => {
  const changes = diffObjects([svc('b', 80, 'x'), svc('a', 80, 'x'), svc('gone', 1, 'x')], [svc('a', 80, 'x'), svc('new', 1, 'x'), svc('b', 81, 'x')]);
  expect(changes.map((c) => [c.status, c.key])).toEqual([
    ['changed', 'Service/x/b'],
    ['removed', 'Service/x/gone'],
    ['added', 'Service/x/new'],
  ]);
  expect(changes[0]).toMatchObject({ fields: [{ path: 'spec.ports[0].port', before: 80, after: 81 }] });
  expect(countChanges(changes)).toEqual({ added: 1, changed: 1, removed: 1 });
});

test('two objects with one key on a side are an error naming it', () => {
  expect(() => diffObjects([svc('a', 80, 'x'), svc('a', 81, 'x')], [], 'Application api-prod')).toThrow(
    'Application api-prod (base): two objects are both Service/x/a',
  );
});

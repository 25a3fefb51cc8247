import { isHostName, listNames } from '../../model/names.js';
import { seededRandom } from '../helpers/seeded-random.js';

describe('listNames', () => {
  const many = Array.from({ length: 2000 }, (_, i) => `svc-${String(i).padStart(4, '0')}`);

  test('lists a short list whole', () => {
    expect(listNames(['api', 'web'], 'cart')).toBe('api, web');
  });

  test('shows the closest names first and counts the rest of a long list', () => {
    expect(listNames(many, 'svc-1999x')).toBe(`svc-1999, svc-1990, svc-1991, svc-1992, svc-1993, ${many.slice(0, 15).join(', ')} and 1980 more`);
  });
});

describe('isHostName', () => {
  /** The rule spelled out label by label: what the single expression must agree with. */
  const byLabels = (value: string): boolean => {
    const labels = value.split('.');
    return value.length <= 253 && labels.length >= 2 && labels.every((l) => l.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(l)) && /^[a-z]{2,63}$/.test(labels.at(-1)!);
  };

  test.each([
    ['api.shop.example.com', true],
    ['staging-api.shop.com', true],
    ['preview-1234567890.api.shop.com', true],
    ['localhost', false],
    ['api..shop.com', false],
    ['-api.shop.com', false],
    ['api-.shop.com', false],
    ['api.shop.c0m', false],
    ['api.shop.c', false],
    ['API.shop.com', false],
    ['api.shop.com.', false],
    ['api.shop.com\n', false],
    [`${'a'.repeat(63)}.com`, true],
    [`${'a'.repeat(64)}.com`, false],
    [`${'a.'.repeat(125)}com`, true],
    [`${'a.'.repeat(126)}com`, false],
  ])('%j: %s', (value, valid) => {
    expect(isHostName(value)).toBe(valid);
    expect(byLabels(value)).toBe(valid);
  });

  test('agrees with the label-by-label rule on fuzzed names', () => {
    const r = seededRandom(20261202);
    const alphabet = ['a', 'z', '0', '9', '-', '.', '.', 'A', '_', ' ', '\n'];
    const disagreements: string[] = [];
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const parts = Array.from({ length: 1 + r.int(4) }, () => Array.from({ length: 1 + r.int(r.chance(0.05) ? 70 : 6) }, () => (r.chance(0.9) ? r.pick(['a', 'b', 'x', '1', 'a', '-']) : r.pick(alphabet))).join(''));
      const value = parts.join('.') + (r.chance(0.7) ? `.${r.pick(['com', 'io', 'c', 'c0m', ''])}` : '');
      if (isHostName(value) !== byLabels(value)) disagreements.push(value);
      if (byLabels(value)) valid++;
    }
    expect(disagreements).toEqual([]);
    // Both answers occur often enough for the comparison to mean something.
    expect(valid).toBeGreaterThan(1_000);
    expect(valid).toBeLessThan(18_000);
  });
});

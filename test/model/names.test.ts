import { listNames } from '../../model/names.js';

describe('listNames', () => {
  const many = Array.from({ length: 2000 }, (_, i) => `svc-${String(i).padStart(4, '0')}`);

  test('lists a short list whole', () => {
    expect(listNames(['api', 'web'], 'cart')).toBe('api, web');
  });

  test('shows the closest names first and counts the rest of a long list', () => {
    expect(listNames(many, 'svc-1999x')).toBe(`svc-1999, svc-1990, svc-1991, svc-1992, svc-1993, ${many.slice(0, 15).join(', ')} and 1980 more`);
  });
});

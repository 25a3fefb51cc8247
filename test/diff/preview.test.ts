import { applyDestinationNamespace, goTemplate } from '../../lib/diff/preview.js';

describe('goTemplate', () => {
  const params = { number: '12', host: 'shop.example.com', empty: '' };

  test('substitutes {{.key}} with or without spaces', () => {
    expect(goTemplate('preview-{{.number}}.{{ .host }}', params, 'x')).toBe('preview-12.shop.example.com');
  });

  test('if ne / eq / truthy with {{- trimming', () => {
    expect(goTemplate('a\n{{- if ne .host "" }}\nb: {{.host}}\n{{- end }}\n', params, 'x')).toBe('a\nb: shop.example.com\n');
    expect(goTemplate('a\n{{- if ne .empty "" }}\nb\n{{- end }}\n', params, 'x')).toBe('a\n');
    expect(goTemplate('{{ if eq .number "12" }}yes{{ end }}{{ if .empty }}no{{ end }}', params, 'x')).toBe('yes');
  });

  test('a missing key is an error (missingkey=error), naming the keys there are', () => {
    expect(() => goTemplate('{{.branch}}', params, 'ApplicationSet p')).toThrow('ApplicationSet p: template uses {{.branch}} but the generator gives only empty, host, number');
  });

  test('unsupported actions are refused by name', () => {
    expect(() => goTemplate('{{ .number | upper }}', params, 'p')).toThrow('p: unsupported template action {{.number | upper}}');
    expect(() => goTemplate('{{ if .number }}', params, 'p')).toThrow('p: {{if}} without {{end}}');
  });
});

test('namespaced objects without a namespace land in the destination namespace; cluster-scoped ones stay', () => {
  expect(
    applyDestinationNamespace(
      [
        { kind: 'Service', metadata: { name: 'a' } },
        { kind: 'Service', metadata: { name: 'b', namespace: 'own' } },
        { kind: 'ClusterRole', metadata: { name: 'c' } },
      ],
      'preview-12',
    ).map((o) => o.metadata?.namespace),
  ).toEqual(['preview-12', 'own', undefined]);
});

import { MAX_STACK_FILE_BYTES, parseStackYaml, stackYamlValue } from '../../model/stack-yaml.js';

const F = 'Pulumi.dev.yaml';

test('a valid stack file parses to its value', () => {
  expect(stackYamlValue('config:\n  ferry:images:\n    api: sha-3f9c2a1b\n', F)).toEqual({ config: { 'ferry:images': { api: 'sha-3f9c2a1b' } } });
});

test('a syntax error names the file, the line and the key near it', () => {
  expect(() => stackYamlValue('config:\n  ferry:images:\n    api: sha-3f9c2a1b\n   web: x\n', F)).toThrow(
    "Pulumi.dev.yaml: not valid YAML at line 4 (near key 'web'): All mapping items must start at the same column",
  );
});

test('a key given twice is refused, naming it', () => {
  expect(() => stackYamlValue('config:\n  ferry:images:\n    api: a\n    api: b\n', F)).toThrow(
    "Pulumi.dev.yaml: not valid YAML at line 4 (near key 'api'): Map keys must be unique",
  );
});

test('deep nesting is refused with a message, never a stack overflow', () => {
  const flow = `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
  expect(() => parseStackYaml(flow, F)).toThrow('Pulumi.dev.yaml: line 1: nested more than 16 levels deep; a stack file may nest at most 16');
  const block = Array.from({ length: 40 }, (_, i) => `${' '.repeat(i * 4)}k${i}:`).join('\n') + ' 1\n';
  expect(() => parseStackYaml(block, F)).toThrow(/^Pulumi\.dev\.yaml: line \d+: indented more than 128 columns/);
  const quoted = `a: "${'['.repeat(50)}"\n`;
  expect(stackYamlValue(quoted, F)).toEqual({ a: '['.repeat(50) });
});

test('aliases and oversized files are refused', () => {
  expect(() => stackYamlValue('a: &x [1, 2]\nb: *x\n', F)).toThrow('Pulumi.dev.yaml: YAML aliases (*name) are not allowed in stack files; write the value out');
  const big = `config:\n  pad: "${'x'.repeat(MAX_STACK_FILE_BYTES)}"\n`;
  expect(() => parseStackYaml(big, F)).toThrow(`Pulumi.dev.yaml: ${big.length} bytes; a stack file may have at most 1048576 bytes`);
});

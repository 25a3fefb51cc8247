import YAML from 'yaml';
import { emitYaml } from '../../lib/render/yaml-emit.js';

const roundTrip = (value: unknown) => YAML.parse(emitYaml(value), { version: '1.1' });
const roundTrip12 = (value: unknown) => YAML.parse(emitYaml(value));

describe('emitYaml', () => {
  test('writes block YAML with indented sequences', () => {
    expect(emitYaml({ a: 1, b: ['x', { c: true, d: null }], e: {}, f: [] })).toBe(['a: 1', 'b:', '  - x', '  - c: true', '    d: null', 'e: {}', 'f: []', ''].join('\n'));
  });

  test.each([
    'true', 'False', 'yes', 'no', 'on', 'off', 'y', 'N', 'null', '~', '', ' lead', 'trail ', '1', '1.0', '0x1F', '0o17', '017', '1e3', '.inf', '-.NaN',
    '2026-01-01', '12:30', '1:2:3', '- dash', '? q', ': c', 'a: b', 'a #b', '#c', '&anchor', '*alias', '!tag', '|', '>', "'q'", '"q"', '%p', '@at', '`tick`',
    '{{.service}}-{{.env}}', '[x]', 'a,b', 'preview-*', 'result == "ok"', 'tab\there', 'uni ✓', 'https://kubernetes.default.svc', '25%', '500m', 'sha-1a2b3c4d', 'v1.2.0',
  ])('the string %j reads back as itself in YAML 1.1 and 1.2', (s) => {
    expect(roundTrip({ k: s, list: [s] })).toEqual({ k: s, list: [s] });
    expect(roundTrip12({ k: s, list: [s] })).toEqual({ k: s, list: [s] });
    expect(roundTrip({ [s]: 'key' })).toEqual({ [s]: 'key' });
  });

  test.each(['line one\nline two', 'ends with newline\n', 'a:\n  b: c\n', ' leading space\nx', 'trailing \nspace', 'two\n\n', '\nstarts'])('the multi-line string %j reads back exactly', (s) => {
    expect(roundTrip({ patch: s, list: [s] })).toEqual({ patch: s, list: [s] });
  });

  test('multi-line strings without trailing spaces are literal blocks', () => {
    expect(emitYaml({ patch: 'a: 1\nb: 2' })).toBe('patch: |-\n  a: 1\n  b: 2\n');
  });

  test('numbers, booleans and nested sequences read back', () => {
    const value = { n: [0, -1, 2.5, 1e21], b: [true, false], nested: [[1, 2], [{ x: [] }]] };
    expect(roundTrip12(value)).toEqual(value);
  });

  test('non-finite numbers and functions are refused', () => {
    expect(() => emitYaml({ x: Infinity })).toThrow('cannot write Infinity as YAML');
    expect(() => emitYaml({ x: () => 1 })).toThrow('cannot write a function as a YAML scalar');
  });
});

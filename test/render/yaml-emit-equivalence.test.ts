import YAML from 'yaml';
import { emitYaml } from '../../lib/render/yaml-emit.js';
import { loadPlatform } from '../../lib/loader/load-platform.js';
import { renderRepository } from '../../lib/render/render.js';
import { SHOP_FIXTURE } from '../helpers/platform-repo.js';
import { referenceEmitYaml } from '../helpers/reference-yaml-emit.js';
import { seededRandom, type SeededRandom } from '../helpers/seeded-random.js';

const SEED = Number(process.env.FERRY_FUZZ_SEED ?? 20261202);

const STRINGS = [
  '', ' ', 'true', 'False', 'yes', 'no', 'on', 'off', 'y', 'N', 'null', '~', ' lead', 'trail ', '1', '1.0', '0x1F', '0o17', '017', '1e3', '.inf', '-.NaN', '2026-01-01',
  '12:30', '1:2:3', '- dash', '? q', ': c', 'a: b', 'a #b', '#c', '&anchor', '*alias', '!tag', '|', '>', "'q'", '"q"', '%p', '@at', '`tick`', '{{.service}}-{{.env}}',
  '[x]', 'a,b', 'preview-*', 'result == "ok"', 'tab\there', 'uni ✓', 'https://kubernetes.default.svc', '25%', '500m', 'sha-1a2b3c4d', 'v1.2.0', 'line one\nline two',
  'ends with newline\n', 'a:\n  b: c\n', ' leading space\nx', 'trailing \nspace', 'two\n\n', '\nstarts', 'cr\r\nlf', 'x'.repeat(200), `${'word '.repeat(40)}end`, '\u2028', '\u0000',
  'app.kubernetes.io/name', 'ferry.dev/environment', 'DATABASE_HOST', 'db-0.dev.internal', 'ghcr.io/org/app:v1', '$HOME', 'a  b', 'é', '日本', '😀',
];
const CHARS = ['a', 'Z', '0', '9', ' ', '\n', '\t', ':', '#', '-', '.', '/', '"', "'", '\\', '{', '}', '[', ']', ',', '*', '&', '!', '%', '@', '`', '|', '>', '?', '=', '+', '$', '_', 'é', '✓', '\u00a0'];

function randomString(random: SeededRandom): string {
  if (random.chance(0.6)) return random.pick(STRINGS);
  return Array.from({ length: random.int(12) }, () => random.pick(CHARS)).join('');
}

function randomValue(random: SeededRandom, depth: number): unknown {
  const roll = random.int(depth > 4 ? 6 : 10);
  switch (roll) {
    case 0:
      return random.pick([0, -0, 1, -1, 2.5, 1e21, 1e-7, 8080, Number.MAX_SAFE_INTEGER]);
    case 1:
      return random.chance(0.5);
    case 2:
      return random.chance(0.5) ? null : undefined;
    case 3:
    case 4:
    case 5:
      return randomString(random);
    case 6:
    case 7:
      return Array.from({ length: random.int(4) }, () => randomValue(random, depth + 1));
    default: {
      const map: Record<string, unknown> = {};
      for (let i = random.int(5); i > 0; i--) map[randomString(random)] = randomValue(random, depth + 1);
      return map;
    }
  }
}

test('on fuzzed values the emitter writes exactly what its earlier form wrote', () => {
  const random = seededRandom(SEED);
  for (let i = 0; i < 5000; i++) {
    const value = randomValue(random, 0);
    let expected: string | Error;
    try {
      expected = referenceEmitYaml(value);
    } catch (e) {
      expected = e as Error;
    }
    if (expected instanceof Error) expect(() => emitYaml(value)).toThrow(expected.message);
    else if (emitYaml(value) !== expected) throw new Error(`seed ${SEED}, value ${i}: ${JSON.stringify(value)}\n--- expected ---\n${expected}\n--- written ---\n${emitYaml(value)}`);
  }
});

test('every object of a rendered platform is written exactly as the earlier emitter wrote it', async () => {
  const platform = await loadPlatform(SHOP_FIXTURE);
  const files = renderRepository(SHOP_FIXTURE, platform).files;
  expect(files.size).toBeGreaterThan(30);
  for (const [path, text] of files) {
    const [header, ...rest] = text.split('\n');
    const value: unknown = YAML.parse(rest.join('\n'));
    expect(`${header}\n${referenceEmitYaml(value)}`).toBe(text);
    expect(`${header}\n${emitYaml(value)}`).toBe(text);
    expect(path).toMatch(/^manifests\//);
  }
});

test('non-finite numbers and functions are refused as before', () => {
  expect(() => emitYaml({ x: [NaN] })).toThrow('cannot write NaN as YAML');
  expect(() => emitYaml({ x: Symbol('s') })).toThrow('cannot write a symbol as a YAML scalar');
});

import { execFileSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { fastReaderApplies, parseObjects, parseObjectsFully } from '../../lib/kustomize/parse-objects.js';
import { overlayFolders } from '../../lib/render/verify-tree.js';
import { createPlatformRepo, SHOP_FIXTURE } from '../helpers/platform-repo.js';
import { seededRandom, type SeededRandom } from '../helpers/seeded-random.js';

/**
 * The fast reader of kustomize output (js-yaml, core schema) against the `yaml` package: the same
 * objects, key order and types, on real `kubectl kustomize` output and on fuzzed documents, and
 * the `yaml` package's error where either refuses a text.
 */
const SEED = Number(process.env.FERRY_FUZZ_SEED ?? 20261202);

/** What a reader gives: its objects as JSON (key order included) and deep-equal form, or its error. */
function outcome(read: () => unknown): { json: string; value: unknown } | { error: string } {
  try {
    const value = read();
    return { json: JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `number ${v}` : v)), value };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * On a text the `yaml` package reads, the fast reader gives the same objects. On one it refuses,
 * only that the fast reader's answer is not trusted: js-yaml is laxer about the indentation of a
 * scalar continued on the next line, which no YAML emitter (kustomize's included) prints; where
 * both refuse, the error is the `yaml` package's. Returns whether the text was valid.
 */
function expectSame(text: string, where: string): boolean {
  const fast = outcome(() => parseObjects(text, 'x'));
  const full = outcome(() => parseObjectsFully(text, 'x'));
  if ('error' in full) {
    if ('error' in fast) expect([where, fast.error]).toEqual([where, full.error]);
    return false;
  }
  expect([where, 'json' in fast ? fast.json : fast.error]).toEqual([where, full.json]);
  expect([where, 'value' in fast && isDeepStrictEqual(fast.value, full.value)]).toEqual([where, true]);
  return true;
}

test('every overlay of the sample and Helm fixtures, as kubectl kustomize prints it, reads the same', async () => {
  for (const fixture of [SHOP_FIXTURE, SHOP_FIXTURE.replace(/shop$/, 'helm'), SHOP_FIXTURE.replace(/shop$/, 'regional')]) {
    const repo = await createPlatformRepo({ fixture, git: false });
    try {
      const overlays = overlayFolders(repo.root);
      expect(overlays.length).toBeGreaterThan(3);
      for (const dir of overlays) {
        const output = execFileSync('kubectl', ['kustomize', dir], { cwd: repo.root, encoding: 'utf8' });
        expectSame(output, `${fixture}: ${dir}`);
        // What kustomize prints is what the fast reader is for.
        expect([dir, fastReaderApplies(output)]).toEqual([dir, true]);
      }
    } finally {
      repo.cleanup();
    }
  }
});

const SCALARS = [
  '0', '7', '-1', '+1', '007', '0o17', '0x1F', '0b101', '-0x1F', '+0o17', '1_000', '1e3', '1.5', '.5', '-.5', '+.5', '1.', '.inf', '-.inf', '.nan', '.NaN',
  'true', 'True', 'yes', 'no', 'on', 'null', 'Null', '~', '', '12345678901234567890', '2026-01-01', '2026-01-01T00:00:00Z', '1:20', 'a b', 'a: b', 'a:b', '#x', 'a #b',
  "'quoted'", "'it''s'", "''", '""', '"a\\"b"', '"\\u00e9\\t"', '"0x1F"', "'1e3'", 'http://x.example/z', '*alias', '&anchor x', '!!str 1', '!custom x', '<<', '__proto__', 'sha-0b1a2c3d', 'é',
  '{ a: b }', '{ a: 1, a: 2 }', '[a, b]', '[]', '{}', '|', '>', '"unclosed', 'a\tb',
];
const KEYS = ['apiVersion', 'kind', 'metadata', 'name', 'labels', 'spec', 'replicas', 'a.b/c', '0b1', '1e3', 'true', '<<', 'k k', "'q'", '"dq"'];

/** A multi-document stream of block mappings and sequences of the scalars, comments, literal blocks and now and then a flaw. */
function generate(random: SeededRandom): string {
  const lines: string[] = [];
  const value = (indent: number, depth: number, mapping = false): void => {
    const pad = ' '.repeat(indent);
    const count = 1 + random.int(3);
    const sequence = !mapping && depth > 0 && random.chance(0.3);
    for (let i = 0; i < count; i++) {
      const head = sequence ? `${pad}- ` : `${pad}${random.pick(KEYS)}:`;
      if (sequence && depth < 3 && random.chance(0.3)) {
        // A mapping started on the item's line, as kustomize prints containers and ports.
        lines.push(`${pad}- ${random.pick(KEYS)}: ${random.pick(SCALARS)}`);
        value(indent + 2, depth + 1, true);
      } else if (depth < 3 && random.chance(0.35)) {
        lines.push(sequence ? `${pad}-` : head);
        value(indent + 2, depth + 1);
      } else if (random.chance(0.1)) {
        lines.push(`${head}${sequence ? '' : ' '}|`, `${pad}  line one`, `${pad}  ${random.pick(SCALARS)}`);
      } else {
        lines.push(`${head}${sequence ? '' : ' '}${random.pick(SCALARS)}${random.chance(0.1) ? ' # note' : ''}`);
      }
    }
  };
  const docs = 1 + random.int(3);
  for (let d = 0; d < docs; d++) {
    if (d > 0 || random.chance(0.3)) lines.push('---');
    value(0, 0);
  }
  return `${lines.join('\n')}\n`;
}

test('on fuzzed valid documents both readers give the same objects', () => {
  const random = seededRandom(SEED);
  let valid = 0;
  for (let i = 0; i < 3000; i++) if (expectSame(generate(random), `seed ${SEED}, document ${i}`)) valid++;
  expect(valid).toBeGreaterThan(1000);
});

test('the forms the readers resolve differently are read by the yaml package', () => {
  for (const scalar of ['0b101', '-0x1F', '+0o17', '-.5', '+.5']) {
    expect(parseObjects(`apiVersion: v1\nkind: ConfigMap\ndata:\n  k: ${scalar}\n`, 'x')).toEqual(parseObjectsFully(`apiVersion: v1\nkind: ConfigMap\ndata:\n  k: ${scalar}\n`, 'x'));
  }
  expect(parseObjects('a: 0b101\n', 'x')).toEqual([{ a: '0b101' }]);
  expect(() => parseObjects('a: [unclosed\n', 'kustomize build of manifests/overlays/dev/api')).toThrow(/^kustomize build of manifests\/overlays\/dev\/api: /);
});

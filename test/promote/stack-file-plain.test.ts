import { StackFile } from '../../lib/promote/stack-file.js';
import { stackConfig, serviceName } from '../../bench/synthetic.js';
import { seededRandom, type SeededRandom } from '../helpers/seeded-random.js';

/**
 * A stack file in the plain subset ferry writes is read and edited without the yaml package's
 * document (lib/promote/stack-file.ts); it must give what the document gives. The oracle is the
 * same text with a comment line holding a tab appended: outside the subset, so read through the
 * document, and at the end, so every offset stays the same.
 */
const SEED = Number(process.env.FERRY_FUZZ_SEED ?? 20261202);
const OUTSIDE_SUBSET = '#\tthe document reads this file\n';
const DIGEST = `sha256:${'2'.repeat(64)}`;
const TAGS = ['sha-0000aaaa', '1.5.0', '123', 'true', 'v1.2.3-rc.1+build.7', 'null', 'a#b', "it's", 'a: b', ''];

function generate(random: SeededRandom): string {
  const services = Array.from({ length: 1 + random.int(4) }, (_, i) => serviceName(i));
  const scalar = (value: string) => random.pick([value, `'${value}'`, `"${value}"`, `${value} # pinned`]);
  const lines = ['config:', '  aws:region: eu-west-1', '  ferry:images:', ...services.map((s, i) => `    ${s}: ${scalar(`v1.${i}.0`)}`)];
  if (random.chance(0.6)) lines.push('  ferry:digests:', ...services.map((s) => `    ${s}: ${random.chance(0.5) ? "''" : scalar(DIGEST)}`));
  if (random.chance(0.5)) lines.push(stackConfig(services, 'dev', 0).trimEnd());
  if (random.chance(0.3)) lines.splice(1, 0, '', '  # the deployed state');
  return `${lines.join('\n')}\n`;
}

/** Every operation a promotion uses, on the plain reading and on the document's. */
function expectSameAsDocument(text: string, where: string): void {
  const fast = StackFile.parse(text, 'Pulumi.dev.yaml', 'ferry');
  const slow = StackFile.parse(`${text}${OUTSIDE_SUBSET}`, 'Pulumi.dev.yaml', 'ferry');
  const strip = (edited: StackFile) => edited.text.replace(OUTSIDE_SUBSET, '');
  expect([where, fast.value(), fast.images(), fast.digests()]).toEqual([where, slow.value(), slow.images(), slow.digests()]);
  // Config, as status and history read it of every revision; a name only the prototype holds reads as none.
  expect([where, fast.allConfig(), fast.configOf('constructor')]).toEqual([where, slow.allConfig(), slow.configOf('constructor')]);
  const config = fast.allConfig();
  for (const values of Object.values(config)) values.CHANGED_BY_A_CALLER = true;
  expect([where, fast.allConfig()]).toEqual([where, slow.allConfig()]);
  for (const service of Object.keys(slow.images())) {
    expect([where, fast.tagOf(service), fast.digestOf(service), fast.configOf(service)]).toEqual([where, slow.tagOf(service), slow.digestOf(service), slow.configOf(service)]);
    for (const tag of TAGS) {
      const a = fast.withImageTag(service, tag);
      const b = slow.withImageTag(service, tag);
      expect([where, service, tag, a.text, a.value(), a.tagOf(service)]).toEqual([where, service, tag, strip(b), b.value(), b.tagOf(service)]);
      // An edit of the edit, as a promotion of several services makes.
      const other = Object.keys(slow.images()).find((s) => s !== service) ?? service;
      expect([where, a.withImageTag(other, 'sha-0000bbbb').text]).toEqual([where, strip(b.withImageTag(other, 'sha-0000bbbb'))]);
    }
    const pinnedA = fast.withDigest(service, DIGEST);
    const pinnedB = slow.withDigest(service, DIGEST);
    expect([where, service, pinnedA.value(), pinnedA.digestOf(service)]).toEqual([where, service, pinnedB.value(), pinnedB.digestOf(service)]);
    expect([where, service, pinnedA.withDigest(service, undefined).value()]).toEqual([where, service, pinnedB.withDigest(service, undefined).value()]);
    // Replacing a digest in place (the layout's '' too) is a splice: the same text. Adding or
    // removing an entry re-writes the document, where the oracle's extra comment moves.
    const digests = (slow.value() as { config: Record<string, Record<string, unknown> | undefined> }).config['ferry:digests'];
    if (digests?.[service] !== undefined) expect([where, service, pinnedA.text]).toEqual([where, service, strip(pinnedB)]);
  }
}

test('on fuzzed stack files, reading and editing in place give what the document gives', () => {
  const random = seededRandom(SEED);
  for (let i = 0; i < 150; i++) expectSameAsDocument(generate(random), `seed ${SEED}, file ${i}`);
});

test('a tag written outside the subset leaves it: the copy is read through the document, with the same result', () => {
  const text = 'config:\n  ferry:images:\n    api: v1.0.0\n    web: v2.0.0\n';
  expectSameAsDocument(text, 'simple');
  const edited = StackFile.parse(text, 'Pulumi.dev.yaml', 'ferry').withImageTag('api', 'a\\b');
  expect(edited.tagOf('api')).toBe('a\\b');
  expect(edited.withImageTag('web', 'v2.0.1').text).toBe('config:\n  ferry:images:\n    api: a\\b\n    web: v2.0.1\n');
});

test('bad YAML still fails at once, naming the file', () => {
  expect(() => StackFile.parse('config:\n  ferry:images:\n    api: [unclosed\n', 'Pulumi.dev.yaml', 'ferry')).toThrow("Pulumi.dev.yaml: not valid YAML at line 4 (near key 'api'): Flow sequence in block collection must be sufficiently indented and end with a ]");
});

/**
 * The history's line scanner gives exactly what the YAML parser gives, or declines (undefined) and
 * leaves the text to the parser: compared on every stack file of the sample and the fixtures, their
 * conflict-free layout, and texts built to trip a scanner.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackFile } from '../../lib/promote/stack-file.js';
import { scanStackImages } from '../../lib/promote/stack-images-scan.js';
import { layOutStackFile } from '../../lib/promote/stack-layout.js';
import { REPO_ROOT } from '../helpers/platform-repo.js';

/** What the history read before the scanner: the parser's images and digests, empty when the text is not valid. */
function parsed(text: string): { images: Record<string, string>; digests: Record<string, string> } {
  try {
    const stack = StackFile.parse(text, 'Pulumi.x.yaml', 'ferry');
    return { images: stack.images(), digests: stack.digests() };
  } catch {
    return { images: {}, digests: {} };
  }
}

const stackFiles = ['.', 'test/fixtures/shop', 'test/fixtures/regional'].flatMap((dir) =>
  readdirSync(join(REPO_ROOT, dir)).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => readFileSync(join(REPO_ROOT, dir, f), 'utf8')),
);
const digest = `sha256:${'a'.repeat(64)}`;

test('the stack files ferry writes are scanned, with the same result as the parser', () => {
  const texts = [...stackFiles, ...stackFiles.map((t) => layOutStackFile(t, 'Pulumi.x.yaml', 'ferry'))];
  expect(texts.length).toBeGreaterThan(10);
  for (const text of texts) {
    const scanned = scanStackImages(text, 'ferry');
    expect(scanned).toBeDefined();
    expect(scanned).toEqual(parsed(text));
  }
  expect(scanStackImages(`config:\n  ferry:images:\n    api: "v1.2.0" # quoted\n\n    web: 1.4.0-SNAPSHOT-8e1d4c7\n  ferry:digests:\n    api: ${digest}\n    web: ''\n`, 'ferry')).toEqual({
    images: { api: 'v1.2.0', web: '1.4.0-SNAPSHOT-8e1d4c7' },
    digests: { api: digest },
  });
});

test.each([
  ['a flow mapping', 'config:\n  ferry:images: { api: v1 }\n'],
  ['a number-like tag', 'config:\n  ferry:images:\n    api: 1.20\n    web: 0x1F\n'],
  ['a boolean and null', 'config:\n  ferry:images:\n    api: true\n    web: ~\n'],
  ['a duplicate service', 'config:\n  ferry:images:\n    api: v1\n    api: v2\n'],
  ['a duplicate nested key elsewhere', 'config:\n  ferry:images:\n    api: v1\n  ferry:services:\n    web:\n      replicas: 1\n      replicas: 2\n'],
  ['a value nested under a scalar', 'config:\n  ferry:images:\n    api: v1\n  ferry:logLevel: WARN\n    web: v2\n'],
  ['misaligned entries', 'config:\n  ferry:images:\n    api: v1\n   web: v2\n'],
  ['a block scalar', 'config:\n  ferry:note: |\n    api: v9\n  ferry:images:\n    api: v1\n'],
  ['a trailing colon', 'config:\n  ferry:images:\n    api: v1:\n'],
  ['a value with a space', 'config:\n  ferry:images:\n    api: v1 v2\n'],
  ['a tab', 'config:\n\tferry:images:\n    api: v1\n'],
  ['another top-level key', 'secretsprovider: passphrase\nconfig:\n  ferry:images:\n    api: v1\n'],
  ['a document marker', '---\nconfig:\n  ferry:images:\n    api: v1\n'],
  ['an anchor', 'config:\n  ferry:images: &tags\n    api: v1\n'],
  ['a list', 'config:\n  aws:tags:\n    - a\n  ferry:images:\n    api: v1\n'],
  ['a numeric service name', 'config:\n  ferry:images:\n    123: v1\n'],
  ['an escaped quote', 'config:\n  ferry:images:\n    api: "v\\u0031"\n'],
])('%s: declined, or the same as the parser', (_, text) => {
  const scanned = scanStackImages(text, 'ferry');
  if (scanned !== undefined) expect(scanned).toEqual(parsed(text));
  expect(scanned).toBeUndefined();
});

test('deeper but consistent indentation reads as the parser reads it', () => {
  const text = 'config:\n  ferry:images:\n      api: v1\n      web: v2\n  ferry:replicas: 3\n';
  expect(scanStackImages(text, 'ferry')).toEqual({ images: { api: 'v1', web: 'v2' }, digests: {} });
  expect(scanStackImages(text, 'ferry')).toEqual(parsed(text));
});

test('comments, blank lines, other keys and nested mappings around the images are read past', () => {
  const text = '# prod\nconfig:   # the config\n  aws:region: eu-west-1\n  ferry:services:\n    web:\n      replicas: 3\n\n  ferry:images:\n    # api first\n    api: v1.2.0\n\n    web: sha-1a2b3c4d # pinned below\n  ferry:digests:\n    web: ' + digest + '\n  ferry:logLevel: WARN\n';
  expect(scanStackImages(text, 'ferry')).toEqual({ images: { api: 'v1.2.0', web: 'sha-1a2b3c4d' }, digests: { web: digest } });
  expect(scanStackImages(text, 'ferry')).toEqual(parsed(text));
  expect(scanStackImages(text, 'other')).toEqual({ images: {}, digests: {} });
});

test('config values, secret references written as flow mappings included, are read past with the same result as the parser', () => {
  const text = [
    'config:',
    '  ferry:images:',
    '    api: v1.2.0',
    '',
    '    web: sha-1a2b3c4d',
    '  ferry:config:',
    '    api:',
    '      DATABASE_HOST: db.prod.internal',
    '      DATABASE_PASSWORD: { secret: api-database, key: password }',
    '      CHECKOUT_V2: true',
    '      REQUEST_TIMEOUT_MS: 3000',
    '',
    '    web:',
    "      THEME: 'dark'",
    '      SESSION_SECRET: {secret: web_session,key: value}',
    '',
  ].join('\n');
  expect(scanStackImages(text, 'ferry')).toEqual({ images: { api: 'v1.2.0', web: 'sha-1a2b3c4d' }, digests: {} });
  expect(scanStackImages(text, 'ferry')).toEqual(parsed(text));
});

test.each([
  ['a flow mapping as a top-level value', 'config:\n  ferry:images:\n    api: v1\n  ferry:database: { secret: db, key: password }\n'],
  ['a duplicate key in a flow mapping', 'config:\n  ferry:images:\n    api: v1\n  ferry:config:\n    api:\n      PASSWORD: { secret: a, secret: b }\n'],
  ['a nested flow mapping', 'config:\n  ferry:images:\n    api: v1\n  ferry:config:\n    api:\n      PASSWORD: { secret: { name: a }, key: b }\n'],
  ['a colon in a flow value', 'config:\n  ferry:images:\n    api: v1\n  ferry:config:\n    api:\n      URL: { href: http://example.com }\n'],
  ['an empty flow mapping', 'config:\n  ferry:images:\n    api: v1\n  ferry:config:\n    api:\n      PASSWORD: {}\n'],
  ['keys the parser reads as one boolean', 'config:\n  ferry:images:\n    api: v1\n  ferry:config:\n    api:\n      FLAG: { true: a, True: b }\n'],
  ['an unclosed flow mapping', 'config:\n  ferry:images:\n    api: v1\n  ferry:config:\n    api:\n      PASSWORD: { secret: a, key: b\n'],
])('%s: declined, left to the parser', (_, text) => {
  expect(scanStackImages(text, 'ferry')).toBeUndefined();
});

test("a file as large as 2,000 services with config is scanned; one above the parser's 1 MiB limit in bytes is not", () => {
  const services = Array.from({ length: 2000 }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
  const config = services.map((s) => `    ${s}:\n      DATABASE_HOST: db.${s}.internal\n      DATABASE_PASSWORD: { secret: ${s}-database, key: password }\n      REQUEST_TIMEOUT_MS: 3000\n`).join('');
  const text = `config:\n  ferry:images:\n${services.map((s) => `    ${s}: sha-1a2b3c4d`).join('\n')}\n  ferry:config:\n${config}`;
  expect(Buffer.byteLength(text)).toBeGreaterThan(256 * 1024);
  const scanned = scanStackImages(text, 'ferry');
  expect(scanned).toEqual(parsed(text));
  expect(Object.keys(scanned!.images)).toHaveLength(2000);
  // Under 1 MiB in characters, over it in bytes (two bytes per 'é'): the parser refuses it, so the scanner declines.
  const heavy = `# ${'é'.repeat(600 * 1024)}\n${text}`;
  expect(heavy.length).toBeLessThan(1024 * 1024);
  expect(scanStackImages(heavy, 'ferry')).toBeUndefined();
  expect(parsed(heavy)).toEqual({ images: {}, digests: {} });
});

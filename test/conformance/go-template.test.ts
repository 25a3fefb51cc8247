/**
 * Conformance of ferry's Go-template evaluator (lib/diff/go-template.ts) with Go's text/template
 * as Argo CD runs it (tools/gotemplate): every template ferry generates, and a seeded corpus.
 * Ferry either renders the same bytes as Go or refuses loudly; it never renders where Go fails.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chart, Testing } from 'cdk8s';
import YAML from 'yaml';
import { EnvironmentApplicationSet } from '../../constructs/environment-application-set.js';
import { PreviewApplicationSet } from '../../constructs/preview-application-set.js';
import { SyncPolicy } from '../../model/sync-policy.js';
import { goTemplate, type TemplateParams, type TemplateValue, UnavailableValue } from '../../lib/diff/go-template.js';
import { branchSlug, generatorParams, pullRequestParams, type PreviewRequest } from '../../lib/diff/preview.js';
import { compareWithGo, goTemplateBinary, renderWithGo, type Conformance, type TemplateCase } from './go-template-engine.js';

const ferry = (c: TemplateCase) => goTemplate(c.template, c.params as TemplateParams, 'case');

/** Readable failure output: the first few mismatches in full. */
function report(result: Conformance): string {
  return JSON.stringify(result.mismatches.slice(0, 5), null, 2);
}

beforeAll(() => {
  goTemplateBinary();
}, 120_000);

// ---------------------------------------------------------------------------------------------
// (a) The templates ferry generates, with the parameters ferry's diff computes for them.

type Json = Record<string, any>;

/** Every string of a template, map keys included: Argo CD renders each as its own template. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

function committedApplicationSets(): { where: string; object: Json }[] {
  const root = join(process.cwd(), 'manifests/argocd');
  return readdirSync(root).flatMap((cluster) =>
    readdirSync(join(root, cluster))
      .filter((f) => f.startsWith('application-set-'))
      .flatMap((f) => YAML.parseAllDocuments(readFileSync(join(root, cluster, f), 'utf8')).map((d) => ({ where: `${cluster}/${f}`, object: d.toJS() as Json }))),
  );
}

function constructApplicationSets(): { where: string; object: Json }[] {
  const chart = new Chart(Testing.app(), 'test');
  const common = { argocdNamespace: 'argocd', project: 'shop', repoURL: 'https://example.com/r.git', targetRevision: 'main' };
  new EnvironmentApplicationSet(chart, 'envs', {
    ...common,
    name: 'envs',
    overlaysPath: 'manifests/overlays',
    services: ['api', 'web'],
    environments: [
      { name: 'dev', namespace: 'dev', syncPolicy: SyncPolicy.automated() },
      { name: 'prod', namespace: 'prod', syncPolicy: SyncPolicy.manual() },
    ],
  });
  new PreviewApplicationSet(chart, 'previews', {
    ...common,
    name: 'previews',
    overlayPath: 'manifests/overlays/preview',
    services: [{ name: 'api', image: 'r.example.com/api', host: 'api.example.com' }, { name: 'worker', image: 'r.example.com/worker' }],
    owner: 'o',
    repo: 'r',
    label: 'preview',
    tokenSecret: 't',
  });
  // An application repository's previews: its service's pull-request image, the namespace owner's rename.
  new PreviewApplicationSet(chart, 'previews-api', {
    ...common,
    name: 'previews-api',
    overlayPath: 'manifests/overlays/preview',
    services: [{ name: 'api', image: 'r.example.com/api', host: 'api.example.com', ownsNamespace: true }, { name: 'worker', image: 'r.example.com/worker' }],
    owner: 'o',
    repo: 'api',
    label: 'preview',
    tokenSecret: 't',
    build: { service: 'api', previewImage: 'r.example.com/api-preview' },
  });
  return Testing.synth(chart).map((object) => ({ where: `construct ${object.metadata.name}`, object: object as Json }));
}

/** Pull requests as `ferry diff --preview` would describe them, hostile branch names included. */
const REQUESTS: readonly PreviewRequest[] = [
  { number: 12, headSha: 'ABCDEF1234567890ABCDEF1234567890ABCDEF12' },
  { number: 7, headSha: '1234567', branch: 'feature/Add_Thing', targetBranch: 'main', labels: ['preview', 'bug'], title: 'Add "thing"', author: 'octo' },
  { number: 999999, headSha: 'deadbeef', branch: 'fix/it\'s "quoted"\n{{.number}}', targetBranch: 'release/1.x', labels: [] },
  { number: 3, headSha: 'cafebabe00', branch: 'ünïcødé/\u00a0branch\u2003', targetBranch: 'main', title: 'multi\nline', labels: ['preview', 'ü'] },
];

/** Go gets a placeholder where ferry holds an UnavailableValue: ferry refuses any template reading it. */
function forGo(params: Readonly<Record<string, TemplateValue>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v instanceof UnavailableValue ? '<unavailable>' : v]));
}

describe('ferry-generated ApplicationSet templates', () => {
  const sets = [...committedApplicationSets(), ...constructApplicationSets()];

  test('the committed manifests hold both kinds of ApplicationSet', () => {
    expect(sets.filter((s) => s.where.includes('previews')).length).toBeGreaterThanOrEqual(2);
    expect(sets.filter((s) => s.where.includes('environments') || s.where.includes('envs')).length).toBeGreaterThanOrEqual(3);
  });

  test('every template string renders identically with ferry and Go, for every parameter set', () => {
    const cases: TemplateCase[] = [];
    const ferryParams: TemplateParams[] = [];
    for (const { where, object } of sets) {
      const spec = object.spec as Json;
      const templates = [...strings(spec.template), ...(typeof spec.templatePatch === 'string' ? [spec.templatePatch] : [])];
      const paramSets = REQUESTS.flatMap((r) => generatorParams(spec, where, pullRequestParams(r)));
      for (const params of paramSets) {
        for (const template of templates) {
          cases.push({ template, params: forGo(params) });
          ferryParams.push(params);
        }
      }
    }
    const result = compareWithGo(cases, (c) => goTemplate(c.template, ferryParams[cases.indexOf(c)]!, 'case'));
    expect(report(result)).toBe('[]');
    // Ferry evaluates all of its own templates: nothing refused, nothing failing.
    expect({ refused: result.refused, bothFail: result.bothFail }).toEqual({ refused: 0, bothFail: 0 });
    expect(result.same).toBe(cases.length);
    expect(cases.length).toBeGreaterThan(200);
  });

  test('the pull-request parameters are those of Argo CD: strings, and labels as a list', () => {
    const params = pullRequestParams(REQUESTS[1]!);
    expect(params).toEqual({
      number: '7',
      title: 'Add "thing"',
      branch: 'feature/Add_Thing',
      branch_slug: 'feature-add-thing',
      target_branch: 'main',
      target_branch_slug: 'main',
      head_sha: '1234567',
      head_short_sha: '1234567',
      head_short_sha_7: '1234567',
      author: 'octo',
      labels: ['preview', 'bug'],
    });
    expect(pullRequestParams(REQUESTS[0]!)).toMatchObject({ head_short_sha: 'abcdef12', head_short_sha_7: 'abcdef1', branch: '', branch_slug: '', labels: [] });
    expect(branchSlug('Feature/--very_long-' + 'x'.repeat(20) + '-' + 'y'.repeat(40))).toBe('feature-very-long-' + 'x'.repeat(20));
    expect(() => goTemplate('{{.branch_slug}}', pullRequestParams(REQUESTS[3]!), 'p')).toThrow("p: unsupported template value: .branch_slug: ferry does not compute gosimple/slug's slug");
  });
});

// ---------------------------------------------------------------------------------------------
// (b) A seeded corpus of templates and typed parameters.

/** mulberry32: small, seeded, deterministic. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ['', ' ', 'true', 'false', 'main', 'feature/x', 'it\'s "quoted"', 'line\nbreak', 'tab\there', 'ünï\u00a0cødé', '\u3000wide\u2003', '{{.s}}', '0', '-', '😀', '<&>'];
// eslint-disable-next-line no-loss-of-precision -- the printing of an imprecise float is what is tested
const NUMBERS = [0, 1, -1, 12, 1.5, -3.25, 0.1, 0.0001, 0.00001, 100000, 123456, 1000000, 1234567, 1e20, 1e21, 2 ** 53, 2 ** 53 + 2, 12345678901234567890, 1.7976931348623157e308, 5e-324, 123.456e-10];
const LISTS = [[], ['preview'], ['preview', 'bug'], [1, true, null, 'x', [2.5, 1e6]], [{ b: 1, a: 'x' }]];
const MAPS = [{}, { b: 1, a: 'x' }, { z: [1, 2], é: true, '\uFFFD': 'r', '😀': 's', Z: null }];
/** Unicode and ASCII whitespace around trim markers: Go trims only ' ', \t, \r, \n. */
const TEXTS = ['', 'a', ' ', '\n', 'x \t\r\n', '\u00a0', '\u2003y\u2003', '\u3000', '\u0085', '\v\f', ' \u00a0 ', 'prefix: ', '}}', '{', 'ü'];

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)]!;
}

function params(next: () => number): Record<string, unknown> {
  const p: Record<string, unknown> = {
    s: pick(next, STRINGS),
    t: pick(next, STRINGS),
    b: next() < 0.5,
    n: pick(next, NUMBERS),
    l: pick(next, LISTS),
    m: pick(next, MAPS),
    automated: next() < 0.5 ? pick(next, ['true', 'false']) : next() < 0.5,
    number: String(Math.floor(next() * 1000)),
  };
  if (next() < 0.2) p.z = null;
  if (next() < 0.15) delete p[pick(next, Object.keys(p))];
  return p;
}

const KEYS = ['s', 't', 'b', 'n', 'l', 'm', 'automated', 'number', 'z', 'missing'];
const LITERALS = ['"true"', '"main"', '""', 'true', 'false', '"a\\"b\\n"', '`raw\r\n`', '"\\u00e9"', '1', '1.5'];
/** Comparisons whose operand types usually agree. */
const COMPARISONS = ['.s "main"', '.s ""', '.t .s', '.automated "true"', '.b true', '.b false', '.n .n', '"x" .t', '.number "12"'];

/** A generator of templates; a hostile one also draws malformed and unsupported forms and absent keys. */
function generator(next: () => number, hostile: boolean) {
  const key = () => (hostile ? pick(next, KEYS) : pick(next, ['s', 't', 'b', 'n', 'l', 'm', 'number']));
  const operand = () => (next() < 0.6 ? `.${key()}` : pick(next, LITERALS));
  const condition = () => {
    const r = next();
    if (r < 0.35) return `.${key()}`;
    if (r < 0.5) return `not ${operand()}`;
    if (r < 0.75 || !hostile) return `${pick(next, ['eq', 'ne'])} ${pick(next, COMPARISONS)}`;
    if (r < 0.9) return `${pick(next, ['eq', 'ne'])} ${operand()} ${operand()}`;
    return pick(next, ['and .b .s', 'eq .s', '.s | empty', 'true', '']);
  };
  const opens = ['{{', '{{ ', '{{- ', '{{-\t', '{{-\n', ...(hostile ? ['{{-', '{{-\u00a0', '{{\u00a0'] : [])];
  const closes = ['}}', ' }}', ' -}}', '\n-}}', '  -}}', ...(hostile ? ['-}}', '\u00a0-}}'] : [])];
  const action = (depth: number): string => {
    const open = pick(next, opens);
    const close = pick(next, closes);
    const r = next();
    if (r < 0.45) return `${open}.${key()}${close}`;
    if (r < 0.85 && depth < 3) {
      const body = template(depth + 1);
      const otherwise = next() < 0.3 ? `${pick(next, ['{{else}}', '{{- else -}}', '{{ else }}'])}${template(depth + 1)}` : '';
      const end = !hostile || next() < 0.95 ? pick(next, ['{{end}}', '{{- end }}', '{{ end -}}', '{{- end -}}']) : '';
      return `${open}if ${condition()}${close}${body}${otherwise}${end}`;
    }
    if (!hostile) return `${open}.${key()}${close}`;
    return pick(next, [
      '{{ .s | upper }}', '{{/* note */}}', '{{- /* note */ -}}', '{{ 3 }}', '{{ "lit" }}', '{{}}', '{{ end }}', '{{ else }}',
      '{{ .s', '{{ .m.a }}', '{{ . }}', '{{ $x := 1 }}', '{{ .s .t }}', '{{ eq .s "x" }}', '{{ printf "%v" .n }}',
      '{{ .ключ }}', '{{ .s-}}', '{{-3}}', '{{- -}}', '{{"unterminated}}', '{{ nil }}', '{{ if .s }}', '{{ .s\n}}',
    ]);
  };
  // '{' before an action makes '{{{', a malformed action.
  const texts = hostile ? TEXTS : TEXTS.filter((t) => t !== '{');
  const template = (depth = 0): string => {
    let out = pick(next, texts);
    const n = 1 + Math.floor(next() * (depth === 0 ? 4 : 2));
    for (let i = 0; i < n; i++) out += action(depth) + pick(next, texts);
    return out;
  };
  return template;
}

/** Valid Go that ferry does not evaluate. */
const UNSUPPORTED = [
  '{{ .s | upper }}', '{{ "lit" }}', '{{ 3 }}', '{{ .m.a }}', '{{ printf "%v" .n }}', '{{/* note */}}', '{{- /* note */ -}}',
  '{{ if and .b .s }}x{{ end }}', '{{ len .l }}', '{{ eq .s "x" }}', '{{ if eq .s "\\u00e9" }}x{{ end }}', '{{ if eq .number "1" "2" }}x{{ end }}',
  '{{ range .l }}x{{ end }}', '{{ $x := .s }}', '{{ if .s }}a{{ else if .b }}b{{ end }}', '{{ toJson .m }}',
];

/** Cases the brief names, with what Go and ferry must both do. */
const PINNED: readonly (TemplateCase & { readonly expect: string | Error })[] = [
  { template: '{{ .flag }}|{{ .s }}', params: { flag: true, s: 'true' }, expect: 'true|true' },
  { template: '{{ if .flag }}yes{{ else }}no{{ end }}', params: { flag: false }, expect: 'no' },
  { template: '{{ if .flag }}yes{{ else }}no{{ end }}', params: { flag: 'false' }, expect: 'yes' },
  { template: '{{- if eq .automated "true" }}on{{- end }}', params: { automated: true }, expect: new Error('incompatible types for comparison') },
  // eslint-disable-next-line no-loss-of-precision -- as above
  { template: '{{ .n }} {{ .big }} {{ .small }} {{ .i }}', params: { n: 1234567, big: 12345678901234567890, small: 0.00001, i: 123456 }, expect: '1.234567e+06 1.2345678901234567e+19 1e-05 123456' },
  { template: '{{ .l }} {{ .m }}', params: { l: ['preview', true, 1e21, null], m: { b: [1], a: 'x' } }, expect: '[preview true 1e+21 <nil>] map[a:x b:[1]]' },
  { template: 'a \u00a0{{- .s -}}\u2003 b', params: { s: 'x' }, expect: 'a \u00a0x\u2003 b' },
  { template: 'a \t\r\n{{- .s -}}\n\t b', params: { s: 'x' }, expect: 'ax' + 'b' },
  { template: '{{-.s}}', params: { s: 'x' }, expect: new Error('bad number syntax') },
  { template: '{{ .missing }}', params: { s: 'x' }, expect: new Error('template uses {{.missing}} but the generator gives only s') },
  { template: 'name: {{.branch}}', params: { branch: 'a"b\'c\n}}{{.x}}ü' }, expect: 'name: a"b\'c\n}}{{.x}}ü' },
];

describe('corpus', () => {
  const next = random(20240611);
  // A third clean, a third hostile, a third clean around a construct Go renders and ferry refuses.
  const generated: TemplateCase[] = Array.from({ length: 900 }, (_, i) => {
    const clean = generator(next, false);
    const template = i % 3 === 0 ? clean() : i % 3 === 1 ? generator(next, true)() : clean() + pick(next, UNSUPPORTED) + clean();
    return { template, params: params(next) };
  });
  const cases = [...PINNED.map(({ template, params }) => ({ template, params })), ...generated];
  let go: ReturnType<typeof renderWithGo>;

  beforeAll(() => {
    go = renderWithGo(cases);
  });

  test('the pinned cases behave as Go does, and ferry agrees', () => {
    PINNED.forEach((c, i) => {
      const reference = go[i]!;
      if (c.expect instanceof Error) {
        expect('error' in reference).toBe(true);
        expect(() => ferry(c)).toThrow(c.expect.message);
      } else {
        expect(reference).toEqual({ output: c.expect });
        expect(ferry(c)).toBe(c.expect);
      }
    });
  });

  test('ferry renders what Go renders, byte for byte, or refuses; it never renders where Go fails', () => {
    const result = compareWithGo(cases, ferry, go);
    expect(report(result)).toBe('[]');
    const goFails = go.filter((o) => 'error' in o).length;
    // Every case Go fails on, ferry fails on too (mismatches would list any other).
    expect(result.bothFail).toBe(goFails);
    // The corpus exercises all three outcomes substantially.
    expect(cases.length).toBeGreaterThanOrEqual(300);
    expect(result.same).toBeGreaterThanOrEqual(250);
    expect(result.bothFail).toBeGreaterThanOrEqual(250);
    expect(result.refused).toBeGreaterThanOrEqual(150);
    expect(result.same + result.bothFail + result.refused).toBe(cases.length);
  });

  // -------------------------------------------------------------------------------------------
  // (c) The checker catches a divergence.

  test('a mutant that trims Unicode spaces at trim markers is reported', () => {
    const unicodeSpace = /[\p{Zs}\u0085\v\f]+/u.source;
    const mutant = (c: TemplateCase) =>
      ferry({
        ...c,
        template: c.template.replace(new RegExp(`${unicodeSpace}(?=\\{\\{- )`, 'gu'), '').replace(new RegExp(`( -\\}\\})${unicodeSpace}`, 'gu'), '$1'),
      });
    const result = compareWithGo(cases, mutant, go);
    expect(result.mismatches.length).toBeGreaterThan(0);
    expect(result.mismatches.every((m) => /[\p{Zs}\u0085\v\f]/u.test(m.case.template))).toBe(true);
  });

  test('a mutant that prints numbers as JavaScript does is reported', () => {
    const mutant = (c: TemplateCase) =>
      ferry({ ...c, params: Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v])) });
    const result = compareWithGo(cases, mutant, go);
    expect(result.mismatches.length).toBeGreaterThan(0);
  });
});

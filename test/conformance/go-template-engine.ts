/**
 * The reference engine for ferry's Go-template evaluator: tools/gotemplate/main.go (text/template
 * with sprig, as Argo CD renders ApplicationSets), built once per content of main.go into
 * os.tmpdir() and run on a batch of cases per call.
 *
 * Needs Go and sprig v3 from Debian (apt packages golang-go and golang-github-masterminds-sprig-dev);
 * builds offline in GOPATH mode against /usr/share/gocode.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../tools/gotemplate');

/** One template with the parameters to execute it with (any JSON values, as Argo CD's generators give). */
export interface TemplateCase {
  readonly template: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** What an engine did with a case: the rendered bytes, or its error. */
export type Outcome = { readonly output: string } | { readonly error: string; readonly unsupported?: boolean };

/** Environment for an offline GOPATH-mode build against Debian's Go packages. */
export function goBuildEnv(cacheDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: '/usr/share/gocode',
    GOFLAGS: '',
    GOPROXY: 'off',
    GOCACHE: join(cacheDir, 'go-build'),
  };
}

let built: string | undefined;

/** Path of the built tool; builds it unless a binary of the same main.go is already in os.tmpdir(). */
export function goTemplateBinary(): string {
  if (built) return built;
  const source = readFileSync(join(SOURCE_DIR, 'main.go'));
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'ferry-gotemplate');
  const binary = join(dir, `gotemplate-${hash}`);
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    // Build to a private name, then rename: parallel test workers never run a half-written binary.
    const partial = `${binary}.${process.pid}.tmp`;
    try {
      execFileSync('go', ['build', '-o', partial, '.'], { cwd: SOURCE_DIR, env: goBuildEnv(dir), stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { code?: string; stderr?: Buffer };
      const why = err.code === 'ENOENT' ? 'go is not installed' : String(err.stderr ?? e);
      throw new Error(`building ${SOURCE_DIR} failed (needs apt packages golang-go and golang-github-masterminds-sprig-dev): ${why}`);
    }
    renameSync(partial, binary);
  }
  built = binary;
  return binary;
}

/** Renders every case with Go's text/template as Argo CD does (missingkey=error, sprig). */
export function renderWithGo(cases: readonly TemplateCase[]): Outcome[] {
  const stdout = execFileSync(goTemplateBinary(), { input: JSON.stringify(cases), maxBuffer: 256 * 1024 * 1024 });
  const results = JSON.parse(stdout.toString('utf8')) as { output?: string; error?: string }[];
  if (results.length !== cases.length) throw new Error(`gotemplate returned ${results.length} results for ${cases.length} cases`);
  return results.map((r) => (r.output !== undefined ? { output: r.output } : { error: r.error ?? 'no output and no error' }));
}

/** A case on which ferry and Go disagree. */
export interface Mismatch {
  readonly case: TemplateCase;
  readonly ferry: Outcome;
  readonly go: Outcome;
}

export interface Conformance {
  readonly mismatches: readonly Mismatch[];
  /** Both rendered the same bytes. */
  readonly same: number;
  /** Both failed. */
  readonly bothFail: number;
  /** Ferry refused a construct it does not evaluate; Go rendered it. */
  readonly refused: number;
}

/**
 * Runs an evaluator (ferry's, or a mutant of it) and Go on the same cases. A mismatch is ferry
 * rendering anything Go does not render identically, ferry claiming Go fails where Go renders,
 * or ferry failing with anything but a GoTemplateError. Ferry refusing (unsupported) is allowed.
 */
export function compareWithGo(
  cases: readonly TemplateCase[],
  evaluate: (c: TemplateCase) => string,
  go: readonly Outcome[] = renderWithGo(cases),
): Conformance {
  const mismatches: Mismatch[] = [];
  let same = 0;
  let bothFail = 0;
  let refused = 0;
  cases.forEach((c, i) => {
    let ferry: Outcome;
    try {
      ferry = { output: evaluate(c) };
    } catch (e) {
      const unsupported = (e as { unsupported?: unknown }).unsupported;
      if (e instanceof Error && e.name === 'GoTemplateError' && typeof unsupported === 'boolean') ferry = { error: e.message, unsupported };
      else ferry = { error: `not a GoTemplateError: ${String(e)}` };
    }
    const reference = go[i]!;
    if ('output' in ferry) {
      if ('output' in reference && reference.output === ferry.output) same++;
      else mismatches.push({ case: c, ferry, go: reference });
    } else if (ferry.unsupported === undefined) {
      mismatches.push({ case: c, ferry, go: reference });
    } else if ('error' in reference) {
      bothFail++;
    } else if (ferry.unsupported) {
      refused++;
    } else {
      mismatches.push({ case: c, ferry, go: reference });
    }
  });
  return { mismatches, same, bothFail, refused };
}

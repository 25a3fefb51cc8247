/**
 * The full render as the oracle of the incremental one (lib/render/incremental-render.ts): after an
 * incremental `ferry render`, `render --check --full` must find the tree up to date, byte for byte,
 * .github/ included, and an incremental `render --check` must print exactly what the full one
 * prints. The oracle's own record is put back, so each incremental render builds on the record
 * the previous incremental one left.
 *
 * The incremental renders run in one ferry process that stays up for the test file
 * (test/helpers/resident-ferry.ts: the compiled engine, as a user runs it, without a process
 * start-up per render). The oracle never runs there: every third full check (the first of a file
 * included) is a process of its own (bin/ferry.js), the others run in a second resident process
 * that does nothing but full checks, so nothing the incremental renders leave in their process can
 * make the two agree (docs/performance.md lists what a process keeps from one command to the next).
 * FERRY_ORACLE_FRESH_EVERY=<n> makes every n-th check a process of its own (1: all of them);
 * FERRY_ORACLE_CROSSCHECK=1 runs every check both ways and asserts they agree.
 * Within one process an edited platform.ts is loaded again but a module it imports is not: a test
 * that edits one spawns every render.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { renderRecordPath } from '../../lib/render/render-record.js';
import type { CliResult, PlatformRepo, PlatformRepoOptions } from './platform-repo.js';
import { ResidentFerry, residentFerry } from './resident-ferry.js';

/** The --explain line of a render whose inputs did not change. */
export const UNCHANGED = 'ferry render: unchanged: no input changed since the last render; nothing synthesised\n';
/** The --explain line of a render after a platform (or engine) change. */
export const PLATFORM_CHANGED = 'ferry render: full: the engine, platform/platform.ts or what it imports, Pulumi.yaml or the workflow templates changed\n';
/** The --explain line of a render that must restore files only a full render makes. */
export const TREE_DIFFERS = 'ferry render: full: manifests/ or .github/ differ from the last render, and only a full render can restore them\n';

/** `ferry render <args>` in the resident ferry process: the incremental render under test. */
export function renderIncremental(repo: PlatformRepo, args: readonly string[]): Promise<CliResult> {
  return residentFerry().run(['render', ...args], repo.root);
}

/** For createPlatformRepo and the helpers around it: a new repository's first render (set-up, before git) in the resident process too. */
export const RESIDENT_INITIAL_RENDER: Pick<PlatformRepoOptions, 'initialRender'> = {
  initialRender: (root) => residentFerry().run(['render', '--quiet'], root),
};

const FRESH_EVERY = freshEvery(process.env.FERRY_ORACLE_FRESH_EVERY);
const CROSSCHECK = process.env.FERRY_ORACLE_CROSSCHECK === '1';

function freshEvery(value: string | undefined): number {
  if (value === undefined) return 3;
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`FERRY_ORACLE_FRESH_EVERY: '${value}' is not allowed; allowed: a whole number from 1 (every check a process of its own)`);
  return Number(value);
}
let checks = 0;
let oracle: ResidentFerry | undefined;
// Registered when a test file imports this module: the oracle's process ends with the file's tests.
afterAll(() => {
  oracle?.stop();
  oracle = undefined;
});

/** One `render --check --full`, in a process of its own or in the oracle's resident process (see above). */
async function runFullCheck(repo: PlatformRepo): Promise<CliResult> {
  const fresh = () => repo.ferrySpawn(['render', '--check', '--full']);
  const resident = () => (oracle ??= ResidentFerry.start()).run(['render', '--check', '--full'], repo.root);
  if (CROSSCHECK) {
    const [inProcessOfItsOwn, inResident] = [fresh(), await resident()];
    expect(['the oracle, resident and fresh', inResident]).toEqual(['the oracle, resident and fresh', inProcessOfItsOwn]);
    return inProcessOfItsOwn;
  }
  return checks++ % FRESH_EVERY === 0 ? fresh() : resident();
}

/** `render --check --full` with the record put back afterwards: the oracle leaves no trace. */
export async function fullCheck(repo: PlatformRepo): Promise<CliResult> {
  const path = renderRecordPath(repo.root)!;
  const saved = existsSync(path) ? readFileSync(path) : undefined;
  const result = await runFullCheck(repo);
  if (saved) writeFileSync(path, saved);
  else rmSync(path, { force: true });
  return result;
}

export async function expectUpToDate(repo: PlatformRepo, where: string): Promise<void> {
  const check = await fullCheck(repo);
  expect([where, check.code, check.stderr]).toEqual([where, 0, '']);
}

/** Renders incrementally and asserts the path taken (its --explain line) and that a full render agrees. */
export async function renderAndCompare(repo: PlatformRepo, explain: string, where: string): Promise<void> {
  const result = await renderIncremental(repo, ['--quiet', '--explain']);
  expect([where, result.code, result.stderr]).toEqual([where, 0, explain]);
  await expectUpToDate(repo, where);
}

/** An incremental `render --check` prints exactly what the full one does. */
export async function checkLikeFull(repo: PlatformRepo, where: string): Promise<CliResult> {
  const full = await fullCheck(repo);
  const incremental = await renderIncremental(repo, ['--check']);
  expect([where, incremental]).toEqual([where, full]);
  return incremental;
}

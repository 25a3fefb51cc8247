/**
 * `ferry render` whose cost follows the change. Each render records its inputs' and outputs'
 * hashes (lib/render/render-record.ts); the next one compares the inputs with the record:
 *
 * - nothing changed: the answer comes from hashing the inputs and the files on disk; neither the
 *   platform nor cdk8s is loaded, nothing is synthesised;
 * - only image tags or digests of kustomize services changed in the stack files (a promotion;
 *   compared with the stack files the record holds, lib/render/tag-only-change.ts): only those
 *   services' overlays in the environments that moved (and their previews, with the first
 *   environment) are synthesised. Everything else reads no tag: bases, CODEOWNERS and the
 *   workflows the platform alone; Argo CD objects the platform, chart versions, config values and
 *   the charts' kinds, which are checked to be the recorded ones; the summary table is made from
 *   every environment's stack file. Anything else in the change takes the next path;
 * - only stack files changed: only those environments' overlays and Helm values (and the previews,
 *   which run the first environment's) are synthesised, and every cluster's Argo CD objects, which
 *   read every environment (chart versions, the kinds its AppProject admits); base manifests,
 *   CODEOWNERS and the workflows depend on the platform alone;
 * - files on disk that differ from the record (hand edits, deletions): stale ones are removed by
 *   hash; an overlay's or values file's environment is rendered again as above, Argo CD's and
 *   .github/'s come with every such render;
 * - anything else (the engine, Node, platform/platform.ts or what it imports, Pulumi.yaml, the
 *   workflow templates, a missing or unreadable record, sources this cannot follow, a base file to
 *   restore): the full render, as before. Its files whose folder is not on disk (a fresh tree, a new
 *   service) are written on a worker thread while the rest is synthesised (lib/fs/pre-stage.ts),
 *   and the tree transaction adopts them and places new folders whole.
 *
 * `--check` answers "up to date" from the hashes; when it finds a difference, a full render lists
 * the differences, so what it prints is always the full render's.
 *
 * Every path gives the files a full render gives (test/render/incremental-render.test.ts compares
 * them on the sample and on fuzzed platforms).
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join, sep } from 'node:path';
import { removeDeadLeftovers, updateTreeAtomically, TREE_TRANSACTION, type FileWrite } from '../fs/atomic-tree.js';
import { listFilesInWorker } from '../fs/file-listing.js';
import { PreStage } from '../fs/pre-stage.js';
import { contentHash, hashRenderInputs, type RenderInputs } from './render-inputs.js';
import { chartKindLines, chartKindsOf, dropRenderRecord, manifestHashes, manifestLines, readRecordedStacks, readRenderRecord, RENDER_RECORD_VERSION, renderRecordPath, writeRecordedStacks, writeRenderRecord, type RenderRecord } from './render-record.js';
import { listFiles } from './tree.js';
import { MANIFESTS_DIR } from '../../model/repository-layout.js';
import type { ResourceKind } from '../../constructs/app-project.js';
import type { Platform } from '../../model/platform.js';
import type { ServiceRenderScope } from './render.js';

/** How a render was answered. */
export type RenderPath = 'unchanged' | 'services' | 'environments' | 'full';

/** Options of {@link renderIncrementally}. */
export interface IncrementalRenderOptions {
  /**
   * Write nothing under manifests/ or .github/; report the drift.
   * @default false
   */
  readonly check?: boolean;
  /**
   * Recorded in the tree lock.
   * @default 'ferry render'
   */
  readonly command?: string;
  /**
   * Ignore the record and render everything (the record is still written).
   * @default false
   */
  readonly full?: boolean;
  /**
   * Called before each step that changes the disk: a full render's pre-staged files as they are handed
   * to the writer thread (lib/fs/pre-stage.ts), then the tree transaction's steps, each numbered from 1.
   * Tests kill the render here to check that every point leaves the old tree or the new one.
   * @default no call
   */
  readonly onStep?: (step: number, description: string) => void;
}

/** A file that differs from what the render makes, as `render --check` lists it. */
export interface DriftLine {
  readonly state: 'changed' | 'missing' | 'stale';
  readonly path: string;
}

/** What a render did or, with `check`, found. */
export interface IncrementalRenderResult {
  readonly path: RenderPath;
  /** Why this path, in a sentence. */
  readonly reason: string;
  /** The summary table (environment × service -> tag, replicas, strategy, sync). */
  readonly summary: string;
  /** Files in manifests/ and under .github/ the render makes. */
  readonly manifestCount: number;
  readonly githubCount: number;
  /** Files that differ(ed) from the render, in `render --check`'s order: manifests/ changed, missing, stale, then .github/. */
  readonly drift: readonly DriftLine[];
  /** Files written and removed (0 with `check`). */
  readonly written: number;
  readonly removed: number;
}

/** The expected state of the tree: every file's hash, and the contents this run holds. */
export interface Expected {
  readonly manifests: ReadonlyMap<string, string>;
  readonly github: readonly (readonly [string, string])[];
  readonly contents: ReadonlyMap<string, string>;
}

/** Renders the repository at `root`, as cheaply as its changes allow (see the module comment). */
export async function renderIncrementally(root: string, options: IncrementalRenderOptions = {}): Promise<IncrementalRenderResult> {
  const recordPath = renderRecordPath(root);
  // What a killed render left (its pre-stage folder) goes now, even when this render writes nothing.
  if (!options.check) removeDeadLeftovers(root);
  const full = (reason: string) => fullRender(root, recordPath, options, reason);
  if (options.full) return full('full: asked for');
  // An interrupted tree write is recovered by the next writer; only a full render is sure to be one.
  if (existsSync(join(root, TREE_TRANSACTION))) return full('full: a tree transaction was interrupted; the render recovers it');
  const lookup = readRenderRecord(recordPath, root);
  const unfollowable = 'full: platform/platform.ts reads something ferry cannot follow';
  // Such a platform is never recorded: say why rather than that the record is missing.
  if ('missing' in lookup) return full(hashRenderInputs(root, []) === undefined ? unfollowable : `full: ${lookup.missing}`);
  const record = lookup.record;
  const inputs = hashRenderInputs(root, record.environments.map(stackFile));
  if (inputs === undefined) return full(unfollowable);
  if (inputs.platform !== record.inputs.platform) return full('full: the engine, platform/platform.ts or what it imports, Pulumi.yaml or the workflow templates changed');
  const changedEnvironments = record.environments.filter((env) => inputs.stacks[stackFile(env)] !== record.inputs.stacks[stackFile(env)]);

  let scope = new Set(changedEnvironments);
  let cause = `${changedEnvironments.map(stackFile).join(', ')} changed`;
  if (changedEnvironments.length === 0) {
    const expected: Expected = { manifests: manifestHashes(record.manifests), github: record.github, contents: new Map() };
    const reason = 'unchanged: no input changed since the last render; nothing synthesised';
    if (options.check) {
      if ((await driftByHashAsync(root, expected)).length === 0) return answer('unchanged', reason, record.summary, expected);
      return full('full: the tree differs from the last render; a full render lists the differences');
    }
    const applied = await applyByHash(root, expected, options);
    if (applied !== undefined) return { ...answer('unchanged', reason, record.summary, expected), ...applied };
    // Files to restore: the environments whose folders hold them are rendered again (Argo CD's and
    // .github/'s are in every scoped render); a base file takes a full render.
    const owners = ownersOf(driftByHash(root, expected).filter((line) => line.state !== 'stale').map((line) => line.path), record.environments);
    if (owners === undefined) return full('full: manifests/ or .github/ differ from the last render, and only a full render can restore them');
    scope = owners;
    cause = 'the tree differs from the last render';
  }

  const { loadPlatform } = await import('../loader/load-platform.js');
  const platform = await loadPlatform(root);
  if (platform.environments.map((e) => e.name).join('\n') !== record.environments.join('\n')) {
    return full('full: the platform\'s environments differ from the recorded ones');
  }
  if (changedEnvironments.length > 0) {
    const services = await renderServices({ root, recordPath, record, inputs, platform, options, changed: changedEnvironments, full });
    if (services !== undefined) return services;
  }
  // The AppProject's kinds need every chart left out; a record without them cannot scope a render.
  const recordedKinds = chartKindsOf(record.chartKinds);
  const kustomizeServices = platform.services.filter((s) => s.chart === undefined).map((s) => s.name);
  const leftOut = [
    ...kustomizeServices.map((service) => `${MANIFESTS_DIR}/base/${service}`),
    ...record.environments.filter((env) => !scope.has(env)).flatMap((env) => kustomizeServices.map((service) => `${MANIFESTS_DIR}/overlays/${env}/${service}`)),
  ];
  if (leftOut.some((dir) => !recordedKinds.has(dir))) return full('full: the render record lacks the kinds of a chart a scoped render leaves out');
  const { readStackConfigs, renderPlatform } = await import('./render.js');
  const configs = readStackConfigs(root, platform);
  const output = renderPlatform(platform, configs, { environments: scope, chartKinds: recordedKinds });
  const prefixes = scopePrefixes(platform, scope);
  const inScope = (path: string) => prefixes.some((prefix) => path.startsWith(prefix));
  for (const path of output.files.keys()) {
    if (!inScope(path)) throw new Error(`${path}: rendered for environments ${[...scope].join(', ')} but outside their folders (a bug in ferry's scoped render)`);
  }
  const manifests = new Map([...manifestHashes(record.manifests)].filter(([path]) => !inScope(path)));
  for (const [path, content] of output.files) manifests.set(path, contentHash(content));
  const sorted = new Map([...manifests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const github = await githubFiles(root, platform);
  const expected: Expected = { manifests: sorted, github: [...github].map(([path, content]) => [path, contentHash(content)] as const), contents: new Map([...output.files, ...github]) };
  const { renderSummary } = await import('./summary.js');
  const summary = renderSummary(output.environments);
  const rendered = [...record.environments.filter((env) => scope.has(env)), ...(prefixes.includes(`${MANIFESTS_DIR}/overlays/preview/`) ? ['the previews'] : []), "every cluster's Argo CD objects"];
  const reason = `environments: ${cause}; re-rendered ${rendered.length > 1 ? `${rendered.slice(0, -1).join(', ')} and ` : ''}${rendered.at(-1)!}`;
  const after = hashRenderInputs(root, record.environments.map(stackFile));
  // An input edited while this ran (a platform.ts saved mid-render) would mix two platforms' files.
  if (!sameInputs(inputs, after)) return full('full: an input changed while the environments were rendered');
  const chartKinds = new Map([...[...recordedKinds].filter(([dir]) => !inScope(`${dir}/`)), ...output.chartKinds]);
  const newRecord = recordOf(root, record.environments, inputs, expected, chartKindLines(chartKinds), summary);
  const keep = () => keepRecord(root, recordPath, newRecord);
  if (options.check) {
    keep();
    if ((await driftByHashAsync(root, expected)).length === 0) return answer('environments', reason, summary, expected);
    return full(`full: ${cause} and the tree differs from that render; a full render lists the differences`);
  }
  // Files to write are all but certain: straight to the comparison under the tree lock.
  const applied = await applyByHash(root, expected, options, { lockAtOnce: true });
  if (applied === undefined) return full('full: manifests/ or .github/ differ from the last render outside the changed environments, and only a render can restore them');
  keep();
  return { ...answer('environments', reason, summary, expected), ...applied };
}

function stackFile(env: string): string {
  return `Pulumi.${env}.yaml`;
}

/**
 * The environments whose scoped render rewrites every path of `paths` (an overlay's, a Helm values
 * file's; a preview's is the first environment's; Argo CD's and .github/'s none), or undefined when
 * one is outside them all (a base, an unknown folder).
 */
function ownersOf(paths: readonly string[], environments: readonly string[]): Set<string> | undefined {
  const owners = new Set<string>();
  for (const path of paths) {
    if (path.startsWith(`${MANIFESTS_DIR}/argocd/`) || path.startsWith('.github/')) continue;
    const [, folder, env] = /^manifests\/(overlays|helm)\/([^/]+)\//.exec(path) ?? [];
    if (folder === 'overlays' && env === 'preview' && environments[0] !== undefined) owners.add(environments[0]);
    else if (env !== undefined && environments.includes(env)) owners.add(env);
    else return undefined;
  }
  return owners;
}

/** The folders a render of `environments` rewrites wholly. */
function scopePrefixes(platform: Platform, environments: ReadonlySet<string>): string[] {
  const prefixes = [`${MANIFESTS_DIR}/argocd/`];
  for (const env of environments) prefixes.push(`${MANIFESTS_DIR}/overlays/${env}/`, `${MANIFESTS_DIR}/helm/${env}/`);
  if (platform.previews && environments.has(platform.environments[0]!.name)) prefixes.push(`${MANIFESTS_DIR}/overlays/preview/`);
  return prefixes;
}

function answer(path: RenderPath, reason: string, summary: string, expected: Expected): IncrementalRenderResult {
  return { path, reason, summary, manifestCount: expected.manifests.size, githubCount: expected.github.length, drift: [], written: 0, removed: 0 };
}

function sameInputs(a: RenderInputs | undefined, b: RenderInputs | undefined): boolean {
  return a !== undefined && b !== undefined && a.platform === b.platform && JSON.stringify(a.stacks) === JSON.stringify(b.stacks);
}

function recordOf(root: string, environments: readonly string[], inputs: RenderInputs, expected: Expected, chartKinds: string, summary: string): RenderRecord {
  return { version: RENDER_RECORD_VERSION, root, inputs, environments, manifests: manifestLines(expected.manifests), github: expected.github, chartKinds, summary };
}

/**
 * Writes the record and keeps the stack files it hashed beside it, for the next render to compare
 * a changed one with ({@link renderServices}); `texts` when this run holds them already.
 */
function keepRecord(root: string, recordPath: string | undefined, record: RenderRecord, texts = stackTextsOf(root, record.inputs)): void {
  writeRenderRecord(recordPath, record);
  // None when a stack file changed since it was hashed: the next change to one renders its environments.
  if (texts !== undefined) writeRecordedStacks(recordPath, texts);
}

/**
 * The stack files `inputs` hashed, as text; undefined when one is missing or no longer what was
 * hashed (edited meanwhile).
 */
function stackTextsOf(root: string, inputs: RenderInputs): Record<string, string> | undefined {
  const texts: Record<string, string> = {};
  for (const [file, hash] of Object.entries(inputs.stacks)) {
    const path = join(root, file);
    if (!existsSync(path)) return undefined;
    const text = readFileSync(path, 'utf8');
    if (contentHash(text) !== hash) return undefined;
    texts[file] = text;
  }
  return texts;
}

/** What {@link renderServices} needs of {@link renderIncrementally}. */
interface ServicesRenderContext {
  readonly root: string;
  readonly recordPath: string | undefined;
  readonly record: RenderRecord;
  readonly inputs: RenderInputs;
  readonly platform: Platform;
  readonly options: IncrementalRenderOptions;
  /** The environments whose stack file differs from the record's, in promotion order. */
  readonly changed: readonly string[];
  readonly full: (reason: string) => Promise<IncrementalRenderResult>;
}

/**
 * The services path (see the module comment): undefined, having written nothing, when the change
 * is not one of image tags or digests alone or its overlays' kinds differ from the recorded ones;
 * the environments path then renders.
 */
async function renderServices({ root, recordPath, record, inputs, platform, options, changed, full }: ServicesRenderContext): Promise<IncrementalRenderResult | undefined> {
  const files = record.environments.map(stackFile);
  const recorded = readRecordedStacks(recordPath);
  // None kept (an earlier ferry's record), or not the stack files the record hashed: nothing to compare with.
  if (recorded === undefined || files.some((file) => recorded[file] === undefined || contentHash(recorded[file]) !== record.inputs.stacks[file])) return undefined;
  const head = stackTextsOf(root, inputs);
  if (head === undefined) return undefined;
  const { parseStackConfig, projectValues, readProjectName } = await import('../../model/stack-config.js');
  const { tagOnlyChange } = await import('./tag-only-change.js');
  const project = readProjectName(root);
  const change = tagOnlyChange(platform, project, new Map(Object.entries(recorded)), new Map(Object.entries(head)));
  if (change === undefined) return undefined;
  const { scope } = change;
  // Every environment's config: the summary table shows every tag. The stack files read are the ones hashed.
  const configs = new Map(
    platform.environments.map((environment) => {
      const file = stackFile(environment.name);
      return [environment.name, change.headConfigs.get(environment.name) ?? parseStackConfig(projectValues(head[file]!, file, project), { file, project, platform, environment })] as const;
    }),
  );
  const { renderPlatform } = await import('./render.js');
  const output = renderPlatform(platform, configs, scope);
  // The AppProjects admit the kinds of every chart: the same kinds, the same Argo CD objects.
  const recordedKinds = chartKindsOf(record.chartKinds);
  const kindList = (kinds: readonly ResourceKind[] | undefined) => kinds?.map((k) => `${k.group}/${k.kind}`).join('\t');
  for (const [dir, kinds] of output.chartKinds) if (!recordedKinds.has(dir) || kindList(recordedKinds.get(dir)) !== kindList(kinds)) return undefined;

  const previews = platform.previews !== undefined && scope.environments.has(platform.environments[0]!.name);
  const folders = new Set([...scope.environments, ...(previews ? ['preview'] : [])].flatMap((env) => [...scope.services].map((service) => `${MANIFESTS_DIR}/overlays/${env}/${service}/`)));
  const inScope = (path: string) => folders.has(`${path.split('/', 4).join('/')}/`);
  const recordedHashes = manifestHashes(record.manifests);
  const manifests = new Map([...recordedHashes].filter(([path]) => !inScope(path)));
  const contents = new Map<string, string>();
  for (const [path, content] of output.files) {
    const hash = contentHash(content);
    if (inScope(path)) {
      manifests.set(path, hash);
      contents.set(path, content);
    } else if (recordedHashes.get(path) !== hash) {
      // A base: the platform's alone, and the platform is the recorded one.
      throw new Error(`${path}: rendered for a change of image tags alone and differs from the last render (a bug in ferry's scoped render)`);
    }
  }
  const sorted = new Map([...manifests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const expected: Expected = { manifests: sorted, github: record.github, contents };
  const { resolveEnvironment } = await import('../../model/resolve.js');
  const { renderSummary } = await import('./summary.js');
  const summary = renderSummary(platform.environments.map((environment) => resolveEnvironment(platform, environment, configs.get(environment.name)!)));
  const reason = servicesReason(scope, previews, changed);
  if (!sameInputs(inputs, hashRenderInputs(root, files))) return full('full: an input changed while the services were rendered');
  const keep = () => keepRecord(root, recordPath, recordOf(root, record.environments, inputs, expected, record.chartKinds, summary), head);
  const cause = `${changed.map(stackFile).join(', ')} changed`;
  if (options.check) {
    keep();
    if ((await driftByHashAsync(root, expected)).length === 0) return answer('services', reason, summary, expected);
    return full(`full: ${cause} and the tree differs from that render; a full render lists the differences`);
  }
  // Overlays re-rendered are all but certain to be written: straight to the comparison under the tree lock.
  const applied = await applyByHash(root, expected, options, { lockAtOnce: contents.size > 0 });
  if (applied === undefined) return full('full: manifests/ or .github/ differ from the last render outside the re-rendered overlays, and only a full render can restore them');
  keep();
  return { ...answer('services', reason, summary, expected), ...applied };
}

/** The --explain line of the services path: what moved where (the first five services by name), and what was rendered. */
function servicesReason(scope: ServiceRenderScope, previews: boolean, changed: readonly string[]): string {
  if (scope.services.size === 0) return `services: ${changed.map(stackFile).join(', ')} changed only in what the render does not read; nothing synthesised`;
  const names = [...scope.services];
  const listed = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  return `services: only image tags or digests changed (${listed} in ${[...scope.environments].join(', ')}); re-rendered those overlays${previews ? ' and their previews' : ''}`;
}

/** CODEOWNERS and the workflows: the platform's alone. */
async function githubFiles(root: string, platform: Platform): Promise<Map<string, string>> {
  const { CODEOWNERS_PATH, renderCodeowners } = await import('../github/codeowners.js');
  const { isEngineCheckout, renderWorkflows } = await import('../github/render-workflows.js');
  return new Map([[CODEOWNERS_PATH, renderCodeowners(platform, { engineCheckout: isEngineCheckout(root) })], ...renderWorkflows(root, platform)]);
}

/** The files on disk that differ from `expected`, by hash, in `render --check`'s order. */
export function driftByHash(root: string, expected: Expected): DriftLine[] {
  const base = `${root}${sep}`;
  return driftAgainst(root, expected, new Set(listFiles(root, MANIFESTS_DIR)), (path) => contentHash(readBytes(base + path)));
}

/** Trees at least this large are walked in a worker while this thread reads ({@link driftByHashAsync}). */
const PARALLEL_WALK_FILES = 2000;

/**
 * {@link driftByHash}, the same lines, with the folders walked in a worker thread while this one
 * reads and hashes the expected files; a file the walk does not list is missing whatever the read
 * found (a symlink, say), as in driftByHash.
 * @param parallelFrom the tree size from which the walk runs in a worker (below it the worker's start costs more than it spares)
 */
export async function driftByHashAsync(root: string, expected: Expected, parallelFrom = PARALLEL_WALK_FILES): Promise<DriftLine[]> {
  if (expected.manifests.size < parallelFrom) return driftByHash(root, expected);
  const walk = listFilesInWorker(join(root, MANIFESTS_DIR), MANIFESTS_DIR).catch(() => undefined);
  const base = `${root}${sep}`;
  const read = new Map<string, string>();
  for (const path of expected.manifests.keys()) {
    try {
      read.set(path, contentHash(readBytes(base + path)));
    } catch {
      // Missing (or not a file): the walk decides.
    }
  }
  // A failed walk (a missing manifests/ included) is repeated here, so its error is the one driftByHash gives.
  const onDisk = (await walk) ?? listFiles(root, MANIFESTS_DIR);
  return driftAgainst(root, expected, new Set(onDisk), (path) => read.get(path) ?? contentHash(readBytes(base + path)));
}

/** The drift lines of `expected` against the files `onDisk` (under manifests/), whose hashes `hashOf` gives. */
function driftAgainst(root: string, expected: Expected, onDisk: ReadonlySet<string>, hashOf: (path: string) => string): DriftLine[] {
  const changed: DriftLine[] = [];
  const missing: DriftLine[] = [];
  for (const [path, hash] of expected.manifests) {
    if (!onDisk.has(path)) missing.push({ state: 'missing', path });
    else if (hashOf(path) !== hash) changed.push({ state: 'changed', path });
  }
  const stale = [...onDisk].filter((path) => !expected.manifests.has(path)).map((path) => ({ state: 'stale' as const, path }));
  const github = expected.github.flatMap(([path, hash]): DriftLine[] => {
    const file = join(root, path);
    if (!existsSync(file)) return [{ state: 'missing', path }];
    return contentHash(readFileSync(file)) === hash ? [] : [{ state: 'changed', path }];
  });
  return [...changed, ...missing, ...stale, ...github];
}

let scratch = Buffer.allocUnsafe(1 << 16);

/** A file's bytes, read into one reused buffer (valid until the next call): no allocation per file. */
function readBytes(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === scratch.length) scratch = Buffer.concat([scratch, Buffer.allocUnsafe(scratch.length)]);
      const read = readSync(fd, scratch, length, scratch.length - length, null);
      if (read === 0) return scratch.subarray(0, length);
      length += read;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes the tree match `expected` in one crash-safe transaction, comparing under the tree lock;
 * undefined (and nothing written) when a file must be written whose content this run does not hold.
 */
async function applyByHash(root: string, expected: Expected, options: IncrementalRenderOptions, { lockAtOnce = false } = {}): Promise<Pick<IncrementalRenderResult, 'drift' | 'written' | 'removed'> | undefined> {
  // Nothing to write: no transaction, no lock (the tree matched the render when it was read). Unless
  // the caller knows of files to write: then this comparison would only repeat the one under the lock.
  if (!lockAtOnce && (await driftByHashAsync(root, expected)).length === 0) return { drift: [], written: 0, removed: 0 };
  const outcome = updateTreeAtomically(
    root,
    () => {
      const drift = driftByHash(root, expected);
      if (drift.some((line) => line.state !== 'stale' && !expected.contents.has(line.path))) return { changes: [], result: undefined };
      const changes: FileWrite[] = drift.map((line) => ({ path: line.path, content: line.state === 'stale' ? undefined : expected.contents.get(line.path)! }));
      return { changes, result: drift };
    },
    { command: options.command ?? 'ferry render', onStep: options.onStep },
  );
  if (outcome === undefined) return undefined;
  const removed = outcome.filter((line) => line.state === 'stale').length;
  return { drift: outcome, written: outcome.length - removed, removed };
}

/** The full render, as `ferry render` always did; records its inputs and outputs for the next run. */
async function fullRender(root: string, recordPath: string | undefined, options: IncrementalRenderOptions, reason: string): Promise<IncrementalRenderResult> {
  const { loadPlatform, PLATFORM_FILE } = await import('../loader/load-platform.js');
  const sourcesBefore = existsSync(join(root, PLATFORM_FILE)) ? hashRenderInputs(root, []) : undefined;
  const platform = await loadPlatform(root);
  const environments = platform.environments.map((e) => e.name);
  const inputs = hashRenderInputs(root, environments.map(stackFile));
  const { readStackConfigs, renderPlatform } = await import('./render.js');
  const { compareTree, writeTreeAtomically } = await import('./tree.js');
  const { renderSummary } = await import('./summary.js');
  // A file whose folder is not on disk (a fresh tree, a new service) is written on the second core
  // while the rest is synthesised; the transaction adopts it under the lock (lib/fs/pre-stage.ts).
  const preStage = options.check ? undefined : new PreStage(root, { onStep: options.onStep, sha256: true });
  try {
    const output = renderPlatform(platform, readStackConfigs(root, platform), undefined, { onFile: preStage && ((path, content) => preStage.offer(path, content)) });
    const github = await githubFiles(root, platform);
    const state = (path: string, content: string) => {
      const file = join(root, path);
      return !existsSync(file) ? 'missing' : readFileSync(file, 'utf8') === content ? 'same' : 'changed';
    };
    const outdated = [...github].map(([path, content]) => ({ path, content, state: state(path, content) })).filter((f) => f.state !== 'same');
    const summary = renderSummary(output.environments);
    const preStaged = await preStage?.finish();
    // The writer thread hashed what it wrote (the same string, so the same bytes); the rest is hashed here.
    const hashOf = (path: string, content: string) => (preStaged?.files.get(path) === content ? preStaged.sha256.get(path) : undefined) ?? contentHash(content);
    const expected: Expected = {
      manifests: new Map([...output.files].map(([path, content]) => [path, hashOf(path, content)])),
      github: [...github].map(([path, content]) => [path, contentHash(content)] as const),
      contents: new Map(),
    };
    const keep = () => {
      const after = hashRenderInputs(root, environments.map(stackFile));
      // Recorded only when nothing changed while rendering, so the record pairs these inputs with exactly these outputs.
      if (inputs !== undefined && sourcesBefore?.platform === inputs.platform && sameInputs(inputs, after)) {
        keepRecord(root, recordPath, recordOf(root, environments, inputs, expected, chartKindLines(output.chartKinds), summary));
      } else {
        dropRenderRecord(recordPath);
      }
    };
    const githubDrift = outdated.map((f) => ({ state: f.state as 'changed' | 'missing', path: f.path }));
    if (options.check) {
      const drift = compareTree(root, output.files);
      keep();
      return {
        ...answer('full', reason, summary, expected),
        drift: [...drift.changed.map((path) => ({ state: 'changed' as const, path })), ...drift.missing.map((path) => ({ state: 'missing' as const, path })), ...drift.stale.map((path) => ({ state: 'stale' as const, path })), ...githubDrift],
      };
    }
    // manifests/, CODEOWNERS and the workflows in one crash-safe transaction, serialised with other writers of this tree.
    const drift = writeTreeAtomically(root, output.files, { alsoWrite: new Map(outdated.map((f) => [f.path, f.content])), command: options.command ?? 'ferry render', onStep: options.onStep, preStaged, moveNewFolders: true });
    keep();
    return {
      ...answer('full', reason, summary, expected),
      drift: [...drift.changed.map((path) => ({ state: 'changed' as const, path })), ...drift.missing.map((path) => ({ state: 'missing' as const, path })), ...drift.stale.map((path) => ({ state: 'stale' as const, path })), ...githubDrift],
      written: drift.changed.length + drift.missing.length + outdated.length,
      removed: drift.stale.length,
    };
  } finally {
    // Not adopted (a failed render, nothing to write): the folder goes; adopted, it is gone already.
    await preStage?.discard();
  }
}

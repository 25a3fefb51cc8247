import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import YAML from 'yaml';
import type { KustomizeBuildCache } from './build-cache.js';
import { diskTree, memoryTree, type KustomizationTree } from './kustomization-tree.js';
import type { ManifestObject } from './manifest-object.js';
import { parseObjects } from './parse-objects.js';
import { refuseRemoteResources } from './remote-resources.js';

/** Annotation that tells which overlay an object of a batched build came from; removed after the build. */
export const SOURCE_ANNOTATION = 'ferry.dev/diff-source';

/** Overlays per kustomize process: one batch's cost grows quadratically with its size, and ~50 measured near optimal. */
export const DEFAULT_BATCH_SIZE = 50;

/** Below this many overlays a batch is not cut further just to keep every CPU busy: the process start-up would dominate. */
const MIN_PARALLEL_BATCH = 8;

/** kustomize's message when two resources of one build have the same id. */
const COLLISION = /may not add resource with an already registered id/;

/** A batch that did not build as one process. */
export interface KustomizeEvent {
  /**
   * `split`: two overlays of the batch yield the same object id, which one build refuses; the
   * batch was halved (down to single overlays if need be). `fallback`: the batch failed for
   * another reason; its overlays were built one by one to name the failing overlay's error.
   */
  readonly type: 'split' | 'fallback';
  /** The overlays of the batch. */
  readonly overlays: readonly string[];
  /** kustomize's message for the batch. */
  readonly reason: string;
}

/** Counters of one runner, for tests and benchmarks. */
export interface KustomizeStats {
  /** kustomize processes started. */
  processes: number;
  /** Batches of more than one overlay built by one process without error. */
  batches: number;
  /** Batches halved because two of their overlays yield the same object id. */
  splits: number;
  /** Batches that failed for another reason and were rebuilt overlay by overlay. */
  fallbacks: number;
}

/** Options of {@link KustomizeRunner}. */
export interface KustomizeRunnerProps {
  /**
   * The kustomize command; its arguments are followed by the folder to build.
   * @default ['kubectl', 'kustomize']
   */
  readonly command?: readonly string[];
  /**
   * kustomize processes run at the same time.
   * @default - the number of CPUs
   */
  readonly concurrency?: number;
  /**
   * Most overlays one kustomize process builds.
   * @default 50
   */
  readonly batchSize?: number;
  /**
   * Hosts whose remote resources (URLs, git references, Helm chart repositories) kustomizations
   * may reference; any other remote reference fails the build before kustomize runs.
   * @default - none: only files of the repository
   */
  readonly allowedRemoteHosts?: readonly string[];
  /** Called for each batch that did not build as one process. @default - nothing */
  readonly onEvent?: (event: KustomizeEvent) => void;
  /**
   * Built overlays kept between runs: `buildTrees` and `buildFolders` look every overlay up
   * first, build only the misses (in the same bounded batches) and store them.
   * @default - none: every overlay is built
   */
  readonly cache?: KustomizeBuildCache;
}

/** A tree of files given in memory and the overlays to build in it. */
export interface TreeRequest {
  /** Repository-relative path → content. */
  readonly files: ReadonlyMap<string, string>;
  /**
   * Repository-relative overlay folders, in groups that may share a kustomize process (e.g. one
   * environment: overlays of different environments may yield the same cluster-wide objects).
   * Each group is cut into batches of at most `batchSize`.
   */
  readonly batches: readonly (readonly string[])[];
}

/** What {@link KustomizeRunner} found in its cache for one tree. */
interface CacheLookup {
  readonly hits: ReadonlyMap<string, ManifestObject[]>;
  readonly keys: ReadonlyMap<string, string | undefined>;
  /** The tree paths each keyed overlay's build may read. */
  readonly inputs: ReadonlyMap<string, readonly string[]>;
  readonly misses: readonly (readonly string[])[];
  /** Whether any overlay to build will be stored. */
  readonly toStore: boolean;
}

/**
 * The files of a tree the builds of its missed overlays need: when each of them has known inputs,
 * those alone (a platform.ts change to one service builds its few overlays, not a copy of 34,000
 * rendered files); else every file.
 */
function filesToWrite(files: ReadonlyMap<string, string>, lookup: CacheLookup): Iterable<string> {
  const missed = lookup.misses.flat();
  if (!missed.every((dir) => lookup.inputs.has(dir))) return files.keys();
  return new Set(missed.flatMap((dir) => lookup.inputs.get(dir)!).filter((path) => files.has(path)));
}

/** The overlays of `groups` without a key: with no cache, all of them. */
function unkeyed(groups: readonly (readonly string[])[], keys: ReadonlyMap<string, string | undefined>): string[] {
  return groups.flat().filter((dir) => keys.get(dir) === undefined);
}

/** The overlays of `groups` in order, each from `hits` or `built`. */
function inOrder(groups: readonly (readonly string[])[], hits: ReadonlyMap<string, ManifestObject[]>, built: ReadonlyMap<string, ManifestObject[]>): Map<string, ManifestObject[]> {
  const out = new Map<string, ManifestObject[]>();
  for (const dir of groups.flat()) {
    const objects = hits.get(dir) ?? built.get(dir);
    if (objects) out.set(dir, objects);
  }
  return out;
}

/**
 * The one way ferry runs kustomize (validate, diff and tests): `kubectl kustomize` over overlays on
 * disk or in trees held in memory.
 *
 * Speed: each `kubectl kustomize` process costs about 0.3 s of start-up, which dwarfs building one
 * overlay, so up to `batchSize` overlays of a group are built by ONE process: a wrapper
 * kustomization lists every overlay, each through a tiny kustomization whose
 * AnnotationsTransformer stamps `ferry.dev/diff-source: <dir>` on `metadata.annotations` only
 * (not on pod templates); the stamp attributes each object to its overlay and is removed after
 * parsing. Paths in the wrappers are relative: kustomize refuses absolute ones ("new root …
 * cannot be absolute"). Batches are bounded because one build's cost grows quadratically with
 * its size (100 overlays 2 s, 500 overlays 33 s). Batches run in parallel, `concurrency` at once.
 *
 * Nothing falls back silently: a batch whose overlays collide (same object id) is halved and
 * reported as a `split` event; a batch that fails otherwise is rebuilt overlay by overlay only to
 * name the failing overlay's error (a `fallback` event), and if every overlay builds alone the
 * batch's failure is thrown as a batching bug.
 *
 * With a `cache` ({@link KustomizeBuildCache}) every overlay is looked up first and only the
 * misses are built (in the same batches) and stored: kustomize is a pure function of the files
 * it reads, so an overlay whose every input is unchanged is never built twice.
 */
export class KustomizeRunner {
  private readonly command: readonly string[];
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly allowedRemoteHosts: readonly string[];
  private readonly onEvent: ((event: KustomizeEvent) => void) | undefined;
  private readonly cache: KustomizeBuildCache | undefined;
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private wrappers = 0;
  private readonly counters: KustomizeStats = { processes: 0, batches: 0, splits: 0, fallbacks: 0 };

  public constructor(props: KustomizeRunnerProps = {}) {
    this.command = props.command ?? ['kubectl', 'kustomize'];
    this.concurrency = Math.max(1, props.concurrency ?? availableParallelism());
    this.batchSize = props.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new Error(`KustomizeRunner: batchSize ${props.batchSize} must be a whole number of at least 1`);
    this.allowedRemoteHosts = props.allowedRemoteHosts ?? [];
    this.onEvent = props.onEvent;
    this.cache = props.cache;
  }

  /** What this runner did so far. */
  public get stats(): Readonly<KustomizeStats> {
    return { ...this.counters };
  }

  /**
   * Writes each tree's files to a temporary folder and builds its overlays; returns the objects
   * of each overlay, per tree. The temporary folder is removed.
   */
  public async buildTrees(trees: readonly TreeRequest[]): Promise<Map<string, ManifestObject[]>[]> {
    if (trees.every((t) => t.batches.every((b) => b.length === 0))) return trees.map(() => new Map());
    const lookups = trees.map((tree) => this.lookUp(memoryTree(tree.files), tree.batches));
    // A keyed overlay reads no remote resource (see buildInputs): with every overlay a hit, nothing is left to check or build.
    if (lookups.every((l) => l.misses.every((b) => b.length === 0))) return lookups.map((l, t) => inOrder(trees[t]!.batches, l.hits, new Map()));
    const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'ferry-kustomize-')));
    try {
      const roots = trees.map((tree, t) => {
        const root = join(scratch, `tree-${t}`);
        for (const path of filesToWrite(tree.files, lookups[t]!)) {
          mkdirSync(dirname(join(root, path)), { recursive: true });
          writeFileSync(join(root, path), tree.files.get(path)!);
        }
        return root;
      });
      // Every tree is checked before any process starts.
      trees.forEach((tree, t) => refuseRemoteResources(roots[t]!, unkeyed(tree.batches, lookups[t]!.keys), this.allowedRemoteHosts));
      const batches = this.plan(lookups.map((l, t) => l.misses.map((dirs) => ({ root: roots[t]!, dirs }))).flat());
      const built = await Promise.all(batches.map((b) => this.buildBatch(b.root, b.dirs, join(scratch, 'wrappers'))));
      return roots.map((root, t) => {
        const fresh = new Map(built.filter((_, i) => batches[i]!.root === root).flatMap((m) => [...m]));
        this.store(lookups[t]!.keys, fresh);
        return inOrder(trees[t]!.batches, lookups[t]!.hits, fresh);
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      if (this.cache && lookups.some((l) => l.toStore)) this.cache.prune();
    }
  }

  /**
   * Builds overlay folders of the tree at `root` on disk, in groups that may share a process
   * (see {@link TreeRequest.batches}); returns the objects of each overlay.
   */
  public async buildFolders(root: string, groups: readonly (readonly string[])[]): Promise<Map<string, ManifestObject[]>> {
    const real = realpathSync(root);
    const lookup = this.lookUp(diskTree(real), groups);
    // A keyed overlay reads no remote resource (see buildInputs); the others are checked before anything is built.
    refuseRemoteResources(root, unkeyed(groups, lookup.keys), this.allowedRemoteHosts);
    if (lookup.misses.every((b) => b.length === 0)) return inOrder(groups, lookup.hits, new Map());
    const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'ferry-kustomize-')));
    try {
      const built = await Promise.all(this.plan(lookup.misses.map((dirs) => ({ root: real, dirs }))).map((b) => this.buildBatch(real, b.dirs, scratch)));
      const fresh = new Map(built.flatMap((m) => [...m]));
      this.store(lookup.keys, fresh);
      return inOrder(groups, lookup.hits, fresh);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      if (this.cache && lookup.toStore) this.cache.prune();
    }
  }

  /**
   * The overlays of `groups` found in the cache, the key of each other overlay that can be keyed,
   * and the groups left to build (each group keeps its order).
   */
  private lookUp(tree: KustomizationTree, groups: readonly (readonly string[])[]): CacheLookup {
    const hits = new Map<string, ManifestObject[]>();
    const inputs = new Map<string, readonly string[]>();
    if (!this.cache) return { hits, keys: new Map(), inputs, misses: groups, toStore: false };
    const keys = this.cache.keys(tree, groups.flat(), this.command, inputs);
    for (const [dir, key] of keys) {
      const objects = key === undefined ? undefined : this.cache.read(key);
      if (key === undefined) this.cache.countUncacheable();
      if (objects) hits.set(dir, objects);
    }
    const misses = groups.map((dirs) => dirs.filter((dir) => !hits.has(dir)));
    return { hits, keys, inputs, misses, toStore: misses.some((b) => b.some((dir) => keys.get(dir) !== undefined)) };
  }

  /** Stores each built overlay that has a key; before the caller sees (and may change) its objects. */
  private store(keys: ReadonlyMap<string, string | undefined>, built: ReadonlyMap<string, readonly ManifestObject[]>): void {
    if (!this.cache) return;
    for (const [dir, objects] of built) {
      const key = keys.get(dir);
      if (key !== undefined) this.cache.write(key, objects);
    }
  }

  /** Builds one folder `dir` of `root` in a process of its own. */
  public async build(root: string, dir: string): Promise<ManifestObject[]> {
    refuseRemoteResources(root, [dir], this.allowedRemoteHosts);
    return this.buildOne(root, dir);
  }

  /**
   * Cuts groups into batches of at most `batchSize`, of even sizes; when there are fewer batches
   * than CPUs, large ones are cut further so every CPU has one.
   */
  private plan<B extends { readonly root: string; readonly dirs: readonly string[] }>(groups: readonly B[]): { root: string; dirs: readonly string[] }[] {
    const nonEmpty = groups.filter((g) => g.dirs.length > 0);
    const total = nonEmpty.reduce((n, g) => n + g.dirs.length, 0);
    const size = Math.min(this.batchSize, Math.max(MIN_PARALLEL_BATCH, Math.ceil(total / this.concurrency)));
    return nonEmpty.flatMap((g) => {
      const count = Math.ceil(g.dirs.length / size);
      const each = Math.ceil(g.dirs.length / count);
      return Array.from({ length: count }, (_, i) => ({ root: g.root, dirs: g.dirs.slice(i * each, (i + 1) * each) })).filter((b) => b.dirs.length > 0);
    });
  }

  private async buildOne(root: string, dir: string): Promise<ManifestObject[]> {
    return parseObjects(await this.run(join(root, dir)), `kustomize build of ${dir}`);
  }

  private async buildBatch(root: string, dirs: readonly string[], scratch: string): Promise<Map<string, ManifestObject[]>> {
    if (dirs.length === 1) return new Map([[dirs[0]!, await this.buildOne(root, dirs[0]!)]]);
    const wrapper = join(scratch, `batch-${this.wrappers++}`);
    mkdirSync(wrapper, { recursive: true });
    dirs.forEach((dir, i) => {
      const stamp = join(wrapper, `s${i}`);
      mkdirSync(stamp);
      // Relative, with forward slashes: kustomize refuses an absolute resource path.
      const path = relative(stamp, join(root, dir)).split(sep).join('/');
      writeFileSync(join(stamp, 'kustomization.yaml'), YAML.stringify({ resources: [path], transformers: ['stamp.yaml'] }));
      writeFileSync(
        join(stamp, 'stamp.yaml'),
        YAML.stringify({
          apiVersion: 'builtin',
          kind: 'AnnotationsTransformer',
          metadata: { name: 'ferry-diff-source' },
          annotations: { [SOURCE_ANNOTATION]: dir },
          fieldSpecs: [{ path: 'metadata/annotations', create: true }],
        }),
      );
    });
    writeFileSync(join(wrapper, 'kustomization.yaml'), YAML.stringify({ resources: dirs.map((_, i) => `s${i}`) }));
    let output: string;
    try {
      output = await this.run(wrapper);
    } catch (e) {
      const reason = (e as Error).message;
      if (COLLISION.test(reason)) {
        this.counters.splits++;
        this.onEvent?.({ type: 'split', overlays: dirs, reason });
        const half = Math.ceil(dirs.length / 2);
        const parts = await Promise.all([dirs.slice(0, half), dirs.slice(half)].map((part) => this.buildBatch(root, part, scratch)));
        return new Map(parts.flatMap((m) => [...m]));
      }
      this.counters.fallbacks++;
      this.onEvent?.({ type: 'fallback', overlays: dirs, reason });
      const each = await Promise.allSettled(dirs.map((dir) => this.buildOne(root, dir)));
      const failed = each.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      throw new Error(`kustomize: a batch of ${dirs.length} overlays (${dirs[0]} …) failed although each builds alone, so batching is broken: ${reason}`);
    } finally {
      rmSync(wrapper, { recursive: true, force: true });
    }
    this.counters.batches++;
    const byDir = new Map<string, ManifestObject[]>(dirs.map((d) => [d, []]));
    for (const object of parseObjects(output, `kustomize build of ${dirs.length} overlays`)) {
      const annotations = (object.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;
      const dir = annotations?.[SOURCE_ANNOTATION];
      const list = dir === undefined ? undefined : byDir.get(dir);
      if (!annotations || !list) throw new Error(`kustomize build: an object without the ${SOURCE_ANNOTATION} stamp: ${object.kind}/${object.metadata?.name}`);
      delete annotations[SOURCE_ANNOTATION];
      if (Object.keys(annotations).length === 0) delete (object.metadata as { annotations?: unknown }).annotations;
      list.push(object);
    }
    return byDir;
  }

  private async run(dir: string): Promise<string> {
    await this.acquire();
    this.counters.processes++;
    try {
      return await new Promise<string>((resolve, reject) => {
        const [file, ...args] = this.command;
        execFile(file!, [...args, dir], { maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
          if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
            reject(new Error(`${file} not found: install it (Debian: apt-get install kubernetes-client) to build overlays`));
          } else if (error) reject(new Error(`${this.command.join(' ')} ${dir} failed: ${(stderr || error.message).trim()}`));
          else resolve(stdout);
        });
      });
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.running--;
  }
}

/** Builds one kustomization folder (an absolute path) in a process of its own, with the default options. */
export async function kustomizeBuild(dir: string): Promise<Record<string, any>[]> {
  return new KustomizeRunner().build(dir, '.');
}

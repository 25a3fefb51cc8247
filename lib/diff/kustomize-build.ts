import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import YAML from 'yaml';
import type { ManifestObject } from './object-diff.js';

/** Annotation that tells which overlay an object of a batched build came from; removed after the build. */
export const SOURCE_ANNOTATION = 'ferry.dev/diff-source';

/** Options of {@link KustomizeRunner}. */
export interface KustomizeRunnerProps {
  /**
   * The kustomize command; its arguments are followed by the folder to build.
   * @default ['kubectl', 'kustomize']
   */
  readonly command?: readonly string[];
  /**
   * Builds run at the same time.
   * @default - the number of CPUs
   */
  readonly concurrency?: number;
}

/** One kustomization folder to build, in a tree of files given in memory. */
export interface BuildRequest {
  /** Repository-relative folder of the kustomization, e.g. `manifests/overlays/prod/api`. */
  readonly dir: string;
}

/**
 * Runs `kubectl kustomize` over trees of rendered files held in memory.
 *
 * Speed: each `kubectl kustomize` process costs about 0.3 s of start-up, which dwarfs the build
 * itself, so the overlays of one batch (one environment of one side) are built by ONE process:
 * a wrapper kustomization lists every overlay as a resource, each through a tiny kustomization
 * whose AnnotationsTransformer stamps `ferry.dev/diff-source: <dir>` on `metadata.annotations`
 * only (not on pod templates). The stamp is removed after parsing. When a batch fails (two
 * overlays of a batch yield the same object id, which kustomize refuses in one build), its
 * overlays are built one by one, so the result never depends on batching.
 */
export class KustomizeRunner {
  private readonly command: readonly string[];
  private readonly concurrency: number;
  private running = 0;
  private readonly queue: (() => void)[] = [];

  public constructor(props: KustomizeRunnerProps = {}) {
    this.command = props.command ?? ['kubectl', 'kustomize'];
    this.concurrency = Math.max(1, props.concurrency ?? availableParallelism());
  }

  /**
   * Writes `files` (repository-relative path → content) to a temporary folder and builds each
   * batch of folders; returns the objects of each folder. The temporary folder is removed.
   */
  public async buildTrees(
    trees: readonly { readonly files: ReadonlyMap<string, string>; readonly batches: readonly (readonly string[])[] }[],
  ): Promise<Map<string, ManifestObject[]>[]> {
    const scratch = mkdtempSync(join(tmpdir(), 'ferry-diff-'));
    try {
      const jobs = trees.map(async (tree, t) => {
        const root = join(scratch, `tree-${t}`);
        for (const [path, content] of tree.files) {
          mkdirSync(dirname(join(root, path)), { recursive: true });
          writeFileSync(join(root, path), content);
        }
        const results = await Promise.all(tree.batches.map((dirs, b) => this.buildBatch(root, dirs, join(scratch, `batch-${t}-${b}`))));
        return new Map(results.flatMap((r) => [...r]));
      });
      return await Promise.all(jobs);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  /** Builds one folder of `root`. */
  public async build(root: string, dir: string): Promise<ManifestObject[]> {
    return parseObjects(await this.run(join(root, dir)), `kustomize build of ${dir}`);
  }

  private async buildBatch(root: string, dirs: readonly string[], wrapper: string): Promise<Map<string, ManifestObject[]>> {
    if (dirs.length === 1) return new Map([[dirs[0]!, await this.build(root, dirs[0]!)]]);
    mkdirSync(wrapper, { recursive: true });
    dirs.forEach((dir, i) => {
      const stamp = join(wrapper, `s${i}`);
      mkdirSync(stamp);
      writeFileSync(join(stamp, 'kustomization.yaml'), YAML.stringify({ resources: [join(root, dir)], transformers: ['stamp.yaml'] }));
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
    } catch {
      // Most likely two overlays yield the same object id; build them one by one (errors surface there).
      const each = await Promise.all(dirs.map(async (dir) => [dir, await this.build(root, dir)] as const));
      return new Map(each);
    }
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
    try {
      return await new Promise<string>((resolve, reject) => {
        const [file, ...args] = this.command;
        execFile(file!, [...args, dir], { maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
          if (error) reject(new Error(`${this.command.join(' ')} ${dir} failed: ${(stderr || error.message).trim()}`));
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

/** Parses a multi-document YAML stream of objects; throws naming `where` on a syntax error. */
export function parseObjects(text: string, where: string): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value !== null && value !== undefined) objects.push(value as ManifestObject);
  }
  return objects;
}

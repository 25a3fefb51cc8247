import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readIfExists } from '../fs/read-if-exists.js';
import { updateTreeAtomically, writeFilesAtomically, type AtomicTreeOptions } from '../fs/atomic-tree.js';
import type { StackConfig } from '../../model/stack-config.js';
import type { Environment, Platform } from '../../model/platform.js';
import { resolveEnvironment } from '../../model/resolve.js';
import { overlayDir, renderOverlayKustomization } from '../render/overlay-file.js';

/** One file whose rendered content changes; undefined content means absent. */
export interface FileChange {
  readonly path: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

/** What a stack-config change does to manifests/. */
export interface RenderedChanges {
  readonly changes: readonly FileChange[];
  /** 'overlay': only the overlay kustomization files of the services; 'full': the whole tree was re-rendered. */
  readonly mode: 'overlay' | 'full';
  /** The whole rendered tree, when mode is 'full'. */
  readonly tree?: ReadonlyMap<string, string>;
}

/**
 * The rendered files that change when `env`'s stack config goes from `before` to `after`, where
 * only the image tags or digests of `services` differ. A tag is one line of one file,
 * `manifests/overlays/<env>/<service>/kustomization.yaml`, so when that file on disk is exactly what
 * render makes of `before`, only it is re-rendered (fast: no construct library). Otherwise (a tree
 * out of date, a missing file) the whole platform is rendered, as `ferry render` would.
 */
export async function renderedChanges(
  root: string,
  platform: Platform,
  env: Environment,
  before: StackConfig,
  after: StackConfig,
  services: readonly string[],
): Promise<RenderedChanges> {
  const resolvedBefore = resolveEnvironment(platform, env, before);
  const resolvedAfter = resolveEnvironment(platform, env, after);
  const changes: FileChange[] = [];
  for (const service of services) {
    const path = `${overlayDir(env.name, service)}/kustomization.yaml`;
    const onDisk = readIfExists(join(root, path));
    const resources = onDisk === undefined ? undefined : overlayResources(onDisk, service);
    const oldResolved = resolvedBefore.services.find((s) => s.service.name === service);
    const newResolved = resolvedAfter.services.find((s) => s.service.name === service);
    if (resources === undefined || !oldResolved || !newResolved) return fullRender(root, platform, env, after);
    if (renderOverlayKustomization(platform, env, oldResolved, resources) !== onDisk) return fullRender(root, platform, env, after);
    const next = renderOverlayKustomization(platform, env, newResolved, resources);
    if (next !== onDisk) changes.push({ path, before: onDisk, after: next });
  }
  return { changes, mode: 'overlay' };
}

/**
 * The overlay's own resource files (after the base) as ferry's emitter lists them (a top-level
 * `resources:` block of `  - <file>` lines), or undefined if the file does not look rendered. A
 * line scan, not a YAML parse: the caller renders the file again from what this returns and
 * compares it with the file byte for byte, so anything misread means a full render, never a wrong file.
 */
function overlayResources(text: string, service: string): string[] | undefined {
  const lines = text.split('\n');
  const start = lines.indexOf('resources:');
  if (start < 0) return undefined;
  const resources: string[] = [];
  for (let i = start + 1; i < lines.length && lines[i]!.startsWith('  - '); i++) resources.push(lines[i]!.slice(4));
  if (resources[0] !== `../../../base/${service}`) return undefined;
  return resources.slice(1);
}

async function fullRender(root: string, platform: Platform, env: Environment, after: StackConfig): Promise<RenderedChanges> {
  // Loaded only here: the construct library takes most of a process's start-up time.
  const { readStackConfigs, renderPlatform } = await import('../render/render.js');
  const { listFiles } = await import('../render/tree.js');
  const configs = readStackConfigs(root, platform);
  configs.set(env.name, after);
  const tree = renderPlatform(platform, configs).files;
  const changes: FileChange[] = [];
  for (const [path, content] of tree) {
    const onDisk = readIfExists(join(root, path));
    if (onDisk !== content) changes.push({ path, before: onDisk, after: content });
  }
  for (const path of listFiles(root, 'manifests')) {
    if (!tree.has(path)) changes.push({ path, before: readFileSync(join(root, path), 'utf8'), after: undefined });
  }
  return { changes, mode: 'full', tree };
}

/** A file differs from what the promotion was planned against. */
export class ChangedWhilePlanningError extends Error {}

/**
 * Writes every change (the stack file and the rendered files) as one crash-safe transaction
 * (lib/fs/atomic-tree.ts): a killed promotion leaves the old files or the new ones, never a stack
 * file without its manifests. Under the tree lock each file must still hold its `before`
 * content. Returns a function that puts every file back as it was, again in one transaction.
 */
export function writeFileChanges(root: string, changes: readonly FileChange[], options: AtomicTreeOptions = {}): () => void {
  updateTreeAtomically(
    root,
    () => {
      for (const change of changes) {
        if (readIfExists(join(root, change.path)) !== change.before) {
          throw new ChangedWhilePlanningError(`${change.path}: changed on disk while the promotion was being checked (another ferry render or edit?); run it again`);
        }
      }
      return { changes: changes.map((c) => ({ path: c.path, content: c.after })), result: undefined };
    },
    options,
  );
  return () => writeFilesAtomically(root, changes.map((c) => ({ path: c.path, content: c.before })), options);
}

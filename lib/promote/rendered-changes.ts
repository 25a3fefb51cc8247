import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import YAML from 'yaml';
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

/** What a stack-config change does to manifests/, and how to write it. */
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

/** The overlay's own resource files (after the base), or undefined if the file does not look rendered. */
function overlayResources(text: string, service: string): string[] | undefined {
  try {
    const doc = YAML.parse(text) as { resources?: unknown };
    const resources = doc?.resources;
    if (!Array.isArray(resources) || resources[0] !== `../../../base/${service}` || !resources.every((r) => typeof r === 'string')) return undefined;
    return resources.slice(1) as string[];
  } catch {
    return undefined;
  }
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

/**
 * Writes the changes; returns a function that puts every touched file back as it was.
 * Each file is replaced by rename, and a full render swaps the whole tree atomically.
 */
export async function writeRenderedChanges(root: string, rendered: RenderedChanges): Promise<() => void> {
  if (rendered.mode === 'full') {
    const { listFiles, writeTreeAtomically } = await import('../render/tree.js');
    const snapshot = new Map(listFiles(root, 'manifests').map((p) => [p, readFileSync(join(root, p), 'utf8')]));
    writeTreeAtomically(root, rendered.tree!);
    return () => writeTreeAtomically(root, snapshot);
  }
  const done: FileChange[] = [];
  const restore = () => {
    for (const change of [...done].reverse()) writeOrRemove(root, change.path, change.before);
  };
  try {
    for (const change of rendered.changes) {
      done.push(change);
      writeOrRemove(root, change.path, change.after);
    }
  } catch (e) {
    restore();
    throw e;
  }
  return restore;
}

/** Replaces a file by writing a sibling and renaming it over; removes it for undefined. */
export function writeOrRemove(root: string, path: string, content: string | undefined): void {
  const file = join(root, path);
  if (content === undefined) {
    rmSync(file, { force: true });
    return;
  }
  const tmp = join(dirname(file), `.${process.pid}.ferry-tmp`);
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

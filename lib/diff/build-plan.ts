import { posix } from 'node:path';
import { compareStrings } from '../../model/platform.js';
import { MANIFESTS_DIR } from '../../model/repository-layout.js';
import { kustomizationInputs } from '../kustomize/kustomization-inputs.js';

// The walk of kustomizations has its home in lib/kustomize; re-exported for the diff's callers.
export { kustomizationInputs, referenceLists } from '../kustomize/kustomization-inputs.js';

/** Rendered files of one side: repository-relative POSIX path → content. */
export type RenderedFiles = ReadonlyMap<string, string>;

/** An overlay folder `manifests/overlays/<env>/<service>` and whether each side has it. */
export interface OverlayUnit {
  readonly environment: string;
  readonly service: string;
  readonly dir: string;
  readonly inBase: boolean;
  readonly inHead: boolean;
}

/** What must be built: overlays whose inputs differ, and the argocd folders that differ. */
export interface BuildPlan {
  readonly overlays: readonly OverlayUnit[];
  /** `manifests/argocd/<cluster>` folders whose files differ. */
  readonly argocdDirs: readonly string[];
  /** Overlays skipped because their inputs are byte-identical on both sides. */
  readonly unchangedOverlays: number;
}

const OVERLAY = new RegExp(`^${MANIFESTS_DIR}/overlays/([^/]+)/([^/]+)/kustomization\\.yaml$`);
const ARGOCD = new RegExp(`^(${MANIFESTS_DIR}/argocd/[^/]+)/`);

/** Files grouped by folder: folder → one string of every `name\0content` in it (for equality). */
function folderSignatures(files: RenderedFiles): Map<string, string> {
  const parts = new Map<string, string[]>();
  for (const [path, content] of files) {
    const dir = posix.dirname(path);
    let list = parts.get(dir);
    if (!list) parts.set(dir, (list = []));
    list.push(`${posix.basename(path)}\0${content}`);
  }
  return new Map([...parts].map(([dir, list]) => [dir, list.sort(compareStrings).join('\0\0')]));
}

/**
 * Decides which overlays to build. The shortcut: kustomize is a pure function of the files it
 * reads, so an overlay whose folder and every folder it reads (its base) are byte-identical on
 * both sides yields identical objects and is skipped without building either side. Everything
 * else is built on each side that has it.
 */
export function planBuilds(base: RenderedFiles, head: RenderedFiles): BuildPlan {
  const a = folderSignatures(base);
  const b = folderSignatures(head);
  const differing = new Set([...new Set([...a.keys(), ...b.keys()])].filter((dir) => a.get(dir) !== b.get(dir)));

  const units = new Map<string, OverlayUnit>();
  for (const [files, side] of [[base, 'base'], [head, 'head']] as const) {
    for (const path of files.keys()) {
      const match = OVERLAY.exec(path);
      if (!match) continue;
      const dir = posix.dirname(path);
      const old = units.get(dir);
      units.set(dir, {
        environment: match[1]!,
        service: match[2]!,
        dir,
        inBase: (old?.inBase ?? false) || side === 'base',
        inHead: (old?.inHead ?? false) || side === 'head',
      });
    }
  }
  const overlays: OverlayUnit[] = [];
  let unchangedOverlays = 0;
  for (const unit of [...units.values()].sort((x, y) => compareStrings(x.dir, y.dir))) {
    if (!unit.inBase || !unit.inHead || [...differing].some((dir) => withinAny(dir, new Set([unit.dir])))) {
      overlays.push(unit);
      continue;
    }
    // The overlay folder is identical on both sides, so is its kustomization and what it reads.
    const inputs = kustomizationInputs(head, unit.dir);
    if (!inputs || [...differing].some((dir) => withinAny(dir, inputs))) overlays.push(unit);
    else unchangedOverlays++;
  }
  const argocdDirs = [...differing].filter((dir) => ARGOCD.test(`${dir}/`) && dir.split('/').length === 3).sort(compareStrings);
  return { overlays, argocdDirs, unchangedOverlays };
}

/** The files a build of `dirs` needs: every file in each folder they read. */
export function filesFor(files: RenderedFiles, dirs: readonly string[]): Map<string, string> {
  const needed = new Set<string>();
  for (const dir of dirs) {
    const inputs = kustomizationInputs(files, dir);
    if (!inputs) return new Map(files);
    for (const input of inputs) needed.add(input);
  }
  const out = new Map<string, string>();
  for (const [path, content] of files) if (withinAny(posix.dirname(path), needed)) out.set(path, content);
  return out;
}

/** Whether `dir` is one of `folders` or inside one of them. */
function withinAny(dir: string, folders: ReadonlySet<string>): boolean {
  for (let d = dir; d !== '.' && d !== '/' && d !== ''; d = posix.dirname(d)) if (folders.has(d)) return true;
  return false;
}

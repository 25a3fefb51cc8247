import { join, posix } from 'node:path';
import { readIfExists } from '../fs/read-if-exists.js';
import { changedSince } from '../git/changed-paths.js';
import { Git } from '../git/git.js';
import { readProjectName } from '../../model/stack-config.js';
import { loadPlatform } from '../loader/load-platform.js';
import { compareStrings, type Platform } from '../../model/platform.js';
import { PREVIEW_ENVIRONMENT, renderPlatform, renderRepository } from '../render/render.js';
import { MANIFESTS_DIR } from '../../model/repository-layout.js';
import { CODE_PATHS, codeMatches, readStackFiles, readWorkingStackFiles, renderBase, resolveBase, type BaseRender } from './base-revision.js';
import { tagOnlyChange, type TagOnlyChange } from '../render/tag-only-change.js';
import { filesFor, planBuilds, type OverlayUnit } from './build-plan.js';
import { KustomizeRunner, type KustomizeRunnerProps } from '../kustomize/kustomize-runner.js';
import { KustomizeBuildCache } from '../kustomize/build-cache.js';
import { parseObjects } from '../kustomize/parse-objects.js';
import { addCounts, countChanges, diffObjects, type ManifestObject } from './object-diff.js';
import { applyDestinationNamespace, previewApplications, type PreviewRequest } from './preview.js';
import type { ApplicationDiff, DiffReport, EnvironmentDiff, RiskFlag } from './report.js';
import { riskFlags, type EnvironmentFacts } from './risk-flags.js';
import { environmentSummary, summaryLine } from './summary.js';
import { helmApplicationDiffs, isHelmApplication } from './helm-diff.js';
import { tagHistory } from './upstream-history.js';
import { workloadFacts } from './workload-facts.js';

/** Options of {@link computeDiff}. */
export interface DiffOptions {
  /** Root of the platform repository (the working tree is the head side). */
  readonly root: string;
  /**
   * Git ref of the base side.
   * @default - the merge base of HEAD with the default branch (origin/HEAD, origin/main, main, ...)
   */
  readonly base?: string;
  /**
   * Also show what this pull request's `preview-<n>` environment will contain.
   * @default - no preview
   */
  readonly preview?: PreviewRequest;
  /**
   * How kustomize runs.
   * @default - `kubectl kustomize`, batches of 50 overlays, one process per CPU, no remote resources
   */
  readonly kustomize?: KustomizeRunnerProps;
  /**
   * Render both sides in full even when only image tags or digests moved (the report is the same;
   * `--full` compares the two paths).
   * @default false
   */
  readonly full?: boolean;
  /**
   * Keep each built overlay in the repository's git directory and reuse it while its inputs are
   * unchanged, on either side (`KustomizeBuildCache`); a cache given in `kustomize.cache` wins.
   * @default true - inside a git work tree
   */
  readonly buildCache?: boolean;
}

/** Environment facts of a platform (duck-typed: the base side may be another copy of the classes). */
export function environmentFacts(platform: Platform): Map<string, EnvironmentFacts> {
  return new Map(
    platform.environments.map((env, i) => [
      env.name,
      {
        name: env.name,
        requiresReview: Boolean(env.requiresReview),
        sync: typeof env.syncPolicy?.describe === 'function' ? env.syncPolicy.describe() : 'unknown',
        upstream: i > 0 ? platform.environments[i - 1]!.name : undefined,
      },
    ]),
  );
}

function application(name: string, service: string | undefined, before: ManifestObject[] | undefined, after: ManifestObject[] | undefined): ApplicationDiff {
  return {
    name,
    service,
    changes: diffObjects(before ?? [], after ?? [], `Application ${name}`),
    before: before && service !== undefined ? workloadFacts(before) : undefined,
    after: after && service !== undefined ? workloadFacts(after) : undefined,
  };
}

/**
 * Renders the base revision and the working tree, builds the overlays whose inputs differ with
 * kustomize on both sides, and compares them object by object, grouped by environment and
 * Argo CD Application; then summarises and flags risks.
 */
export async function computeDiff(options: DiffOptions): Promise<DiffReport> {
  const root = options.root;
  // git runs in child processes while this thread loads the platform.
  const baseRef = resolveBase(root, options.base);
  const baseCommit = baseRef.then((b) => b.commit);
  // The working tree's stack files, read once: the head side, and the base's where their blobs match.
  const working = readWorkingStackFiles(root);
  // What differs from the base under the code and the rendered tree: one pass of git over the
  // working tree, started now (it stats every rendered file) rather than once the base is known.
  const changed = changedSince(new Git(root), baseCommit, [...CODE_PATHS, MANIFESTS_DIR]);
  changed.catch(() => undefined); // awaited below
  // Each git step waits for this thread between loads; the base's stack files are read beside the code check.
  const sameCode = codeMatches(root, baseCommit, changed);
  const baseStacks = Promise.all([sameCode, baseCommit.then((c) => readStackFiles(root, c, working))]).then(([same, stacks]) => (same ? stacks : undefined));
  baseStacks.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
  // Argo CD deploys what is committed, not what renders: a rendered file this change touched must
  // equal its render. Only touched files are read (a stale render the base already had is the
  // drift check's business), so the cost follows the change.
  const touched = changed.then((paths) => paths.filter((p) => p.startsWith(`${MANIFESTS_DIR}/`)));
  touched.catch(() => undefined); // awaited below
  // What the history reader asks git first (a commit? the .git?), answered while the platform loads.
  const probed = new Git(root).isRepositoryAsync().catch(() => false);
  // Loading the platform holds this thread for a while at 2,000 services, and a git step only
  // starts the next once this thread is free: the base commit first (two short steps), so what
  // needs it runs while the platform loads.
  await baseCommit.catch(() => undefined);
  const headPlatform = await loadPlatform(root);
  const project = readProjectName(root);
  const { ref, commit } = await baseRef;
  const touchedPaths = await touched;

  // Only tags or digests moved (a promotion's pull request): the base and head of those services
  // alone, whatever the platform's size. A preview reads every preview overlay: the full render.
  const tagOnly = options.full || options.preview ? undefined : tagOnlyScope(headPlatform, project, await baseStacks, working, touchedPaths);
  let head: { readonly files: ReadonlyMap<string, string> };
  let base: BaseRender;
  if (tagOnly) {
    head = renderPlatform(headPlatform, tagOnly.headConfigs, tagOnly.scope);
    base = { files: renderPlatform(headPlatform, tagOnly.baseConfigs, tagOnly.scope).files, platform: headPlatform, renderedWith: 'working-tree code' };
  } else {
    head = { files: renderRepository(root, headPlatform).files };
    base = await renderBase(root, commit, headPlatform, baseStacks, head.files, working);
  }
  const plan = planBuilds(base.files, head.files);

  // Overlays of one environment and side may share kustomize processes (see KustomizeRunner).
  const batchesOf = (units: readonly OverlayUnit[]) => {
    const byEnv = new Map<string, string[]>();
    for (const u of units) byEnv.set(u.environment, [...(byEnv.get(u.environment) ?? []), u.dir]);
    return [...byEnv.values()];
  };
  const baseUnits = plan.overlays.filter((u) => u.inBase);
  const headUnits = plan.overlays.filter((u) => u.inHead);
  const headFiles = filesFor(head.files, headUnits.map((u) => u.dir));
  const headBatches = batchesOf(headUnits);

  const notes: string[] = [];
  const previews = options.preview ? previewApplications(head.files, options.preview) : [];
  if (previews.length > 0) {
    // The generated kustomizations read the preview overlays, which read their bases.
    const overlayDirs = [...head.files.keys()].filter((p) => p.startsWith(`${MANIFESTS_DIR}/overlays/${PREVIEW_ENVIRONMENT}/`) && p.endsWith('/kustomization.yaml')).map(posix.dirname);
    for (const [p, c] of filesFor(head.files, overlayDirs)) headFiles.set(p, c);
    for (const app of previews) for (const [p, c] of app.files) headFiles.set(p, c);
    headBatches.push(previews.map((p) => p.dir));
  }

  const cache = options.kustomize?.cache ?? ((options.buildCache ?? true) ? KustomizeBuildCache.forRepository(root) : undefined);
  const runner = new KustomizeRunner({ ...options.kustomize, cache });
  const [builtBase, builtHead] = await runner.buildTrees([
    { files: filesFor(base.files, baseUnits.map((u) => u.dir)), batches: batchesOf(baseUnits) },
    { files: headFiles, batches: headBatches },
  ]);

  const baseFacts = environmentFacts(base.platform);
  const headFacts = environmentFacts(headPlatform);
  const envNames = [...headFacts.keys(), ...[...baseFacts.keys()].filter((n) => !headFacts.has(n))];
  const overlayEnvs = new Set(plan.overlays.map((u) => u.environment));
  const kustomizeServices = headPlatform.services.filter((s) => s.chart === undefined).length;
  // A scoped render holds only some folders; the full render has these whenever the platform does.
  const hasPreviewOverlays = tagOnly
    ? headPlatform.previews !== undefined && kustomizeServices > 0
    : [...base.files.keys(), ...head.files.keys()].some((p) => p.startsWith(`${MANIFESTS_DIR}/overlays/${PREVIEW_ENVIRONMENT}/`));
  const groups: { name: string; kind: EnvironmentDiff['kind']; status: EnvironmentDiff['status']; applications: ApplicationDiff[]; sync?: string }[] = [];

  for (const name of [...envNames, ...(hasPreviewOverlays ? [PREVIEW_ENVIRONMENT] : []), ...[...overlayEnvs].filter((e) => !envNames.includes(e) && e !== PREVIEW_ENVIRONMENT).sort(compareStrings)]) {
    const units = plan.overlays.filter((u) => u.environment === name);
    const applications = units
      .map((u) => application(`${u.service}-${u.environment}`, u.service, builtBase!.get(u.dir), builtHead!.get(u.dir)))
      .filter((a) => a.changes.length > 0);
    applications.push(...helmApplicationDiffs(name, base.files, head.files, headPlatform));
    const before = baseFacts.get(name);
    const after = headFacts.get(name);
    const status = name === PREVIEW_ENVIRONMENT || (before && after) ? 'present' : after ? 'added' : 'removed';
    const sync = before && after && before.sync !== after.sync ? `${before.sync} → ${after.sync}` : undefined;
    groups.push({ name, kind: name === PREVIEW_ENVIRONMENT ? 'preview' : 'environment', status, applications, ...(sync ? { sync } : {}) });
  }

  if (options.preview) {
    const service = options.preview.service;
    const name = service === undefined ? `${PREVIEW_ENVIRONMENT}-${options.preview.number}` : `${PREVIEW_ENVIRONMENT}-${service}-${options.preview.number}`;
    const applications = previews
      .map((p) => application(p.name, p.service, undefined, applyDestinationNamespace(builtHead!.get(p.dir) ?? [], p.namespace)))
      .filter((a) => a.changes.length > 0);
    groups.push({ name, kind: 'preview', status: 'added', applications });
  }

  const argocdApps: ApplicationDiff[] = [];
  for (const dir of plan.argocdDirs) {
    const read = (files: ReadonlyMap<string, string>) => {
      const paths = [...files.keys()].filter((p) => posix.dirname(p) === dir);
      // A chart service's Application is shown with its environment, beside its values.
      return paths.length === 0 ? undefined : paths.flatMap((p) => parseObjects(files.get(p)!, p)).filter((o) => !isHelmApplication(o));
    };
    const app = application(posix.basename(dir), undefined, read(base.files), read(head.files));
    if (app.changes.length > 0) argocdApps.push(app);
  }
  if (tagOnly ? headPlatform.clusters().length > 0 : [...head.files.keys(), ...base.files.keys()].some((p) => p.startsWith(`${MANIFESTS_DIR}/argocd/`))) {
    groups.push({ name: 'argocd', kind: 'argocd', status: 'present', applications: argocdApps });
  }

  const environments: EnvironmentDiff[] = groups.map((g) => {
    const counts = g.applications.map((a) => countChanges(a.changes)).reduce(addCounts, { added: 0, changed: 0, removed: 0 });
    return { name: g.name, kind: g.kind, status: g.status, applications: g.applications, counts, summary: environmentSummary(g.applications, counts, g.sync) };
  });

  // Only the upstreams of environments whose images change are read from git, all at once.
  const upstreams = [
    ...new Set(
      environments
        .filter((e) => e.applications.some((a) => JSON.stringify(a.before?.images ?? {}) !== JSON.stringify(a.after?.images ?? {})))
        .map((e) => headFacts.get(e.name)?.upstream)
        .filter((u): u is string => u !== undefined),
    ),
  ];
  await probed;
  const histories = new Map(await Promise.all(upstreams.map(async (u) => [u, await tagHistory(root, commit, u, project)] as const)));
  const hasRun = (env: string, service: string, tag: string) => histories.get(env)?.get(service)?.has(tag) ?? false;
  // The preview-<n> group is new by nature; it adds nothing a reviewer of the platform must weigh.
  const risks = [
    ...notRenderedFlags(touchedPaths, head.files, (path) => readIfExists(join(root, path))),
    ...riskFlags({ environments: environments.filter((e) => !(e.kind === 'preview' && e.status === 'added')), baseFacts, headFacts, hasRun }),
  ];
  const counts = environments.filter((e) => !(e.kind === 'preview' && e.status === 'added')).map((e) => e.counts).reduce(addCounts, { added: 0, changed: 0, removed: 0 });

  return {
    base: { ref, commit, renderedWith: base.renderedWith },
    environments,
    summaryLines: environments.map(summaryLine),
    risks,
    counts,
    notes,
    stats: {
      overlaysBuilt: plan.overlays.length,
      // Every overlay a full render holds that was not built (a scoped render never rendered them).
      overlaysSkipped: tagOnly ? kustomizeServices * (headPlatform.environments.length + (hasPreviewOverlays ? 1 : 0)) - plan.overlays.length : plan.unchangedOverlays,
      kustomizeRuns: runner.stats.processes,
      rendered: tagOnly ? 'changed services' : 'everything',
    },
  };
}

/**
 * The tag-only scope of the change (lib/render/tag-only-change.ts), when the code matches (`stacks`
 * holds the base's stack files) and every rendered file the change touched lies in a folder the
 * scoped render holds (else the full render, which compares them all).
 */
function tagOnlyScope(platform: Platform, project: string, stacks: ReadonlyMap<string, string> | undefined, head: ReadonlyMap<string, string>, touched: readonly string[]): TagOnlyChange | undefined {
  if (!stacks) return undefined;
  const change = tagOnlyChange(platform, project, stacks, head);
  if (!change) return undefined;
  const { services, environments } = change.scope;
  const folders = new Set([
    ...[...services].map((s) => `${MANIFESTS_DIR}/base/${s}`),
    ...[...environments].flatMap((e) => [...services].map((s) => `${MANIFESTS_DIR}/overlays/${e}/${s}`)),
    ...(platform.previews && environments.has(platform.environments[0]!.name) ? [...services].map((s) => `${MANIFESTS_DIR}/overlays/${PREVIEW_ENVIRONMENT}/${s}`) : []),
  ]);
  return touched.every((path) => folders.has(posix.dirname(path))) ? change : undefined;
}

/**
 * One flag per place whose committed files, touched by this change, differ from a fresh render of
 * the same commit: a hand edit of a rendered file (its objects are not what this diff compares, but
 * they are what Argo CD deploys) or a render that was not committed.
 */
export function notRenderedFlags(touched: readonly string[], rendered: ReadonlyMap<string, string>, read: (path: string) => string | undefined): RiskFlag[] {
  const byPlace = new Map<string, string[]>();
  for (const path of [...touched].sort(compareStrings)) {
    const committed = read(path);
    const render = rendered.get(path);
    if (committed === render) continue;
    const how = render === undefined ? 'not rendered' : committed === undefined ? 'missing' : 'edited';
    const parts = path.split('/');
    const place = parts[1] === 'overlays' ? parts[2]! : parts[1] === 'argocd' ? 'argocd' : parts[1] === 'base' ? `base/${parts[2]}` : parts[1] ?? path;
    byPlace.set(place, [...(byPlace.get(place) ?? []), `${path} (${how})`]);
  }
  return [...byPlace].map(([place, files]) => ({
    code: 'not-rendered' as const,
    environment: place,
    message: `committed files differ from a fresh render; Argo CD deploys what is committed: ${files.join(', ')}; run \`ferry render\` and commit, or say why the file is edited by hand`,
  }));
}

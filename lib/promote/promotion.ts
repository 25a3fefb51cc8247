import { join } from 'node:path';
import { parseStackConfig, projectValues, readProjectName, stackFileName, type StackConfig } from '../../model/stack-config.js';
import { Git } from '../git/git.js';
import type { Environment, Platform, ServiceDefinition } from '../../model/platform.js';
import { commitMessage, promotionBranch, type CommitService } from './commit-message.js';
import { runGates, type Delivery, type GateContext, type GateRefusal, type PromotionKind } from '../../model/gate.js';
import { PromotionLock } from './lock.js';
import { readIfExists, renderedChanges, writeFileChanges, type FileChange, type RenderedChanges } from './rendered-changes.js';
import { StackFile } from './stack-file.js';
import { StackHistory } from './stack-history.js';
import { gatesOf } from './standard-gates.js';
import { describeFreezeWindow, freezeExemptionOf } from '../../model/freeze-window.js';
import { isDigest } from '../../model/image-digest.js';
import { checkImages, DEFAULT_REGISTRY_DEADLINE_MS, registryDeadlineFromEnv, type ImageRegistry } from './image-check.js';

export type { ImageRegistry } from './image-check.js';

/** What to promote (or roll back), where, and how to deliver it. */
export interface PromotionRequest {
  readonly kind: PromotionKind;
  /** Service names; empty with `all`. */
  readonly services: readonly string[];
  /**
   * Every service of the platform.
   * @default false
   */
  readonly all?: boolean;
  /** Environment written to. */
  readonly to: string;
  /**
   * Tag to deploy (rollback: tag to go back to).
   * @default - promotion: what runs now in the source environment; rollback: the tag that ran before the current one
   */
  readonly tag?: string;
  /**
   * Environment promoted from.
   * @default - the target's upstream in the promotion graph
   */
  readonly from?: string;
  /**
   * Re-tag the source image as this release (vX.Y.Z) in the registry and deploy that.
   * @default - no re-tag
   */
  readonly release?: string;
  /**
   * Write the digest into `<project>:digests` (the overlay then pins it).
   * @default false
   */
  readonly pinDigest?: boolean;
  readonly delivery: Delivery;
  /**
   * Gates to override; requires `reason`.
   * @default []
   */
  readonly overrides?: readonly string[];
  readonly reason?: string;
  /**
   * The clock of the soak and freeze gates.
   * @default new Date()
   */
  readonly now?: Date;
  /** The command line, recorded in the lock file. */
  readonly command?: string;
}

/** One service of a plan. */
export interface PlannedService extends CommitService {
  readonly definition: ServiceDefinition;
  /** The tag as it ran where it came from. */
  readonly sourceTag: string;
  /** Gates that refused and were overridden. */
  readonly overridden: readonly GateRefusal[];
  /** Whether a pinned digest was dropped because the new digest is unknown. */
  readonly unpinned: boolean;
}

/** A checked promotion, ready to write. */
export interface PromotionPlan {
  readonly request: PromotionRequest;
  readonly target: Environment;
  readonly source: Environment | undefined;
  readonly targetFile: string;
  readonly services: readonly PlannedService[];
  /** Services skipped because the target already runs that tag. */
  readonly unchanged: readonly { service: string; tag: string }[];
  readonly stackBefore: string;
  readonly stackAfter: string;
  readonly rendered: RenderedChanges;
  readonly message: string;
  /** Branch the commit goes on for 'branch' delivery. */
  readonly branch: string;
}

/** The outcome of a written promotion. */
export interface PromotionResult {
  readonly plan: PromotionPlan;
  /** Every changed file (stack file first) with its content before and after. */
  readonly files: readonly FileChange[];
  readonly commit: string | undefined;
  readonly branch: string | undefined;
}

/** One or more gates refused; nothing was written. */
export class PromotionRefused extends Error {
  public constructor(public readonly refusals: readonly GateRefusal[], multipleServices: boolean) {
    const lines = refusals.map((r) => (multipleServices ? `${r.service}: ${r.message}` : r.message));
    super(lines.length === 1 ? lines[0]! : `refused by ${lines.length} gates:\n  ${lines.join('\n  ')}`);
  }
}

/** A request that cannot be carried out as given (unknown name, missing tag, ...). */
export class PromotionError extends Error {}

/**
 * Checks everything a promotion needs (names, tags, gates, registry, schema, render) without
 * writing anything; throws PromotionRefused or PromotionError. A release re-tag in the registry
 * happens only with `retag: true`, after every check passed.
 */
export async function planPromotion(
  root: string,
  platform: Platform,
  request: PromotionRequest,
  registry: ImageRegistry,
  options: {
    retag?: boolean;
    env?: Readonly<Record<string, string | undefined>>;
    /**
     * One deadline for all registry checks of the plan, in milliseconds.
     * @default env FERRY_REGISTRY_DEADLINE_MS, else DEFAULT_REGISTRY_DEADLINE_MS
     */
    registryDeadlineMs?: number;
  } = {},
): Promise<PromotionPlan> {
  const project = readProjectName(root);
  const target = platform.environment(request.to);
  const rollback = request.kind === 'rollback';
  const source = rollback ? undefined : request.from !== undefined ? platform.environment(request.from) : platform.upstreamOf(target.name);
  if (source && source.name === target.name) throw new PromotionError(`--from ${source.name}: promoting ${target.name} from itself; use rollback to go back to an earlier tag`);
  const names = request.all ? platform.services.map((s) => s.name) : [...new Set(request.services)];
  if (names.length === 0) throw new PromotionError(`name at least one service or give --all; services: ${platform.services.map((s) => s.name).join(', ')}`);
  const definitions = names.map((n) => platform.service(n));
  if (request.release !== undefined && !/^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.test(request.release)) {
    throw new PromotionError(`--release '${request.release}' is not a release version; allowed: vX.Y.Z (e.g. v1.2.0)`);
  }

  const gateNames = gatesOf(target).map((g) => g.name);
  const overrides = [...new Set(request.overrides ?? [])];
  for (const name of overrides) {
    if (!gateNames.includes(name)) throw new PromotionError(`--override '${name}': no such gate for ${target.name}; gates: ${gateNames.join(', ')}`);
  }
  const reason = request.reason?.trim();
  if (overrides.length > 0 && !reason) throw new PromotionError(`--override ${overrides.join(', ')} needs --reason "..." saying why; it is recorded in the commit`);

  const targetFile = stackFileName(target.name);
  const stackBefore = readIfExists(join(root, targetFile));
  if (stackBefore === undefined) throw new PromotionError(`${targetFile}: missing; environment '${target.name}' has no stack file`);
  const targetStack = StackFile.parse(stackBefore, targetFile, project);
  const sourceFile = source ? stackFileName(source.name) : undefined;
  const sourceText = sourceFile ? readIfExists(join(root, sourceFile)) : undefined;
  if (source && sourceText === undefined) throw new PromotionError(`${sourceFile}: missing; cannot read what runs in ${source.name}`);
  const sourceStack = source && sourceText !== undefined ? StackFile.parse(sourceText, sourceFile!, project) : undefined;

  const git = new Git(root, options.env);
  const inGit = git.isRepository();
  const histories = inGit
    ? StackHistory.readAll(git, [{ environment: target.name, file: targetFile }, ...(source ? [{ environment: source.name, file: sourceFile! }] : [])], project)
    : undefined;
  const targetHistory = histories?.get(target.name) ?? new StackHistory(target.name, []);
  const sourceHistory = source ? (histories?.get(source.name) ?? new StackHistory(source.name, [])) : undefined;
  const currentBranch = inGit ? git.currentBranch() : undefined;
  const now = request.now ?? new Date();

  const planned: PlannedService[] = [];
  const unchanged: { service: string; tag: string }[] = [];
  const refusals: GateRefusal[] = [];
  let stack = targetStack;
  // Every source tag first (pure), then every registry check at once under one deadline.
  const sources = definitions.map((definition) => {
    const service = definition.name;
    const previousTag = targetStack.tagOf(service);
    let sourceTag: string;
    if (request.tag !== undefined) {
      sourceTag = request.tag;
    } else if (rollback) {
      const candidates = targetHistory.tagsOf(service).filter((t) => t !== previousTag);
      if (candidates.length === 0) {
        throw new PromotionError(`${service} has run no tag in ${target.name} other than ${previousTag ?? 'none'} (git history of ${targetFile}); nothing to roll back to`);
      }
      sourceTag = candidates[0]!;
    } else if (sourceStack) {
      const running = sourceStack.tagOf(service);
      if (running === undefined) throw new PromotionError(`${sourceFile}: ${project}:images.${service}: missing; nothing to promote from ${source!.name}`);
      sourceTag = running;
    } else {
      throw new PromotionError(`${target.name} is the first environment (${platform.promotionOrder()}); give the tag with --tag`);
    }
    return { definition, sourceTag };
  });
  const images = await checkImages(registry, sources, {
    skip: overrides.includes('image'),
    deadlineMs: options.registryDeadlineMs ?? registryDeadlineFromEnv(options.env) ?? DEFAULT_REGISTRY_DEADLINE_MS,
  });

  for (const [index, { definition, sourceTag }] of sources.entries()) {
    const service = definition.name;
    const previousTag = targetStack.tagOf(service);
    const tag = request.release ?? sourceTag;
    const pinned = targetStack.digestOf(service);
    const image = images[index]!;
    if (tag === previousTag && (!request.pinDigest || image.digest === undefined || image.digest === pinned)) {
      unchanged.push({ service, tag });
      continue;
    }

    const context: GateContext = {
      platform,
      kind: request.kind,
      target,
      upstream: source,
      service,
      tag,
      sourceTag,
      targetFile,
      upstreamFile: sourceFile,
      project,
      targetHistory,
      upstreamHistory: sourceHistory,
      delivery: request.delivery,
      currentBranch,
      defaultBranch: platform.targetRevision,
      now,
      image,
    };
    const result = runGates(gatesOf(target), context, new Set(overrides));
    refusals.push(...result.refusals);
    // An overridden image gate skips the registry check, so it never refuses: say so all the same.
    const skipped: GateRefusal[] = !image.checked && overrides.includes('image') && !result.overridden.some((o) => o.gate === 'image')
      ? [{ gate: 'image', service, message: `gate 'image': not checked: whether ${image.reference} exists in the registry is unknown` }]
      : [];
    const digest = image.digest;
    let unpinned = false;
    stack = stack.withImageTag(service, tag);
    if (digest !== undefined && (request.pinDigest || pinned !== undefined)) stack = stack.withDigest(service, digest);
    else if (pinned !== undefined) {
      stack = stack.withDigest(service, undefined);
      unpinned = true;
    }
    planned.push({
      service,
      definition,
      tag,
      previousTag,
      sourceTag,
      digest,
      releaseOf: request.release !== undefined ? sourceTag : undefined,
      overridden: [...result.overridden, ...skipped],
      unpinned,
    });
  }
  if (refusals.length > 0) throw new PromotionRefused(refusals, definitions.length > 1);

  const branch = promotionBranch(request.kind, target.name, planned);
  const exemptFrom = rollback ? freezeExemptionOf(target.freezeWindows, now) : undefined;
  const freezeExempt = exemptFrom ? `${exemptFrom.reason} (${describeFreezeWindow(exemptFrom)}); rollbacks are exempt` : undefined;
  const message = commitMessage({
    kind: request.kind,
    environment: target.name,
    promotedFrom: source?.name,
    services: planned,
    overrides,
    reason,
    freezeExempt,
  });
  if (planned.length === 0) {
    return { request, target, source, targetFile, services: planned, unchanged, stackBefore, stackAfter: stackBefore, rendered: { changes: [], mode: 'overlay' }, message, branch };
  }

  // The schema has the last word: an overridden tag-format gate cannot produce an invalid stack file.
  const configSource = { file: targetFile, project, platform, environment: target };
  const before: StackConfig = parseStackConfig(projectValues(stackBefore, targetFile, project), configSource);
  const after: StackConfig = parseStackConfig(projectValues(stack.text, targetFile, project), configSource);
  const rendered = await renderedChanges(root, platform, target, before, after, planned.map((p) => p.service));

  if (options.retag && request.release !== undefined) {
    for (const p of planned) {
      const digest = await registry.retag(p.definition, p.sourceTag, p.tag);
      if (!isDigest(digest)) throw new PromotionError(`${registry.reference(p.definition, p.tag)}: re-tag gave ${JSON.stringify(digest.slice(0, 100))}, which is not a sha256 digest; refused`);
      if (p.digest !== undefined && digest !== p.digest) {
        throw new PromotionError(`${registry.reference(p.definition, p.tag)}: re-tag gave digest ${digest}, but ${p.sourceTag} has ${p.digest}`);
      }
    }
  }
  return { request, target, source, targetFile, services: planned, unchanged, stackBefore, stackAfter: stack.text, rendered, message, branch };
}

/**
 * Promotes: takes the checkout's lock, plans (every check before any write), writes the stack file
 * and the re-rendered files, and commits for 'branch' and 'direct' delivery. Any failure puts every
 * file, and the branch, back as they were.
 */
export async function promote(
  root: string,
  platform: Platform,
  request: PromotionRequest,
  registry: ImageRegistry,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<PromotionResult> {
  const git = new Git(root, env);
  const inGit = git.isRepository();
  if (!inGit && request.delivery !== 'working-tree') throw new PromotionError(`${root} is not a git repository; --commit needs one`);
  const lock = inGit ? PromotionLock.acquire(git.gitDir(), request.command ?? `${request.kind} ${request.services.join(' ')} --to ${request.to}`) : undefined;
  try {
    const targetFile = stackFileName(request.to);
    if (request.delivery !== 'working-tree') {
      const dirty = git.dirtyPaths([targetFile, 'manifests']);
      if (dirty.length > 0) {
        throw new PromotionError(`uncommitted changes in ${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', ...' : ''}; commit or stash them first: a promotion commit holds only its own change`);
      }
    }
    const plan = await planPromotion(root, platform, request, registry, { retag: true, env });
    if (plan.services.length === 0) return { plan, files: [], commit: undefined, branch: undefined };
    if (request.delivery === 'branch' && git.branchExists(plan.branch)) {
      throw new PromotionError(`branch '${plan.branch}' already exists; delete it or finish that promotion first`);
    }
    const files: FileChange[] = [{ path: plan.targetFile, before: plan.stackBefore, after: plan.stackAfter }, ...plan.rendered.changes];
    const originalBranch = inGit ? git.currentBranch() : undefined;
    let restoreFiles: (() => void) | undefined;
    let branchCreated = false;
    try {
      // The stack file and its manifests in one transaction: a killed promotion leaves both old or both new.
      restoreFiles = writeFileChanges(root, files, { command: request.command ?? `${request.kind} ${request.services.join(' ')} --to ${request.to}` });
      if (request.delivery === 'working-tree') return { plan, files, commit: undefined, branch: undefined };
      if (request.delivery === 'branch') {
        git.run(['checkout', '-q', '-b', plan.branch]);
        branchCreated = true;
      }
      const paths = files.map((f) => f.path);
      git.run(['add', '-A', '--', ...paths]);
      git.run(['commit', '-q', '-F', '-', '--', ...paths], { input: plan.message });
      const commit = git.run(['rev-parse', 'HEAD']).trim();
      // The promotion lives on its branch; the checkout goes back to where it was.
      if (branchCreated) git.run(['checkout', '-q', originalBranch ?? commit]);
      return { plan, files, commit, branch: request.delivery === 'branch' ? plan.branch : originalBranch };
    } catch (e) {
      if (branchCreated) {
        try {
          git.run(['checkout', '-q', originalBranch ?? '-']);
          git.run(['branch', '-q', '-D', plan.branch]);
        } catch {
          // keep restoring the files
        }
      }
      restoreFiles?.();
      if (inGit) {
        try {
          git.run(['reset', '-q', '--', ...files.map((f) => f.path)]);
        } catch {
          // nothing staged
        }
      }
      throw e;
    }
  } finally {
    lock?.release();
  }
}

import { join } from 'node:path';
import { parseStackConfig, projectValuesOf, readProjectName, stackFileName, withTagValues, type StackConfig } from '../../model/stack-config.js';
import { Git } from '../git/git.js';
import type { Environment, Platform, ReleaseTrain, ServiceDefinition } from '../../model/platform.js';
import { commitMessage, multiTargetCommitMessage, promotionBranch, type CommitService } from './commit-message.js';
import { runGates, type Delivery, type GateContext, type GateRefusal, type PromotionKind } from '../../model/gate.js';
import { PromotionLock } from './lock.js';
import { readIfExists } from '../fs/read-if-exists.js';
import { renderedChanges, writeFileChanges, type FileChange, type RenderedChanges } from './rendered-changes.js';
import { StackFile } from './stack-file.js';
import { StackHistory } from './stack-history.js';
import { gatesOf } from './standard-gates.js';
import { describeFreezeWindow, freezeExemptionOf } from '../../model/freeze-window.js';
import { isDigest } from '../../model/image-digest.js';
import { VerificationRecords } from './verification-record.js';
import { trainRollbackState, withTrainTrailer } from './release-train.js';
import { checkImages, DEFAULT_REGISTRY_DEADLINE_MS, registryDeadlineFromEnv, type ImageRegistry } from './image-check.js';
import { ConfigPromotionError, planConfigPromotion, type ConfigSelection, type ServiceConfigChange } from './config-promotion.js';
import { chartCommitMessage, chartGatesOf, ChartPromotionError, planChartTarget } from './chart-promotion.js';

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
  /**
   * Environment(s) written to: names or globs (`prod-*`). Several are promoted in one commit when
   * every one is allowed (each from its own upstreams), or not at all.
   */
  readonly to: string | readonly string[];
  /**
   * Tag to deploy (rollback: tag to go back to).
   * @default - promotion: what runs now in the source environment; rollback: the tag that ran before the current one
   */
  readonly tag?: string;
  /**
   * Environment promoted from.
   * @default - the target's upstream in the promotion graph; with several upstreams, all of them
   * when they run the same tag, else the promotion is refused naming them
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
  /**
   * Config values to move from the upstream (`--config`): every key not declared
   * `environmentSpecific`, or the named ones (docs/configuration.md).
   * @default - no config moves
   */
  readonly config?: ConfigSelection;
  /**
   * Whether the image moves too.
   * @default - true without `config`, false with it
   */
  readonly image?: boolean;
  /**
   * A release train of the platform: its members are the services, and the commit carries a
   * `Release-Train` trailer with every member's tag (lib/promote/release-train.ts).
   * @default - no train
   */
  readonly train?: string;
  /**
   * A tag per service, taking precedence over `tag` (a train rollback restores each member's own).
   * @default - `tag` for every service
   */
  readonly serviceTags?: Readonly<Record<string, string>>;
  /**
   * Promote the chart version of chart services instead of their image tag (docs/helm.md).
   * @default false
   */
  readonly chart?: boolean;
  /**
   * With `chart`: the chart version to deploy.
   * @default - the version running in the upstream environment (or `from`)
   */
  readonly chartVersion?: string;
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
  /** Set when the chart version (`tag`) of this chart is promoted, not the image tag. */
  readonly chart?: string;
}

/** The checked change of one target environment. */
export interface TargetPlan {
  readonly target: Environment;
  /** The environment the tags were read from (the first of `sources`); undefined for a rollback or a source of the graph. */
  readonly source: Environment | undefined;
  /**
   * Every environment the tags were read from: one upstream, `--from`, or several upstreams that
   * all run the same tags; with `--tag` and several upstreams, those where the tag ran.
   */
  readonly sources: readonly Environment[];
  readonly targetFile: string;
  readonly services: readonly PlannedService[];
  /** Config changes (`--config`), by service. */
  readonly config: readonly ServiceConfigChange[];
  /** Services skipped because the target already runs that tag. */
  readonly unchanged: readonly { service: string; tag: string }[];
  readonly stackBefore: string;
  readonly stackAfter: string;
  readonly rendered: RenderedChanges;
}

/**
 * A checked promotion, ready to write. Its TargetPlan fields are the first target's, except
 * `services` and `unchanged`, which hold every target's; `targets` holds each target's own.
 */
export interface PromotionPlan extends TargetPlan {
  readonly request: PromotionRequest;
  /** One per target environment, in graph order (one for a single `--to`). */
  readonly targets: readonly TargetPlan[];
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

/** Every file a plan changes: each target's stack file, then its re-rendered files. */
export function planFiles(plan: PromotionPlan): FileChange[] {
  return plan.targets.flatMap((t) => (!hasChanges(t) ? [] : [{ path: t.targetFile, before: t.stackBefore, after: t.stackAfter }, ...t.rendered.changes]));
}

/** Whether a target plan changes anything: an image or a config value. */
export function hasChanges(plan: Pick<TargetPlan, 'services' | 'config'>): boolean {
  return plan.services.length > 0 || plan.config.length > 0;
}

/** `--to` as written: "prod" or "prod-eu, prod-us". */
export function targetsText(to: string | readonly string[]): string {
  return typeof to === 'string' ? to : to.join(', ');
}

/**
 * The environments `to` names, in graph order: names, or globs where `*` matches any run of
 * characters and `?` one. A glob matching nothing is an error naming the environments.
 */
export function resolveTargets(platform: Platform, to: string | readonly string[]): Environment[] {
  const patterns = typeof to === 'string' ? [to] : [...to];
  if (patterns.length === 0) throw new PromotionError('name the environment to promote to (--to <env>)');
  const names = new Set<string>();
  for (const pattern of patterns) {
    if (/[*?]/.test(pattern)) {
      const source = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
      const matched = platform.environments.filter((e) => new RegExp(`^${source}$`).test(e.name));
      if (matched.length === 0) throw new PromotionError(`--to '${pattern}' matches no environment; environments: ${platform.environments.map((e) => e.name).join(', ')}`);
      for (const e of matched) names.add(e.name);
    } else {
      names.add(platform.environment(pattern).name);
    }
  }
  return platform.topologicalOrder().filter((e) => names.has(e.name));
}

/** What the targets of one plan share. */
interface PlanShared {
  readonly root: string;
  readonly platform: Platform;
  readonly request: PromotionRequest;
  readonly registry: ImageRegistry;
  readonly project: string;
  readonly definitions: readonly ServiceDefinition[];
  readonly overrides: readonly string[];
  readonly git: Git;
  readonly inGit: boolean;
  readonly currentBranch: string | undefined;
  readonly now: Date;
  readonly registryDeadlineMs: number;
  /** The branch's verification records, read once, when a target requires verification. */
  readonly verifications: () => VerificationRecords | undefined;
}

/**
 * Checks everything a promotion needs (names, tags, gates, registry, schema, render) without
 * writing anything; throws PromotionRefused or PromotionError. A release re-tag in the registry
 * happens only with `retag: true`, after every check passed. Several targets are each checked
 * on their own (from their own upstreams) and refused together, naming which target refused.
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
  const targets = resolveTargets(platform, request.to);
  if (request.chart) return planChartPromotion(root, platform, request, project, targets, options.env);
  const rollback = request.kind === 'rollback';
  if (rollback && targets.length > 1) throw new PromotionError(`roll back one environment at a time; '${targetsText(request.to)}' names ${targets.map((t) => t.name).join(', ')}`);
  const multiple = targets.length > 1;
  if (request.from !== undefined) {
    const from = platform.environment(request.from);
    const self = targets.find((t) => t.name === from.name);
    if (self) throw new PromotionError(`--from ${from.name}: promoting ${self.name} from itself; use rollback to go back to an earlier tag`);
    for (const target of targets) checkFromIsUpstream(platform, from, target);
  }
  const train = request.train !== undefined ? releaseTrainOf(platform, request.train) : undefined;
  const names = train ? [...train.services] : request.all ? platform.services.map((s) => s.name) : [...new Set(request.services)];
  if (names.length === 0) throw new PromotionError(`name at least one service or give --all; services: ${platform.services.map((s) => s.name).join(', ')}`);
  const definitions = names.map((n) => platform.service(n));
  if (request.release !== undefined && !/^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.test(request.release)) {
    throw new PromotionError(`--release '${request.release}' is not a release version; allowed: vX.Y.Z (e.g. v1.2.0)`);
  }

  const overrides = [...new Set(request.overrides ?? [])];
  for (const target of targets) {
    const gateNames = gatesOf(target).map((g) => g.name);
    for (const name of overrides) {
      if (!gateNames.includes(name)) throw new PromotionError(`--override '${name}': no such gate for ${target.name}; gates: ${gateNames.join(', ')}`);
    }
  }
  const reason = request.reason?.trim();
  if (overrides.length > 0 && !reason) throw new PromotionError(`--override ${overrides.join(', ')} needs --reason "..." saying why; it is recorded in the commit`);

  const git = new Git(root, options.env);
  const inGit = git.isRepository();
  const shared: PlanShared = {
    root,
    platform,
    request: train && rollback && request.serviceTags === undefined && request.tag === undefined
      ? { ...request, serviceTags: trainRollbackTags(root, git, project, train, targets[0]!) }
      : request,
    registry,
    project,
    definitions,
    overrides,
    git,
    inGit,
    currentBranch: inGit ? git.currentBranch() : undefined,
    now: request.now ?? new Date(),
    registryDeadlineMs: options.registryDeadlineMs ?? registryDeadlineFromEnv(options.env) ?? DEFAULT_REGISTRY_DEADLINE_MS,
    verifications: once(() => (inGit ? VerificationRecords.read(git) : undefined)),
  };

  const parts: TargetPlan[] = [];
  const refusals: GateRefusal[] = [];
  for (const target of targets) {
    try {
      const part = await planTarget(shared, target);
      parts.push(part.plan);
      refusals.push(...part.refusals.map((r) => (multiple ? { ...r, service: `${r.service} to ${target.name}` } : r)));
    } catch (e) {
      if (multiple && e instanceof PromotionError) throw new PromotionError(`${target.name}: ${e.message}`);
      throw e;
    }
  }
  if (refusals.length > 0) throw new PromotionRefused(refusals, definitions.length > 1 || multiple);

  const changed = parts.filter(hasChanges);
  const allServices = parts.flatMap((p) => p.services);
  const branchServices = allServices.filter((s, i) => allServices.findIndex((o) => o.service === s.service && o.tag === s.tag) === i);
  const configBranch = parts.flatMap((p) => p.config).filter((c, i, all) => all.findIndex((o) => o.service === c.service) === i)
    .map((c) => ({ service: c.service, tag: 'config', previousTag: undefined, digest: undefined, releaseOf: undefined }));
  const branch = promotionBranch(request.kind, (changed.length > 0 ? changed : parts).map((p) => p.target.name).join('+'), [...branchServices, ...configBranch]);
  const serviceMessage = changed.length > 1
    ? multiTargetCommitMessage({
        kind: request.kind,
        targets: changed.map((p) => ({ environment: p.target.name, promotedFrom: promotedFrom(p), services: p.services, config: p.config })),
        overrides,
        reason,
      })
    : commitMessage({
        kind: request.kind,
        environment: (changed[0] ?? parts[0]!).target.name,
        promotedFrom: promotedFrom(changed[0] ?? parts[0]!),
        services: changed[0]?.services ?? [],
        config: changed[0]?.config ?? [],
        overrides,
        reason,
        freezeExempt: freezeExemptText(request.kind, (changed[0] ?? parts[0]!).target, shared.now),
      });
  const message = train ? withTrainTrailer(serviceMessage, train, parts) : serviceMessage;

  if (options.retag && request.release !== undefined) {
    const done = new Set<string>();
    for (const p of allServices) {
      const key = `${p.service}\n${p.sourceTag}\n${p.tag}`;
      if (done.has(key)) continue;
      done.add(key);
      const digest = await registry.retag(p.definition, p.sourceTag, p.tag);
      if (!isDigest(digest)) throw new PromotionError(`${registry.reference(p.definition, p.tag)}: re-tag gave ${JSON.stringify(digest.slice(0, 100))}, which is not a sha256 digest; refused`);
      if (p.digest !== undefined && digest !== p.digest) {
        throw new PromotionError(`${registry.reference(p.definition, p.tag)}: re-tag gave digest ${digest}, but ${p.sourceTag} has ${p.digest}`);
      }
    }
  }
  const first = parts[0]!;
  return { ...first, services: allServices, config: parts.flatMap((p) => p.config), unchanged: parts.flatMap((p) => p.unchanged), request, targets: parts, message, branch };
}

/** `--chart`: the chart versions of chart services to one target (lib/promote/chart-promotion.ts). */
async function planChartPromotion(
  root: string,
  platform: Platform,
  request: PromotionRequest,
  project: string,
  targets: readonly Environment[],
  env: Readonly<Record<string, string | undefined>> | undefined,
): Promise<PromotionPlan> {
  if (request.kind !== 'promotion') throw new PromotionError('--chart: a chart version goes back by promoting the earlier one with --chart-version');
  if (targets.length !== 1) throw new PromotionError(`--chart promotes to one environment at a time; '${targetsText(request.to)}' names ${targets.map((t) => t.name).join(', ')}`);
  if (request.tag !== undefined || request.release !== undefined || request.pinDigest) throw new PromotionError('--chart moves the chart version; --tag, --release and --pin-digest are for image tags (promote the tag without --chart)');
  if (request.config !== undefined || request.train !== undefined) throw new PromotionError('--chart moves the chart version of the named chart services; move config values (--config) or a release train (--train) in a promotion of their own');
  const target = targets[0]!;
  const from = request.from === undefined ? undefined : platform.environment(request.from);
  if (from === target) throw new PromotionError(`--from ${from.name}: promoting ${target.name} from itself`);
  if (from !== undefined) checkFromIsUpstream(platform, from, target);
  const names = request.all ? platform.services.filter((s) => s.chart).map((s) => s.name) : [...new Set(request.services)];
  if (names.length === 0) throw new PromotionError(`name at least one chart service or give --all; chart services: ${platform.services.filter((s) => s.chart).map((s) => s.name).join(', ') || 'none'}`);
  const gateNames = chartGatesOf(target).map((g) => g.name);
  const overrides = [...new Set(request.overrides ?? [])];
  for (const name of overrides) {
    if (!gateNames.includes(name)) throw new PromotionError(`--override '${name}': no such gate for a chart version in ${target.name}; gates: ${gateNames.join(', ')}`);
  }
  const reason = request.reason?.trim();
  if (overrides.length > 0 && !reason) throw new PromotionError(`--override ${overrides.join(', ')} needs --reason "..." saying why; it is recorded in the commit`);
  const git = new Git(root, env);
  const inGit = git.isRepository();
  let planned;
  try {
    planned = await planChartTarget({
      root,
      platform,
      project,
      target,
      from,
      services: names.map((n) => platform.service(n)),
      version: request.chartVersion,
      delivery: request.delivery,
      overrides,
      git,
      inGit,
      currentBranch: inGit ? git.currentBranch() : undefined,
      now: request.now ?? new Date(),
    });
  } catch (e) {
    throw e instanceof ChartPromotionError ? new PromotionError(e.message) : e;
  }
  const { refusals } = planned;
  // A chart version moves no config value.
  const plan: TargetPlan = { ...planned.plan, config: [] };
  if (refusals.length > 0) throw new PromotionRefused(refusals, names.length > 1);
  const message = chartCommitMessage({ environment: target.name, promotedFrom: promotedFrom(plan), services: plan.services, overrides, reason });
  const branch = promotionBranch('promotion', target.name, plan.services.map((s) => ({ ...s, tag: `chart-${s.tag}` })));
  return { ...plan, request, targets: [plan], message, branch };
}

/**
 * `--from` picks one of the target's upstreams; any other environment would skip the graph (and
 * the gates would read a history the graph never asked for), so it is refused, naming the upstreams.
 */
export function checkFromIsUpstream(platform: Platform, from: Environment, target: Environment): void {
  const upstreams = platform.upstreamsOf(target.name);
  if (upstreams.includes(from)) return;
  if (upstreams.length === 0) {
    throw new PromotionError(`--from ${from.name}: ${target.name} is a source of the promotion graph (no upstreams); give the tag with --tag`);
  }
  throw new PromotionError(`--from ${from.name}: not an upstream of ${target.name}; its upstreams: ${upstreams.map((u) => u.name).join(', ')} (ferry graph)`);
}

/** The platform's release train `name`, or a PromotionError listing the trains. */
function releaseTrainOf(platform: Platform, name: string): ReleaseTrain {
  try {
    return platform.releaseTrain(name);
  } catch (e) {
    throw new PromotionError(`--train ${name}: ${(e as Error).message}`);
  }
}

/** What `rollback --train` restores in `target`: each member's tag before the train's latest promotion there. */
function trainRollbackTags(root: string, git: Git, project: string, train: ReleaseTrain, target: Environment): Record<string, string> {
  const file = stackFileName(target.name);
  const text = readIfExists(join(root, file));
  if (text === undefined) throw new PromotionError(`${file}: missing; environment '${target.name}' has no stack file`);
  const stack = StackFile.parse(text, file, project);
  const current = Object.fromEntries(train.services.flatMap((s) => {
    const tag = stack.tagOf(s);
    return tag === undefined ? [] : [[s, tag]];
  }));
  const revisions = git.isRepository() ? StackHistory.read(git, target.name, file, project).revisions : [];
  const result = trainRollbackState(train, target.name, file, revisions, current);
  if ('error' in result) throw new PromotionError(result.error);
  return { ...result.state };
}

/** The Promoted-From value of a target: its sources, comma-separated. */
function promotedFrom(plan: TargetPlan): string | undefined {
  return plan.sources.length > 0 ? plan.sources.map((s) => s.name).join(', ') : undefined;
}

/** Plans one target environment; gate refusals are returned, not thrown. */
async function planTarget(shared: PlanShared, target: Environment): Promise<{ plan: TargetPlan; refusals: GateRefusal[] }> {
  const { root, platform, request, project, overrides } = shared;
  const rollback = request.kind === 'rollback';
  // With --config the image moves only when asked (--image, --tag, --release).
  const definitions = request.config === undefined || request.image === true ? shared.definitions : [];
  const targetFile = stackFileName(target.name);
  const stackBefore = readIfExists(join(root, targetFile));
  if (stackBefore === undefined) throw new PromotionError(`${targetFile}: missing; environment '${target.name}' has no stack file`);

  const upstreams = platform.upstreamsOf(target.name);
  const from = request.from !== undefined ? platform.environment(request.from) : undefined;
  // Whose history the order and soak gates read: the graph's upstreams, by fan-in (--from is always one of them).
  const witnesses = rollback ? [] : upstreams;
  const texts = new Map<string, string | undefined>();
  const textOf = (env: Environment): string | undefined => {
    if (!texts.has(env.name)) texts.set(env.name, readIfExists(join(root, stackFileName(env.name))));
    return texts.get(env.name);
  };
  const candidates = rollback ? [] : from !== undefined ? [from] : upstreams;
  for (const env of from !== undefined || upstreams.length <= 1 || request.tag === undefined ? candidates : []) {
    if (textOf(env) === undefined) throw new PromotionError(`${stackFileName(env.name)}: missing; cannot read what runs in ${env.name}`);
  }

  const read = [target, ...witnesses, ...candidates].filter((e, i, all) => all.indexOf(e) === i);
  // git reads the history while this process parses the target's stack file.
  const reading = shared.inGit ? StackHistory.readAllAsync(shared.git, read.map((e) => ({ environment: e.name, file: stackFileName(e.name) })), project) : undefined;
  let targetStack: StackFile;
  try {
    targetStack = StackFile.parse(stackBefore, targetFile, project);
  } catch (e) {
    await reading?.catch(() => undefined);
    throw e;
  }
  const histories = await reading;
  const historyOf = (env: Environment) => histories?.get(env.name) ?? new StackHistory(env.name, []);
  const stacks = new Map<string, StackFile | undefined>();
  const stackOf = (env: Environment): StackFile | undefined => {
    if (!stacks.has(env.name)) {
      const text = textOf(env);
      stacks.set(env.name, text === undefined ? undefined : StackFile.parse(text, stackFileName(env.name), project));
    }
    return stacks.get(env.name);
  };
  // What an upstream runs: from its history's last revision when its file is that committed blob
  // (no parse of a 20 KB file), else parsed.
  const tagsOf = (env: Environment): Pick<StackFile, 'tagOf'> | undefined => {
    const text = textOf(env);
    return text === undefined ? undefined : (historyOf(env).committedStack(text) ?? stackOf(env));
  };
  const targetHistory = historyOf(target);

  let sources: Environment[];
  if (rollback) sources = [];
  else if (from !== undefined || upstreams.length <= 1) sources = candidates;
  else if (request.tag !== undefined) {
    const tag = request.tag;
    sources = upstreams.filter((u) => definitions.every((d) => historyOf(u).intervals(d.name, tag).length > 0));
  } else {
    // Several upstreams: the tag is unambiguous only when every upstream runs the same one.
    const differing = definitions
      .map((d) => ({ service: d.name, running: upstreams.map((u) => ({ env: u.name, tag: tagsOf(u)!.tagOf(d.name) })) }))
      .filter((c) => new Set(c.running.map((r) => r.tag)).size > 1);
    if (differing.length > 0) {
      throw new PromotionError(
        `${target.name} has ${upstreams.length} upstreams (${upstreams.map((u) => u.name).join(', ')}; fan-in ${target.fanIn}) running different tags: ${differing
          .map((c) => `${c.service}: ${c.running.map((r) => `${r.env} runs ${r.tag ?? 'nothing'}`).join(', ')}`)
          .join('; ')}; pick the source with ${upstreams.map((u) => `--from ${u.name}`).join(' or ')}, or the tag with --tag`,
      );
    }
    sources = upstreams;
  }
  const source = sources[0];
  const sourceFile = source ? stackFileName(source.name) : undefined;
  const sourceStack = source ? tagsOf(source) : undefined;

  // Every source tag first (pure), then every registry check at once under one deadline.
  const sourceTags = definitions.map((definition) => {
    const service = definition.name;
    const previousTag = targetStack.tagOf(service);
    let sourceTag: string;
    const given = request.serviceTags?.[service] ?? request.tag;
    if (given !== undefined) {
      sourceTag = given;
    } else if (rollback) {
      const tags = targetHistory.tagsOf(service).filter((t) => t !== previousTag);
      if (tags.length === 0) {
        throw new PromotionError(`${service} has run no tag in ${target.name} other than ${previousTag ?? 'none'} (git history of ${targetFile}); nothing to roll back to`);
      }
      sourceTag = tags[0]!;
    } else if (sourceStack) {
      const running = sourceStack.tagOf(service);
      if (running === undefined) throw new PromotionError(`${sourceFile}: ${project}:images.${service}: missing; nothing to promote from ${source!.name}`);
      sourceTag = running;
    } else if (platform.isChain()) {
      throw new PromotionError(`${target.name} is the first environment (${platform.promotionOrder()}); give the tag with --tag`);
    } else {
      throw new PromotionError(`${target.name} is a source of the promotion graph (no upstreams; sources: ${platform.sources().map((e) => e.name).join(', ')}); give the tag with --tag`);
    }
    return { definition, sourceTag };
  });
  const images = await checkImages(shared.registry, sourceTags, { skip: overrides.includes('image'), deadlineMs: shared.registryDeadlineMs });

  const planned: PlannedService[] = [];
  const unchanged: { service: string; tag: string }[] = [];
  const refusals: GateRefusal[] = [];
  let stack = targetStack;
  for (const [index, { definition, sourceTag }] of sourceTags.entries()) {
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
      upstreamHistory: source ? historyOf(source) : undefined,
      upstreams: witnesses.map((w) => ({ environment: w, file: stackFileName(w.name), history: historyOf(w) })),
      delivery: request.delivery,
      currentBranch: shared.currentBranch,
      defaultBranch: platform.targetRevision,
      now: shared.now,
      image,
      verifications: target.requiresVerification ? shared.verifications() : undefined,
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
  let config: ServiceConfigChange[] = [];
  if (request.config !== undefined) {
    try {
      const moved = planConfigPromotion({
        platform,
        kind: request.kind,
        target,
        sources: sources.map((environment) => ({ environment, stack: stackOf(environment)! })),
        stack,
        definitions: shared.definitions,
        selection: request.config,
        imageServices: new Set(planned.map((p) => p.service)),
        gates: gatesOf(target),
        overrides: new Set(overrides),
        project,
        targetHistory,
        delivery: request.delivery,
        currentBranch: shared.currentBranch,
        now: shared.now,
      });
      stack = moved.stack;
      config = moved.changes;
      refusals.push(...moved.refusals);
    } catch (e) {
      throw e instanceof ConfigPromotionError ? new PromotionError(e.message) : e;
    }
  }
  const base = { target, source, sources, targetFile, services: planned, config, unchanged, stackBefore };
  if (refusals.length > 0 || !hasChanges(base)) {
    return { plan: { ...base, stackAfter: stackBefore, rendered: { changes: [], mode: 'overlay' } }, refusals };
  }

  // The schema has the last word: an overridden tag-format gate cannot produce an invalid stack file.
  const configSource = { file: targetFile, project, platform, environment: target };
  // The stack files are parsed already (targetStack holds stackBefore, stack its text).
  const before: StackConfig = parseStackConfig(projectValuesOf(targetStack.readValue(), targetFile, project), configSource);
  const afterValues = projectValuesOf(stack.readValue(), targetFile, project);
  // Tags and digests alone moved: the rest of the file is what `before` checked (withTagValues).
  const after: StackConfig = request.config === undefined ? withTagValues(before, afterValues, configSource) : parseStackConfig(afterValues, configSource);
  const changedServices = [...planned.map((p) => p.service), ...config.map((c) => c.service)].filter((n, i, all) => all.indexOf(n) === i);
  const rendered = await renderedChanges(root, platform, target, before, after, changedServices);
  return { plan: { ...base, stackAfter: stack.text, rendered }, refusals };
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
  const command = request.command ?? `${request.kind} ${request.services.join(' ')} --to ${targetsText(request.to)}`;
  const lock = inGit ? PromotionLock.acquire(git.gitDir(), command) : undefined;
  try {
    const targetFiles = resolveTargets(platform, request.to).map((t) => stackFileName(t.name));
    if (request.delivery !== 'working-tree') {
      const dirty = git.dirtyPaths([...targetFiles, 'manifests']);
      if (dirty.length > 0) {
        throw new PromotionError(`uncommitted changes in ${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', ...' : ''}; commit or stash them first: a promotion commit holds only its own change`);
      }
    }
    const plan = await planPromotion(root, platform, request, registry, { retag: true, env });
    if (!hasChanges(plan)) return { plan, files: [], commit: undefined, branch: undefined };
    if (request.delivery === 'branch' && git.branchExists(plan.branch)) {
      throw new PromotionError(`branch '${plan.branch}' already exists; delete it or finish that promotion first`);
    }
    const files: FileChange[] = planFiles(plan);
    const originalBranch = inGit ? git.currentBranch() : undefined;
    let restoreFiles: (() => void) | undefined;
    let branchCreated = false;
    try {
      // The stack file and its manifests in one transaction: a killed promotion leaves both old or both new.
      restoreFiles = writeFileChanges(root, files, { command });
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

/** A rollback inside a freeze window it is exempt from: the window, for the Freeze-Exempt trailer. */
function freezeExemptText(kind: PromotionKind, target: Environment, now: Date): string | undefined {
  const window = kind === 'rollback' ? freezeExemptionOf(target.freezeWindows, now) : undefined;
  return window ? `${window.reason} (${describeFreezeWindow(window)}); rollbacks are exempt` : undefined;
}

/** `fn`'s value, computed on the first call. */
function once<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}

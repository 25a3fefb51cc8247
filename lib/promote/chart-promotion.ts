/**
 * Promotion of a chart service's chart version (`ferry promote <service> --to <env> --chart`): the
 * version running upstream (or `--chart-version`) is written into `<project>:charts.<service>.version`
 * of the target and the Argo CD Application is re-rendered. The image tag of a chart service is
 * promoted like any service's, by the ordinary promotion. Which gates apply: every gate of the
 * environment but `tag-format`, `image` and `verified` (a chart version is no image tag, is not in
 * the image registry and has no verification records); order and soak read the git history of the chart versions, not of the tags.
 */
import { join } from 'node:path';
import { checkChartVersion } from '../../model/helm-chart.js';
import { runGates, type Delivery, type GateContext, type GateRefusal, type PromotionGate } from '../../model/gate.js';
import { parseStackConfig, projectValues, stackFileName } from '../../model/stack-config.js';
import type { Environment, Platform, ServiceDefinition } from '../../model/platform.js';
import type { Git } from '../git/git.js';
import { overridesValue } from './commit-message.js';
import { readIfExists } from '../fs/read-if-exists.js';
import { renderedChanges, type RenderedChanges } from './rendered-changes.js';
import { StackFile } from './stack-file.js';
import { StackHistory } from './stack-history.js';
import { gatesOf } from './standard-gates.js';
import { serviceTrailerLines, TRAILER } from './trailers.js';

/**
 * The gates a chart version does not pass through: it is no image tag, not in the image registry,
 * and verification records (`ferry verify record`) are made for image tags.
 */
export const CHART_EXEMPT_GATES: readonly string[] = ['tag-format', 'image', 'verified'];

/** Commit trailer of a chart-version promotion: the version (`service=version` for several). */
export const CHART_VERSION_TRAILER = 'Chart-Version';

/** A chart-version promotion that cannot be carried out as asked (turned into a PromotionError). */
export class ChartPromotionError extends Error {}

/** The gates of `target` that apply to a chart version. */
export function chartGatesOf(target: Environment): readonly PromotionGate[] {
  return gatesOf(target).filter((g) => !CHART_EXEMPT_GATES.includes(g.name));
}

/** What {@link planChartTarget} needs. */
export interface ChartTargetInput {
  readonly root: string;
  readonly platform: Platform;
  readonly project: string;
  readonly target: Environment;
  /** `--from`: the environment to take the version from instead of the target's upstreams. */
  readonly from: Environment | undefined;
  readonly services: readonly ServiceDefinition[];
  /** `--chart-version`: the version to deploy instead of the upstream's. */
  readonly version: string | undefined;
  readonly delivery: Delivery;
  readonly overrides: readonly string[];
  readonly git: Git;
  readonly inGit: boolean;
  readonly currentBranch: string | undefined;
  readonly now: Date;
}

/** One chart service whose version changes. */
export interface PlannedChartVersion {
  readonly service: string;
  readonly definition: ServiceDefinition;
  readonly chart: string;
  readonly tag: string;
  readonly previousTag: string | undefined;
  readonly sourceTag: string;
  readonly digest: undefined;
  readonly releaseOf: undefined;
  readonly overridden: readonly GateRefusal[];
  readonly unpinned: false;
}

/** The checked chart-version change of one target environment. */
export interface ChartTargetPlan {
  readonly target: Environment;
  readonly source: Environment | undefined;
  readonly sources: readonly Environment[];
  readonly targetFile: string;
  readonly services: readonly PlannedChartVersion[];
  readonly unchanged: readonly { service: string; tag: string }[];
  readonly stackBefore: string;
  readonly stackAfter: string;
  readonly rendered: RenderedChanges;
}

/**
 * Plans the chart-version change of one target: the version of each service (upstream's, or the
 * given one), the gates, the edited stack file (one line per service) and the re-rendered files.
 * Gate refusals are returned; a request that cannot be carried out throws ChartPromotionError.
 */
export async function planChartTarget(input: ChartTargetInput): Promise<{ plan: ChartTargetPlan; refusals: GateRefusal[] }> {
  const { root, platform, project, target } = input;
  for (const definition of input.services) {
    if (!definition.chart) {
      const charts = platform.services.filter((s) => s.chart).map((s) => s.name);
      throw new ChartPromotionError(`--chart: '${definition.name}' is not a chart service; chart services: ${charts.join(', ') || 'none'}`);
    }
  }
  const version = input.version === undefined ? undefined : checkChartVersion(input.version, '--chart-version');
  const targetFile = stackFileName(target.name);
  const stackBefore = readIfExists(join(root, targetFile));
  if (stackBefore === undefined) throw new ChartPromotionError(`${targetFile}: missing; environment '${target.name}' has no stack file`);
  const targetStack = StackFile.parse(stackBefore, targetFile, project);

  const upstreams = platform.upstreamsOf(target.name);
  const sources = input.from !== undefined ? [input.from] : upstreams;
  const witnesses = input.from !== undefined && !upstreams.includes(input.from) ? [input.from] : upstreams;
  const stackOf = (env: Environment): StackFile => {
    const file = stackFileName(env.name);
    const text = readIfExists(join(root, file));
    if (text === undefined) throw new ChartPromotionError(`${file}: missing; cannot read the chart version running in ${env.name}`);
    return StackFile.parse(text, file, project);
  };
  const read = [target, ...witnesses].filter((e, i, all) => all.indexOf(e) === i);
  // The chart versions' own history: order and soak ask where and how long a version ran.
  const histories = input.inGit ? StackHistory.readAll(input.git, read.map((e) => ({ environment: e.name, file: stackFileName(e.name) })), project, 'HEAD', (s) => s.chartVersions()) : undefined;
  const historyOf = (env: Environment) => histories?.get(env.name) ?? new StackHistory(env.name, []);

  const planned: PlannedChartVersion[] = [];
  const unchanged: { service: string; tag: string }[] = [];
  const refusals: GateRefusal[] = [];
  let stack = targetStack;
  for (const definition of input.services) {
    const service = definition.name;
    let sourceVersion = version;
    if (sourceVersion === undefined) {
      if (sources.length === 0) throw new ChartPromotionError(`${target.name} has no upstream to take the chart version of ${service} from; give it with --chart-version`);
      const running = sources.map((env) => ({ env: env.name, version: stackOf(env).chartVersionOf(service) }));
      const missing = running.find((r) => r.version === undefined);
      if (missing) throw new ChartPromotionError(`${stackFileName(missing.env)}: ${project}:charts.${service}.version: missing; nothing to promote from ${missing.env}`);
      if (new Set(running.map((r) => r.version)).size > 1) {
        throw new ChartPromotionError(`${target.name} has ${sources.length} upstreams running different chart versions of ${service} (${running.map((r) => `${r.env} runs ${r.version}`).join(', ')}); pick one with --from, or give --chart-version`);
      }
      sourceVersion = running[0]!.version!;
    }
    const previous = targetStack.chartVersionOf(service);
    if (sourceVersion === previous) {
      unchanged.push({ service, tag: sourceVersion });
      continue;
    }
    const context: GateContext = {
      platform,
      kind: 'promotion',
      target,
      upstream: sources[0],
      service,
      tag: sourceVersion,
      sourceTag: sourceVersion,
      targetFile,
      upstreamFile: sources[0] ? stackFileName(sources[0].name) : undefined,
      project,
      targetHistory: historyOf(target),
      upstreamHistory: sources[0] ? historyOf(sources[0]) : undefined,
      upstreams: witnesses.map((w) => ({ environment: w, file: stackFileName(w.name), history: historyOf(w) })),
      delivery: input.delivery,
      currentBranch: input.currentBranch,
      defaultBranch: platform.targetRevision,
      now: input.now,
      image: { reference: `${definition.chart!.repository}/${definition.chart!.name}:${sourceVersion}`, checked: false, exists: false },
    };
    const result = runGates(chartGatesOf(target), context, new Set(input.overrides));
    // The order gate names the key it read; here that is the chart version, not the image tag.
    const rekey = (r: GateRefusal): GateRefusal => ({ ...r, message: r.message.split(`${project}:images.${service}`).join(`${project}:charts.${service}.version`) });
    refusals.push(...result.refusals.map(rekey));
    stack = stack.withChartVersion(service, sourceVersion);
    planned.push({
      service,
      definition,
      chart: definition.chart!.name,
      tag: sourceVersion,
      previousTag: previous,
      sourceTag: sourceVersion,
      digest: undefined,
      releaseOf: undefined,
      overridden: result.overridden.map(rekey),
      unpinned: false,
    });
  }
  const base = { target, source: sources[0], sources, targetFile, services: planned, unchanged, stackBefore };
  if (refusals.length > 0 || planned.length === 0) return { plan: { ...base, stackAfter: stackBefore, rendered: { changes: [], mode: 'overlay' } }, refusals };
  const configSource = { file: targetFile, project, platform, environment: target };
  const before = parseStackConfig(projectValues(stackBefore, targetFile, project), configSource);
  const after = parseStackConfig(projectValues(stack.text, targetFile, project), configSource);
  // A chart service has no overlay, so this renders the platform: the Application changes.
  const rendered = await renderedChanges(root, platform, target, before, after, planned.map((p) => p.service));
  return { plan: { ...base, stackAfter: stack.text, rendered }, refusals };
}

/**
 * `chore(promote): catalog chart 1.4.0 to stage`, then Promoted-From, Chart-Version (per service
 * when several) and Gate-Overrides trailers.
 */
export function chartCommitMessage(props: { environment: string; promotedFrom: string | undefined; services: readonly { service: string; tag: string }[]; overrides: readonly string[]; reason: string | undefined }): string {
  const subject = `chore(promote): ${props.services.map((s) => `${s.service} chart ${s.tag}`).join(', ')} to ${props.environment}`;
  const trailers: string[] = [];
  if (props.promotedFrom !== undefined) trailers.push(`${TRAILER.promotedFrom}: ${props.promotedFrom}`);
  trailers.push(...serviceTrailerLines(CHART_VERSION_TRAILER, props.services.map((s) => ({ service: s.service, value: s.tag })), props.services.length));
  if (props.overrides.length > 0) trailers.push(`${TRAILER.gateOverrides}: ${overridesValue(props.overrides, props.reason ?? '')}`);
  return `${subject}\n\n${trailers.join('\n')}\n`;
}

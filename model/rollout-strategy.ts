import { Analysis, BUILT_IN_ANALYSIS_ARGS } from './analysis.js';
import { showValue } from './names.js';
import { TrafficRouting } from './traffic-routing.js';

/** Options of a Kubernetes rolling update (no Argo Rollouts involved). */
export interface RollingUpdateOptions {
  /**
   * Pods created above the desired count during an update.
   * @default '25%'
   */
  readonly maxSurge?: string | number;
  /**
   * Pods that may be unavailable during an update.
   * @default 0
   */
  readonly maxUnavailable?: string | number;
}

/** Options of an Argo Rollouts blue-green strategy. */
export interface BlueGreenOptions {
  /**
   * Switch traffic to the new version without a person once it is ready and pre-promotion analysis passed.
   * @default false
   */
  readonly autoPromotionEnabled?: boolean;
  /**
   * Seconds the old version keeps running after the switch, for a fast rollback.
   * @default 30
   */
  readonly scaleDownDelaySeconds?: number;
  /**
   * Replicas of the new version while it is previewed; undefined means the full count.
   * @default - the environment's replicas
   */
  readonly previewReplicaCount?: number;
  /**
   * Analyses of the preview Service before the switch: `true` is the web health check
   * (`Analysis.web()`), a list names its own; a failure aborts.
   * @default true
   */
  readonly prePromotionAnalysis?: boolean | readonly Analysis[];
  /**
   * Analyses of the active Service after the switch (`true`: the web health check); a failure rolls back.
   * @default true
   */
  readonly postPromotionAnalysis?: boolean | readonly Analysis[];
  /**
   * Promote automatically this many seconds after the preview is ready (and pre-promotion analysis
   * passed); implies `autoPromotionEnabled`, so `autoPromotionEnabled: false` with it throws.
   * @default - no timed promotion
   */
  readonly autoPromotionSeconds?: number;
  /**
   * An Ingress `<name>-preview` on `preview.<host>` for the preview Service, so people can try the
   * new version before the switch (services without a host get none).
   * @default false
   */
  readonly previewIngress?: boolean;
  /**
   * Prefer to schedule the new version's pods on other nodes than the old version's (Argo's
   * preferred pod anti-affinity by hostname), so one node failure does not take both.
   * @default false
   */
  readonly antiAffinity?: boolean;
  /**
   * Values of the analyses' own `{{args.<name>}}` in this environment (service-name and namespace are set by ferry).
   * @default {}
   */
  readonly analysisArgs?: Readonly<Record<string, string>>;
}

/** Resolved blue-green options. */
export interface ResolvedBlueGreenOptions {
  readonly autoPromotionEnabled: boolean;
  readonly autoPromotionSeconds: number | undefined;
  readonly scaleDownDelaySeconds: number;
  readonly previewReplicaCount: number | undefined;
  /** Whether any analysis runs before the switch. */
  readonly prePromotionAnalysis: boolean;
  /** Whether any analysis runs after the switch. */
  readonly postPromotionAnalysis: boolean;
  /** The analyses before the switch; empty when off. */
  readonly prePromotionAnalyses: readonly Analysis[];
  /** The analyses after the switch; empty when off. */
  readonly postPromotionAnalyses: readonly Analysis[];
  readonly previewIngress: boolean;
  readonly antiAffinity: boolean;
  readonly analysisArgs: Readonly<Record<string, string>>;
}

/**
 * One step of a canary: a traffic weight, a pause (timed, or `{}` until someone promotes), a
 * canary scale independent of the weight (needs traffic routing), or an analysis of the canary
 * Service (`true`: the strategy's `analysis`; a list: those analyses).
 */
export type CanaryStep =
  | { readonly setWeight: number }
  | { readonly pause: { readonly duration?: string } }
  | { readonly setCanaryScale: CanaryScale }
  | { readonly analysis: true | readonly Analysis[] };

/** How many canary pods run, whatever the traffic weight: exactly one of the three. */
export interface CanaryScale {
  /** Percent of the Rollout's replicas. */
  readonly weight?: number;
  /** A fixed number of pods. */
  readonly replicas?: number;
  /** Back to following the traffic weight. */
  readonly matchTrafficWeight?: true;
}

/** Analysis that runs in the background for the whole canary, from a step on. */
export interface BackgroundAnalysis {
  /**
   * The analyses.
   * @default - the strategy's `analysis`
   */
  readonly analysis?: readonly Analysis[];
  /**
   * Index of the step it starts at (0: from the beginning).
   * @default 0
   */
  readonly startingStep?: number;
}

/** Options of an Argo Rollouts canary strategy. */
export interface CanaryOptions {
  /**
   * The steps, in order.
   * @default - 20% with analysis, 50% for 2 minutes, 100%
   */
  readonly steps?: readonly CanaryStep[];
  /**
   * Pods created above the desired count during each step.
   * @default '25%'
   */
  readonly maxSurge?: string | number;
  /**
   * Pods that may be unavailable during each step (not 0 together with a `maxSurge` of 0).
   * @default 0
   */
  readonly maxUnavailable?: string | number;
  /**
   * How the weight reaches users; nginx needs every service of the environment to have a `host`.
   * @default TrafficRouting.nginx()
   */
  readonly trafficRouting?: TrafficRouting;
  /**
   * Scale the stable pods down as the canary's weight grows (needs traffic routing), rather than
   * keeping the full stable count until the end.
   * @default false
   */
  readonly dynamicStableScale?: boolean;
  /**
   * What an `{ analysis: true }` step runs against the canary Service.
   * @default [Analysis.web()] - the service's health check
   */
  readonly analysis?: readonly Analysis[];
  /**
   * Analysis of the canary Service running beside the steps; a failure aborts at any step.
   * @default - none
   */
  readonly backgroundAnalysis?: BackgroundAnalysis;
  /**
   * Prefer to schedule canary pods on other nodes than the stable ones (preferred anti-affinity by hostname).
   * @default false
   */
  readonly antiAffinity?: boolean;
  /**
   * Values of the analyses' own `{{args.<name>}}` in this environment (service-name and namespace are set by ferry).
   * @default {}
   */
  readonly analysisArgs?: Readonly<Record<string, string>>;
}

/** Resolved canary options. */
export interface ResolvedCanaryOptions {
  readonly steps: readonly CanaryStep[];
  readonly maxSurge: string | number;
  readonly maxUnavailable: string | number;
  readonly trafficRouting: TrafficRouting;
  readonly dynamicStableScale: boolean;
  readonly analysis: readonly Analysis[];
  readonly backgroundAnalysis: Required<BackgroundAnalysis> | undefined;
  readonly antiAffinity: boolean;
  readonly analysisArgs: Readonly<Record<string, string>>;
}

const DURATION = /^\d+(s|m|h)$/;

/** How a new version replaces the old one in an environment. */
export class RolloutStrategy {
  /** A plain Deployment rolling update (dev and stage out of the box). */
  public static rollingUpdate(options: RollingUpdateOptions = {}): RolloutStrategy {
    return new RolloutStrategy('rolling-update', { maxSurge: options.maxSurge ?? '25%', maxUnavailable: options.maxUnavailable ?? 0 });
  }

  /** An Argo Rollout with active and preview Services and analysis before and after the switch (prod out of the box). */
  public static blueGreen(options: BlueGreenOptions = {}): RolloutStrategy {
    const where = 'RolloutStrategy.blueGreen';
    const scaleDownDelaySeconds = options.scaleDownDelaySeconds ?? 30;
    if (!Number.isInteger(scaleDownDelaySeconds) || scaleDownDelaySeconds < 0) {
      throw new Error(`${where}: 'scaleDownDelaySeconds' must be a whole number of seconds >= 0, got ${scaleDownDelaySeconds}`);
    }
    if (options.previewReplicaCount !== undefined && (!Number.isInteger(options.previewReplicaCount) || options.previewReplicaCount < 1)) {
      throw new Error(`${where}: 'previewReplicaCount' must be a whole number >= 1, got ${options.previewReplicaCount}`);
    }
    const autoPromotionSeconds = options.autoPromotionSeconds;
    if (autoPromotionSeconds !== undefined) {
      if (!Number.isInteger(autoPromotionSeconds) || autoPromotionSeconds < 1) {
        throw new Error(`${where}: 'autoPromotionSeconds' must be a whole number of seconds >= 1, got ${showValue(autoPromotionSeconds)}`);
      }
      if (options.autoPromotionEnabled === false) {
        throw new Error(`${where}: 'autoPromotionSeconds' ${autoPromotionSeconds} promotes automatically, but 'autoPromotionEnabled' is false; drop one of them`);
      }
    }
    const autoPromotionEnabled = checkBoolean(options.autoPromotionEnabled ?? autoPromotionSeconds !== undefined, `${where}: 'autoPromotionEnabled'`);
    const prePromotionAnalyses = analysesOf(options.prePromotionAnalysis ?? true, `${where}: 'prePromotionAnalysis'`);
    const postPromotionAnalyses = analysesOf(options.postPromotionAnalysis ?? true, `${where}: 'postPromotionAnalysis'`);
    const previewIngress = checkBoolean(options.previewIngress ?? false, `${where}: 'previewIngress'`);
    const antiAffinity = checkBoolean(options.antiAffinity ?? false, `${where}: 'antiAffinity'`);
    const analysisArgs = checkAnalysisArgs(options.analysisArgs ?? {}, [...prePromotionAnalyses, ...postPromotionAnalyses], where);
    const resolved: ResolvedBlueGreenOptions = {
      autoPromotionEnabled,
      autoPromotionSeconds,
      scaleDownDelaySeconds,
      previewReplicaCount: options.previewReplicaCount,
      prePromotionAnalysis: prePromotionAnalyses.length > 0,
      postPromotionAnalysis: postPromotionAnalyses.length > 0,
      prePromotionAnalyses,
      postPromotionAnalyses,
      previewIngress,
      antiAffinity,
      analysisArgs,
    };
    return new RolloutStrategy('blue-green', resolved);
  }

  /**
   * An Argo Rollout that shifts traffic step by step between the stable and canary Services
   * (through nginx by default), with analyses of the canary Service that abort and roll back.
   */
  public static canary(options: CanaryOptions = {}): RolloutStrategy {
    const where = 'RolloutStrategy.canary';
    const steps = options.steps ?? [{ setWeight: 20 }, { analysis: true }, { setWeight: 50 }, { pause: { duration: '2m' } }, { setWeight: 100 }];
    if (!Array.isArray(steps) || steps.length === 0) {
      throw new Error(`${where}: 'steps' must not be empty`);
    }
    const trafficRouting = options.trafficRouting ?? TrafficRouting.nginx();
    if (!(trafficRouting instanceof TrafficRouting)) {
      throw new Error(`${where}: 'trafficRouting' ${showValue(trafficRouting)} must be TrafficRouting.nginx() or TrafficRouting.replicaRatio()`);
    }
    const analysis = analysesOf(options.analysis ?? true, `${where}: 'analysis'`);
    if (analysis.length === 0) throw new Error(`${where}: 'analysis' must not be empty`);
    const used: Analysis[] = [];
    let lastWeight = 0;
    steps.forEach((step, i) => {
      const at = `${where}: 'steps[${i}]`;
      if (!isPlainObject(step) || Object.keys(step).length !== 1) {
        throw new Error(`${at}' ${showValue(step)} must be one of { setWeight }, { pause }, { setCanaryScale }, { analysis }`);
      }
      if ('setWeight' in step) {
        if (!Number.isInteger(step.setWeight) || step.setWeight < 1 || step.setWeight > 100) {
          throw new Error(`${at}.setWeight' must be a whole number from 1 to 100, got ${step.setWeight}`);
        }
        if (step.setWeight < lastWeight) {
          throw new Error(`${at}.setWeight' ${step.setWeight} is below the previous weight ${lastWeight}; weights only grow`);
        }
        lastWeight = step.setWeight;
      } else if ('pause' in step) {
        if (!isPlainObject(step.pause)) throw new Error(`${at}.pause' ${showValue(step.pause)} must be { duration: '60s' } or {} (until promoted)`);
        if (step.pause.duration !== undefined && !DURATION.test(step.pause.duration)) {
          throw new Error(`${at}.pause.duration' must look like 30s, 5m or 1h, got '${step.pause.duration}'`);
        }
      } else if ('setCanaryScale' in step) {
        checkCanaryScale(step.setCanaryScale, `${at}.setCanaryScale'`);
        if (!trafficRouting.routesTraffic) {
          throw new Error(`${at}.setCanaryScale' needs traffic routing, but 'trafficRouting' is TrafficRouting.replicaRatio() (the pod count is the weight); use TrafficRouting.nginx()`);
        }
      } else if ('analysis' in step) {
        if (step.analysis !== true && (!Array.isArray(step.analysis) || step.analysis.length === 0)) {
          throw new Error(`${at}.analysis' ${showValue(step.analysis)} must be true (the strategy's 'analysis') or a non-empty list of analyses`);
        }
        used.push(...(step.analysis === true ? analysis : analysesOf(step.analysis, `${at}.analysis'`)));
      } else {
        throw new Error(`${at}' ${showValue(step)} must be one of { setWeight }, { pause }, { setCanaryScale }, { analysis }`);
      }
    });
    const dynamicStableScale = checkBoolean(options.dynamicStableScale ?? false, `${where}: 'dynamicStableScale'`);
    if (dynamicStableScale && !trafficRouting.routesTraffic) {
      throw new Error(`${where}: 'dynamicStableScale' true needs traffic routing, but 'trafficRouting' is TrafficRouting.replicaRatio(); use TrafficRouting.nginx()`);
    }
    const maxSurge = options.maxSurge ?? '25%';
    const maxUnavailable = options.maxUnavailable ?? 0;
    checkIntOrPercent(maxSurge, `${where}: 'maxSurge'`);
    checkIntOrPercent(maxUnavailable, `${where}: 'maxUnavailable'`);
    if (isZero(maxSurge) && isZero(maxUnavailable)) {
      throw new Error(`${where}: 'maxSurge' ${showValue(maxSurge)} and 'maxUnavailable' ${showValue(maxUnavailable)} are both zero; the rollout could never replace a pod`);
    }
    let backgroundAnalysis: Required<BackgroundAnalysis> | undefined;
    if (options.backgroundAnalysis !== undefined) {
      if (!isPlainObject(options.backgroundAnalysis)) throw new Error(`${where}: 'backgroundAnalysis' ${showValue(options.backgroundAnalysis)} must be { analysis?, startingStep? }`);
      const startingStep = options.backgroundAnalysis.startingStep ?? 0;
      if (!Number.isInteger(startingStep) || startingStep < 0 || startingStep >= steps.length) {
        throw new Error(`${where}: 'backgroundAnalysis.startingStep' must be a step index from 0 to ${steps.length - 1}, got ${showValue(startingStep)}`);
      }
      const background = options.backgroundAnalysis.analysis === undefined ? analysis : analysesOf(options.backgroundAnalysis.analysis, `${where}: 'backgroundAnalysis.analysis'`);
      if (background.length === 0) throw new Error(`${where}: 'backgroundAnalysis.analysis' must not be empty`);
      backgroundAnalysis = { analysis: background, startingStep };
      used.push(...background);
    }
    const antiAffinity = checkBoolean(options.antiAffinity ?? false, `${where}: 'antiAffinity'`);
    const analysisArgs = checkAnalysisArgs(options.analysisArgs ?? {}, used, where);
    const resolved: ResolvedCanaryOptions = { steps, maxSurge, maxUnavailable, trafficRouting, dynamicStableScale, analysis, backgroundAnalysis, antiAffinity, analysisArgs };
    return new RolloutStrategy('canary', resolved);
  }

  private constructor(
    /** The kind of strategy; a Rollout is rendered for every kind but 'rolling-update'. */
    public readonly kind: 'rolling-update' | 'blue-green' | 'canary',
    private readonly options: object,
  ) {}

  /** Whether the environment runs an Argo Rollout rather than a plain Deployment. */
  public get progressive(): boolean {
    return this.kind !== 'rolling-update';
  }

  /** Resolved rolling-update options; throws for other kinds. */
  public get rollingUpdate(): Required<RollingUpdateOptions> {
    return this.optionsOf('rolling-update') as Required<RollingUpdateOptions>;
  }

  /** Resolved blue-green options; throws for other kinds. */
  public get blueGreen(): ResolvedBlueGreenOptions {
    return this.optionsOf('blue-green') as ResolvedBlueGreenOptions;
  }

  /** Resolved canary options; throws for other kinds. */
  public get canary(): ResolvedCanaryOptions {
    return this.optionsOf('canary') as ResolvedCanaryOptions;
  }

  /** Whether this strategy runs an AnalysisTemplate at all. */
  public get usesAnalysis(): boolean {
    return this.analyses.length > 0;
  }

  /**
   * Every analysis the strategy runs, once each in order of first use (one AnalysisTemplate each);
   * checked when the strategy was made to give each name one definition.
   */
  public get analyses(): readonly Analysis[] {
    if (this.kind === 'blue-green') return distinct([...this.blueGreen.prePromotionAnalyses, ...this.blueGreen.postPromotionAnalyses]);
    if (this.kind === 'canary') {
      const canary = this.canary;
      const fromSteps = canary.steps.flatMap((s) => ('analysis' in s ? (s.analysis === true ? canary.analysis : s.analysis) : []));
      return distinct([...fromSteps, ...(canary.backgroundAnalysis?.analysis ?? [])]);
    }
    return [];
  }

  /** "blue-green (manual promotion)", "canary (5 steps)", "rolling-update": for tables and diffs. */
  public describe(): string {
    if (this.kind === 'blue-green') return `blue-green (${this.blueGreen.autoPromotionEnabled ? 'auto' : 'manual'} promotion)`;
    if (this.kind === 'canary') return `canary (${this.canary.steps.length} steps)`;
    return 'rolling-update';
  }

  private optionsOf(kind: RolloutStrategy['kind']): object {
    if (this.kind !== kind) throw new Error(`RolloutStrategy: this is a '${this.kind}' strategy, not '${kind}'`);
    return this.options;
  }
}

/** `true` is the web health check, `false` none, a list those analyses. */
function analysesOf(value: boolean | readonly Analysis[], where: string): readonly Analysis[] {
  if (value === true) return [Analysis.web()];
  if (value === false) return [];
  if (!Array.isArray(value) || !value.every((a) => a instanceof Analysis)) {
    throw new Error(`${where} ${showValue(value)} must be true, false or a list of analyses like [Analysis.prometheus({ ... })]`);
  }
  return value;
}

/** The analyses once each by name; throws where one name means two different analyses. */
function distinct(analyses: readonly Analysis[]): Analysis[] {
  const byName = new Map<string, Analysis>();
  for (const a of analyses) {
    const seen = byName.get(a.name);
    if (seen && !seen.sameAs(a)) throw new Error(`RolloutStrategy: two different analyses are named '${a.name}'; give one a 'name' of its own (each becomes the AnalysisTemplate <service>-<name>)`);
    if (!seen) byName.set(a.name, a);
  }
  return [...byName.values()];
}

/** Checks the per-environment argument values against what the analyses read; returns them sorted. */
function checkAnalysisArgs(args: Readonly<Record<string, string>>, analyses: readonly Analysis[], where: string): Readonly<Record<string, string>> {
  if (!isObject(args)) throw new Error(`${where}: 'analysisArgs' ${showValue(args)} must be a mapping of argument names to strings`);
  const list = distinct(analyses);
  const read = new Set(list.flatMap((a) => a.args));
  for (const [key, value] of Object.entries(args)) {
    if ((BUILT_IN_ANALYSIS_ARGS as readonly string[]).includes(key)) throw new Error(`${where}: 'analysisArgs.${key}' is set by ferry (the measured Service and its namespace); remove it`);
    if (!read.has(key)) throw new Error(`${where}: 'analysisArgs.${key}' is read by no analysis of the strategy; arguments read: ${[...read].sort().join(', ') || 'none'}`);
    if (typeof value !== 'string') throw new Error(`${where}: 'analysisArgs.${key}' ${showValue(value)} must be a string`);
  }
  for (const a of list) {
    for (const arg of a.args) {
      if (args[arg] === undefined && a.defaultArgs[arg] === undefined) {
        throw new Error(`${where}: analysis '${a.name}' reads {{args.${arg}}}, which neither its 'defaultArgs' nor the strategy's 'analysisArgs' gives`);
      }
    }
  }
  return Object.fromEntries(Object.keys(args).sort().map((k) => [k, args[k]!]));
}

function checkCanaryScale(scale: unknown, where: string): void {
  const keys = isObject(scale) ? Object.keys(scale) : [];
  if (!isObject(scale) || keys.length !== 1) throw new Error(`${where} ${showValue(scale)} must be exactly one of { weight }, { replicas }, { matchTrafficWeight: true }`);
  if ('weight' in scale && (!Number.isInteger(scale.weight) || (scale.weight as number) < 0 || (scale.weight as number) > 100)) {
    throw new Error(`${where}.weight' must be a whole number from 0 to 100, got ${showValue(scale.weight)}`);
  }
  if ('replicas' in scale && (!Number.isInteger(scale.replicas) || (scale.replicas as number) < 0)) {
    throw new Error(`${where}.replicas' must be a whole number >= 0, got ${showValue(scale.replicas)}`);
  }
  if ('matchTrafficWeight' in scale && scale.matchTrafficWeight !== true) {
    throw new Error(`${where}.matchTrafficWeight' must be true, got ${showValue(scale.matchTrafficWeight)}`);
  }
  if (!['weight', 'replicas', 'matchTrafficWeight'].includes(keys[0]!)) {
    throw new Error(`${where} ${showValue(scale)} must be exactly one of { weight }, { replicas }, { matchTrafficWeight: true }`);
  }
}

function checkIntOrPercent(value: unknown, where: string): void {
  const ok = (typeof value === 'number' && Number.isInteger(value) && value >= 0) || (typeof value === 'string' && /^(100|[1-9]?\d)%$/.test(value));
  if (!ok) throw new Error(`${where} ${showValue(value)} must be a whole number >= 0 or a percentage like '25%'`);
}

function isZero(value: string | number): boolean {
  return value === 0 || value === '0%';
}

function checkBoolean(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') throw new Error(`${where} ${showValue(value)} must be true or false`);
  return value;
}

/** Like isObject, without narrowing the declared type. */
function isPlainObject(value: unknown): boolean {
  return isObject(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

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
   * Run the health-check analysis against the preview Service before the switch.
   * @default true
   */
  readonly prePromotionAnalysis?: boolean;
  /**
   * Run the health-check analysis against the active Service after the switch; a failure rolls back.
   * @default true
   */
  readonly postPromotionAnalysis?: boolean;
}

/** One step of a canary: a traffic weight, a pause, or an analysis. */
export type CanaryStep =
  | { readonly setWeight: number }
  | { readonly pause: { readonly duration?: string } }
  | { readonly analysis: true };

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
    const scaleDownDelaySeconds = options.scaleDownDelaySeconds ?? 30;
    if (!Number.isInteger(scaleDownDelaySeconds) || scaleDownDelaySeconds < 0) {
      throw new Error(`RolloutStrategy.blueGreen: 'scaleDownDelaySeconds' must be a whole number of seconds >= 0, got ${scaleDownDelaySeconds}`);
    }
    if (options.previewReplicaCount !== undefined && (!Number.isInteger(options.previewReplicaCount) || options.previewReplicaCount < 1)) {
      throw new Error(`RolloutStrategy.blueGreen: 'previewReplicaCount' must be a whole number >= 1, got ${options.previewReplicaCount}`);
    }
    const prePromotionAnalysis = options.prePromotionAnalysis ?? true;
    const autoPromotionEnabled = options.autoPromotionEnabled ?? false;
    return new RolloutStrategy('blue-green', {
      autoPromotionEnabled,
      scaleDownDelaySeconds,
      previewReplicaCount: options.previewReplicaCount,
      prePromotionAnalysis,
      postPromotionAnalysis: options.postPromotionAnalysis ?? true,
    });
  }

  /** An Argo Rollout that shifts traffic step by step, with analysis steps that abort and roll back. */
  public static canary(options: CanaryOptions = {}): RolloutStrategy {
    const steps = options.steps ?? [{ setWeight: 20 }, { analysis: true }, { setWeight: 50 }, { pause: { duration: '2m' } }, { setWeight: 100 }];
    if (steps.length === 0) {
      throw new Error("RolloutStrategy.canary: 'steps' must not be empty");
    }
    let lastWeight = 0;
    steps.forEach((step, i) => {
      if ('setWeight' in step) {
        if (!Number.isInteger(step.setWeight) || step.setWeight < 1 || step.setWeight > 100) {
          throw new Error(`RolloutStrategy.canary: 'steps[${i}].setWeight' must be a whole number from 1 to 100, got ${step.setWeight}`);
        }
        if (step.setWeight < lastWeight) {
          throw new Error(`RolloutStrategy.canary: 'steps[${i}].setWeight' ${step.setWeight} is below the previous weight ${lastWeight}; weights only grow`);
        }
        lastWeight = step.setWeight;
      } else if ('pause' in step && step.pause.duration !== undefined && !DURATION.test(step.pause.duration)) {
        throw new Error(`RolloutStrategy.canary: 'steps[${i}].pause.duration' must look like 30s, 5m or 1h, got '${step.pause.duration}'`);
      }
    });
    return new RolloutStrategy('canary', { steps, maxSurge: options.maxSurge ?? '25%' });
  }

  private constructor(
    /** The kind of strategy; a Rollout is rendered for every kind but 'rolling-update'. */
    public readonly kind: 'rolling-update' | 'blue-green' | 'canary',
    private readonly options: Record<string, unknown>,
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
  public get blueGreen(): Required<Omit<BlueGreenOptions, 'previewReplicaCount'>> & Pick<BlueGreenOptions, 'previewReplicaCount'> {
    return this.optionsOf('blue-green') as Required<Omit<BlueGreenOptions, 'previewReplicaCount'>> & Pick<BlueGreenOptions, 'previewReplicaCount'>;
  }

  /** Resolved canary options; throws for other kinds. */
  public get canary(): Required<CanaryOptions> {
    return this.optionsOf('canary') as Required<CanaryOptions>;
  }

  /** Whether this strategy runs the health-check AnalysisTemplate at all. */
  public get usesAnalysis(): boolean {
    if (this.kind === 'blue-green') return this.blueGreen.prePromotionAnalysis || this.blueGreen.postPromotionAnalysis;
    if (this.kind === 'canary') return this.canary.steps.some((s) => 'analysis' in s);
    return false;
  }

  /** "blue-green (manual promotion)", "canary (5 steps)", "rolling-update": for tables and diffs. */
  public describe(): string {
    if (this.kind === 'blue-green') return `blue-green (${this.blueGreen.autoPromotionEnabled ? 'auto' : 'manual'} promotion)`;
    if (this.kind === 'canary') return `canary (${this.canary.steps.length} steps)`;
    return 'rolling-update';
  }

  private optionsOf(kind: RolloutStrategy['kind']): Record<string, unknown> {
    if (this.kind !== kind) throw new Error(`RolloutStrategy: this is a '${this.kind}' strategy, not '${kind}'`);
    return this.options;
  }
}

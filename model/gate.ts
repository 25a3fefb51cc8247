import type { FreezeWindow } from './freeze-window.js';
import type { TagFormat } from './image-tag.js';
import type { EnvironmentHistory } from './history.js';
import type { VerificationLedger } from './verification.js';

/**
 * What a gate reads of an environment: its promotion rules. Every model Environment is one; the
 * gate interface names only these so that the model's Environment (which holds its gates) and the
 * gates do not import each other.
 */
export interface GateEnvironment {
  readonly name: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly requiresReview: boolean;
  readonly soakHours: number;
  readonly tagFormats: readonly TagFormat[];
  readonly freezeWindows: readonly FreezeWindow[];
  readonly approvers: readonly string[];
  /**
   * With several upstreams: the tag must have run in `all` of them or in `any` one.
   * @default 'all'
   */
  readonly fanIn?: 'all' | 'any';
  /**
   * Promotions here need the tag verified healthy upstream (the `verified` gate).
   * @default false
   */
  readonly requiresVerification?: boolean;
}

/** An environment whose history witnesses a promotion: an upstream of the target (or `--from`). */
export interface UpstreamWitness {
  readonly environment: GateEnvironment;
  /** Its stack file, e.g. 'Pulumi.stage.yaml'. */
  readonly file: string;
  readonly history: EnvironmentHistory;
}

/** What a gate reads of the platform. */
export interface GatePlatform {
  readonly name: string;
  readonly environments: readonly GateEnvironment[];
}

/** What is being done: a promotion from upstream, or a rollback within the environment. */
export type PromotionKind = 'promotion' | 'rollback';

/**
 * How the change reaches git: only written to the working tree, committed on a new
 * `promote/<env>/...` branch (for a pull request), or committed on the current branch.
 */
export type Delivery = 'working-tree' | 'branch' | 'direct';

/** What the registry said about the image, resolved before any gate runs. */
export interface ImageFacts {
  /** `<registry>/<repository>:<tag>` as checked. */
  readonly reference: string;
  /** False when the check was skipped (the 'image' gate was overridden). */
  readonly checked: boolean;
  readonly exists: boolean;
  /** `sha256:...` when known. */
  readonly digest?: string;
  /** Why the registry could not answer (network, auth), when it could not. */
  readonly error?: string;
}

/** Everything a gate may look at. Gates are pure: same context, same answer. */
export interface GateContext {
  readonly platform: GatePlatform;
  readonly kind: PromotionKind;
  /** The environment written to. */
  readonly target: GateEnvironment;
  /** The environment promoted from: the graph's upstream, or `--from`; undefined for the first. */
  readonly upstream: GateEnvironment | undefined;
  readonly service: string;
  /** The tag written into the target. */
  readonly tag: string;
  /** The tag as it ran upstream (differs from `tag` for a release re-tag). */
  readonly sourceTag: string;
  /** Stack file of the target, e.g. 'Pulumi.prod.yaml'. */
  readonly targetFile: string;
  readonly upstreamFile: string | undefined;
  /** Pulumi project name (keys are `<project>:images`). */
  readonly project: string;
  readonly targetHistory: EnvironmentHistory;
  readonly upstreamHistory: EnvironmentHistory | undefined;
  /**
   * Every environment the order and soak gates read, combined by the target's `fanIn`: the
   * target's upstreams in the graph (or only `--from` when it is not one of them); empty for a
   * source and for a rollback.
   * @default - `upstream` alone, when it is set
   */
  readonly upstreams?: readonly UpstreamWitness[];
  readonly delivery: Delivery;
  /** The branch checked out, if any. */
  readonly currentBranch: string | undefined;
  /** The branch Argo CD tracks (the platform's targetRevision). */
  readonly defaultBranch: string;
  readonly now: Date;
  readonly image: ImageFacts;
  /**
   * Config keys of the service this change moves from upstream (`ferry promote --config`). For a
   * config-only change `tag` and `sourceTag` are the tag the target already runs and `image` is
   * unchecked; only gates with `appliesToConfig` run.
   * @default [] - an image promotion only
   */
  readonly configKeys?: readonly string[];
  /**
   * The verification records on the branch (`ferry verify record`), read only when the target
   * requires verification.
   * @default - none read: the `verified` gate refuses where it applies
   */
  readonly verifications?: VerificationLedger;
}

/**
 * A promotion rule: returns undefined to let the promotion pass, or the reason it is refused
 * (ferry prefixes `gate '<name>': ` and appends how to override).
 */
export interface PromotionGate {
  /** Kebab-case name, used by `--override <name>`. */
  readonly name: string;
  /** One line for docs and `promote --help`. */
  readonly description: string;
  /**
   * The gate also judges a config-only change (no new image): rules about the target environment
   * (review, freeze windows) rather than about an image's journey.
   * @default false
   */
  readonly appliesToConfig?: boolean;
  check(context: GateContext): string | undefined;
}

/** A gate refusal with the full message. */
export interface GateRefusal {
  readonly gate: string;
  readonly service: string;
  readonly message: string;
}

/** `gate 'soak': <reason>; override with --override soak --reason "..."` */
export function refusalMessage(gate: string, reason: string): string {
  return `gate '${gate}': ${reason}; override with --override ${gate} --reason "..."`;
}

/** Runs each gate on the context; returns the refusals not overridden, and those that were. */
export function runGates(
  gates: readonly PromotionGate[],
  context: GateContext,
  overrides: ReadonlySet<string>,
): { refusals: GateRefusal[]; overridden: GateRefusal[] } {
  const refusals: GateRefusal[] = [];
  const overridden: GateRefusal[] = [];
  for (const gate of gates) {
    const reason = gate.check(context);
    if (reason === undefined) continue;
    const refusal = { gate: gate.name, service: context.service, message: refusalMessage(gate.name, reason) };
    (overrides.has(gate.name) ? overridden : refusals).push(refusal);
  }
  return { refusals, overridden };
}

/** "3h 12m", "2d 4h", "45m" */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${mins}m`;
  return `${mins}m`;
}

/** ISO time without milliseconds: 2026-11-23T16:31:00Z */
export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

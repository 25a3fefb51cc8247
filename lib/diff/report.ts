import type { ChangeCounts, ObjectChange } from './object-diff.js';
import type { WorkloadFacts } from './workload-facts.js';

/** The objects of one Argo CD Application (`<service>-<env>`) that differ, with its workload facts on each side. */
export interface ApplicationDiff {
  /** `<service>-<env>`, `<service>-preview-<n>`, or the cluster name for the argocd group. */
  readonly name: string;
  /** Service name; undefined for the argocd group. */
  readonly service: string | undefined;
  readonly changes: readonly ObjectChange[];
  /** Undefined on the side that lacks the Application. */
  readonly before: WorkloadFacts | undefined;
  readonly after: WorkloadFacts | undefined;
}

/** One group of the report: an environment of the promotion graph, the preview template, one preview, or argocd. */
export interface EnvironmentDiff {
  readonly name: string;
  readonly kind: 'environment' | 'preview' | 'argocd';
  /** 'added' or 'removed' when only one side has the environment. */
  readonly status: 'present' | 'added' | 'removed';
  /** Applications with at least one changed object, by name. */
  readonly applications: readonly ApplicationDiff[];
  readonly counts: ChangeCounts;
  /** Items of its summary line (images, replicas, strategy, sync, counts), empty when nothing differs. */
  readonly summary: readonly string[];
}

/** Everything `ferry diff` found. */
export interface DiffReport {
  readonly base: {
    readonly ref: string;
    readonly commit: string;
    readonly renderedWith: 'working-tree code' | 'base revision code';
  };
  /** Environments in promotion order, then removed ones, then previews, then argocd. */
  readonly environments: readonly EnvironmentDiff[];
  /** One line per environment. */
  readonly summaryLines: readonly string[];
  readonly risks: readonly RiskFlag[];
  readonly counts: ChangeCounts;
  /** Notes for the reader (e.g. why a preview is not shown). */
  readonly notes: readonly string[];
  readonly stats: {
    readonly overlaysBuilt: number;
    readonly overlaysSkipped: number;
    readonly kustomizeRuns: number;
    /**
     * What was rendered on each side: `changed services` when only image tags or digests moved
     * (their bases and overlays alone, lib/render/tag-only-change.ts), else `everything`.
     */
    readonly rendered: 'changed services' | 'everything';
  };
}

/** Whether the report shows anything: a rendered object changed, or committed files differ from their render. */
export function hasChanges(report: DiffReport): boolean {
  return report.counts.added + report.counts.changed + report.counts.removed > 0 || report.risks.some((r) => r.code === 'not-rendered');
}

export type RiskCode =
  | 'not-rendered'
  | 'review-required'
  | 'objects-deleted'
  | 'service-routing'
  | 'sensitive-kind'
  | 'sync-loosened'
  | 'tag-not-upstream'
  | 'pr-tag-outside-preview';

/** One thing a reviewer must look at. */
export interface RiskFlag {
  readonly code: RiskCode;
  readonly environment: string;
  readonly message: string;
}

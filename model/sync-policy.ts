/** Options of an automated Argo CD sync policy. */
export interface AutomatedSyncOptions {
  /**
   * Delete resources that are no longer in git.
   * @default true
   */
  readonly prune?: boolean;
  /**
   * Revert changes made to the live state by hand.
   * @default true
   */
  readonly selfHeal?: boolean;
}

/** How Argo CD syncs an environment's Applications: automatically on every commit, or by a person. */
export class SyncPolicy {
  /** Sync every commit automatically (dev and stage out of the box). */
  public static automated(options: AutomatedSyncOptions = {}): SyncPolicy {
    return new SyncPolicy(true, options.prune ?? true, options.selfHeal ?? true);
  }

  /** An operator syncs by hand after the promotion merges (prod out of the box). */
  public static manual(): SyncPolicy {
    return new SyncPolicy(false, false, false);
  }

  private constructor(
    /** Whether Argo CD syncs without a person. */
    public readonly automated: boolean,
    /** Whether an automated sync deletes what git no longer has. */
    public readonly prune: boolean,
    /** Whether an automated sync reverts drift of the live state. */
    public readonly selfHeal: boolean,
  ) {}

  /** "automated (prune, self-heal)" or "manual": for tables and diffs. */
  public describe(): string {
    if (!this.automated) return 'manual';
    const flags = [this.prune ? 'prune' : undefined, this.selfHeal ? 'self-heal' : undefined].filter(Boolean);
    return flags.length > 0 ? `automated (${flags.join(', ')})` : 'automated';
  }
}

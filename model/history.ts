/**
 * What git says ran where: the data types of an environment's deployment history and the view of
 * it that promotion gates read. Reading it from git lives in lib/promote/stack-history.ts.
 */

/** Commit trailers by key (`Promoted-From`, `Gate-Overrides`, ...), each with its values. */
export type Trailers = Readonly<Record<string, readonly string[]>>;

/** One commit that changed `Pulumi.<env>.yaml`, with the file as it was after it. */
export interface StackRevision {
  readonly commit: string;
  readonly author: string;
  readonly authorEmail: string;
  /** Committer date: when the change landed on the branch. */
  readonly date: Date;
  readonly subject: string;
  readonly trailers: Trailers;
  readonly images: Readonly<Record<string, string>>;
  readonly digests: Readonly<Record<string, string>>;
  /**
   * `<project>:config` as the file held it: service → variable → plain value.
   * @default {}
   */
  readonly config?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Promotion or rollback, when the message says so (subject, or a squash merge's body). */
  readonly kind?: 'promotion' | 'rollback';
  /** For a merge commit: the merged branch's commit whose message and author this revision carries. */
  readonly mergedCommit?: string;
}

/** How a tag change came about. */
export type ChangeKind = 'initial' | 'promotion' | 'rollback' | 'edit';

/** A commit that changed the tag (or pinned digest) of one service in one environment. */
export interface TagChange {
  readonly environment: string;
  readonly service: string;
  readonly tag: string;
  readonly previousTag: string | undefined;
  readonly digest: string | undefined;
  readonly kind: ChangeKind;
  /** Promoted-From trailer, when the commit was made by ferry promote. */
  readonly promotedFrom: string | undefined;
  /** Gate-Overrides trailer, when any gate was overridden. */
  readonly overrides: string | undefined;
  readonly revision: StackRevision;
}

/** A span of time in which one tag ran in an environment. */
export interface TagInterval {
  readonly tag: string;
  readonly since: TagChange;
  /** The change that replaced it; undefined while it still runs. */
  readonly until: TagChange | undefined;
}

/** The part of an environment's history a gate may read. */
export interface EnvironmentHistory {
  readonly environment: string;
  /** Every span of time in which `tag` ran for `service`, oldest first. */
  intervals(service: string, tag: string): TagInterval[];
  /** Tags `service` has run, most recent first, each once. */
  tagsOf(service: string): string[];
}

/**
 * Release trains in git: the `Release-Train` trailer a train's promotion (or rollback) commit
 * carries, the state a train rollback restores, and which train commit each environment runs.
 *
 * A member's state is its image tag today. Per-service config promotion can join a train by adding
 * its value to `memberState` / the trailer (`api=v1.2.0 config=<hash>`): the trailer is the one
 * record of what the train set, and drift and rollback compare it, so nothing else changes.
 */
import type { ReleaseTrain } from '../../model/platform.js';
import type { StackRevision } from '../../model/history.js';
import { formatTime } from '../../model/gate.js';
import { TRAILER } from './trailers.js';

/** What one train commit set in one environment: member -> tag. */
export type TrainState = Readonly<Record<string, string>>;

/** The part of a target plan the trailer needs (structural, so this module needs no promotion import). */
export interface TrainTarget {
  readonly target: { readonly name: string };
  readonly services: readonly { readonly service: string; readonly tag: string }[];
  readonly unchanged: readonly { readonly service: string; readonly tag: string }[];
}

/**
 * The trailer value: `checkout; api=v1.2.0, web=v1.3.0`, every member with the tag it runs after
 * the commit (changed or not); with several targets each member is qualified, `prod-eu/api=v1.2.0`.
 */
export function trainTrailerValue(train: ReleaseTrain, targets: readonly TrainTarget[]): string {
  const members = targets.flatMap((t) => {
    const tags = new Map([...t.unchanged, ...t.services].map((s) => [s.service, s.tag]));
    return train.services.map((service) => `${targets.length > 1 ? `${t.target.name}/` : ''}${service}=${tags.get(service) ?? '?'}`);
  });
  return `${train.name}; ${members.join(', ')}`;
}

/** `message` with the `Release-Train` trailer appended to its trailer block. */
export function withTrainTrailer(message: string, train: ReleaseTrain, targets: readonly TrainTarget[]): string {
  return `${message.trimEnd()}\n${TRAILER.releaseTrain}: ${trainTrailerValue(train, targets)}\n`;
}

/** A parsed `Release-Train` trailer: the train and, for `environment`, each member's tag. */
export function parseTrainTrailer(value: string, environment: string): { readonly name: string; readonly state: TrainState } | undefined {
  const match = /^([a-z0-9-]+);\s*(.*)$/.exec(value.trim());
  if (!match) return undefined;
  const state: Record<string, string> = {};
  for (const entry of match[2]!.split(',').map((e) => e.trim()).filter(Boolean)) {
    const member = /^(?:([a-z0-9-]+)\/)?([a-z0-9-]+)=(.+)$/.exec(entry);
    if (member && (member[1] === undefined || member[1] === environment)) state[member[2]!] = member[3]!;
  }
  return { name: match[1]!, state };
}

/** The train commits of `train` in one environment's history, oldest first, with the state each set. */
export function trainCommits(train: ReleaseTrain, environment: string, revisions: readonly StackRevision[]): { readonly index: number; readonly revision: StackRevision; readonly state: TrainState }[] {
  const out: { index: number; revision: StackRevision; state: TrainState }[] = [];
  revisions.forEach((revision, index) => {
    for (const value of revision.trailers[TRAILER.releaseTrain] ?? []) {
      const parsed = parseTrainTrailer(value, environment);
      if (parsed?.name === train.name && Object.keys(parsed.state).length > 0) out.push({ index, revision, state: parsed.state });
    }
  });
  return out;
}

/**
 * The state a train rollback restores: the members' tags just before the latest train promotion
 * whose earlier state is not the current one (so repeated rollbacks walk back through the train's
 * promotions). An error text when there is none.
 */
export function trainRollbackState(train: ReleaseTrain, environment: string, file: string, revisions: readonly StackRevision[], current: TrainState): { readonly state: TrainState; readonly from: StackRevision } | { readonly error: string } {
  const promotions = trainCommits(train, environment, revisions).filter((c) => c.revision.kind !== 'rollback').reverse();
  for (const { index, revision } of promotions) {
    const before = revisions[index - 1];
    if (before === undefined) continue;
    const state = Object.fromEntries(train.services.map((s) => [s, before.images[s]]));
    const missing = train.services.filter((s) => state[s] === undefined);
    if (missing.length > 0) continue;
    if (train.services.some((s) => state[s] !== current[s])) return { state: state as TrainState, from: revision };
  }
  return {
    error: `train ${train.name} has no earlier state in ${environment} to roll back to: no train promotion in the git history of ${file} (first parent) changed its members from what they run now (${train.services.map((s) => `${s} ${current[s] ?? 'none'}`).join(', ')})`,
  };
}

/** The train commit an environment runs for one member, and whether the member drifted from it since. */
export interface TrainRunning {
  readonly name: string;
  /** The latest commit with this train's trailer in the environment's history. */
  readonly commit: string;
  readonly kind: 'promotion' | 'rollback';
  /** ISO time it landed. */
  readonly since: string;
  /** The tag that commit set for this member. */
  readonly tag: string;
  /** The member runs another tag now. */
  readonly drifted: boolean;
}

/** The train `service` rides in `environment`, from the history and the tag it runs now; undefined when it rides none or no train commit reached the environment. */
export function trainRunning(train: ReleaseTrain | undefined, service: string, environment: string, revisions: readonly StackRevision[], tag: string | undefined): TrainRunning | undefined {
  if (!train) return undefined;
  const latest = trainCommits(train, environment, revisions).at(-1);
  const recorded = latest?.state[service];
  if (!latest || recorded === undefined) return undefined;
  return {
    name: train.name,
    commit: latest.revision.commit,
    kind: latest.revision.kind === 'rollback' ? 'rollback' : 'promotion',
    since: formatTime(latest.revision.date),
    tag: recorded,
    drifted: recorded !== tag,
  };
}

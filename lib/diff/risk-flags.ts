import { TagFormat } from '../../model/image-tag.js';
import type { EnvironmentDiff, RiskCode, RiskFlag } from './report.js';

export type { RiskCode, RiskFlag } from './report.js';
import { imageVersion } from './workload-facts.js';

/** Kinds whose every change a reviewer must look at: storage, access control, network isolation, Argo CD's boundary. */
export const SENSITIVE_KINDS: readonly string[] = [
  'PersistentVolumeClaim',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'NetworkPolicy',
  'AppProject',
];

/** What the promotion graph says about an environment (from the platform definition of either side). */
export interface EnvironmentFacts {
  readonly name: string;
  readonly requiresReview: boolean;
  /** SyncPolicy.describe(): "manual", "automated (prune, self-heal)". */
  readonly sync: string;
  /** The environment it is promoted from, if any. */
  readonly upstream: string | undefined;
}

/** Inputs of {@link riskFlags}. */
export interface RiskInputs {
  readonly environments: readonly EnvironmentDiff[];
  /** Facts of each environment at the base, by name. */
  readonly baseFacts: ReadonlyMap<string, EnvironmentFacts>;
  /** Facts of each environment in the working tree, by name. */
  readonly headFacts: ReadonlyMap<string, EnvironmentFacts>;
  /** Whether `tag` of `service` has run in `environment` (its stack config at the base or any earlier version). */
  readonly hasRun: (environment: string, service: string, tag: string) => boolean;
}

function list(keys: readonly string[], max = 5): string {
  return keys.length <= max ? keys.join(', ') : `${keys.slice(0, max).join(', ')} and ${keys.length - max} more`;
}

/** The risk flags of a diff, environment by environment, each kind in a fixed order. */
export function riskFlags(inputs: RiskInputs): RiskFlag[] {
  const flags: RiskFlag[] = [];
  for (const env of inputs.environments) {
    const add = (code: RiskCode, message: string) => flags.push({ code, environment: env.name, message });
    const changes = env.applications.flatMap((a) => a.changes);
    const base = inputs.baseFacts.get(env.name);
    const head = inputs.headFacts.get(env.name);
    const syncChanged = base !== undefined && head !== undefined && base.sync !== head.sync;
    const touched = changes.length > 0 || syncChanged;

    if (touched && (base?.requiresReview || head?.requiresReview)) {
      const what = changes.length > 0 ? `${env.counts.added} added, ${env.counts.changed} changed, ${env.counts.removed} removed` : `sync ${base!.sync} → ${head!.sync}`;
      add('review-required', `touched, and it requires review (${what})`);
    }
    const removed = changes.filter((c) => c.status === 'removed').map((c) => c.key);
    if (removed.length > 0) add('objects-deleted', `${removed.length} object${removed.length === 1 ? '' : 's'} deleted: ${list(removed)}`);

    for (const change of changes) {
      if (change.kind === 'Service' && change.status === 'changed') {
        const parts = [
          change.fields.some((f) => f.path === 'spec.selector' || f.path.startsWith('spec.selector.')) ? 'selector' : undefined,
          change.fields.some((f) => f.path.startsWith('spec.ports')) ? 'ports' : undefined,
        ].filter(Boolean);
        if (parts.length > 0) add('service-routing', `${change.key}: ${parts.join(' and ')} change${parts.length === 1 ? 's' : ''}`);
      }
      if (SENSITIVE_KINDS.includes(change.kind)) add('sensitive-kind', `${change.key} ${change.status}`);
    }

    if (base && head && base.sync !== head.sync) {
      if (base.sync === 'manual' && head.sync !== 'manual') add('sync-loosened', `sync policy loosened: ${base.sync} → ${head.sync}`);
      else if (head.requiresReview && head.sync.includes('self-heal') && !base.sync.includes('self-heal')) {
        add('sync-loosened', `self-heal turned on (${base.sync} → ${head.sync}) in an environment that requires review`);
      }
    } else if (!base && head && head.sync !== 'manual' && head.requiresReview) {
      add('sync-loosened', `new environment that requires review syncs ${head.sync}`);
    }

    for (const app of env.applications) {
      if (app.service === undefined) continue;
      const before = app.before?.images ?? {};
      for (const [container, reference] of Object.entries(app.after?.images ?? {})) {
        if (before[container] === reference) continue;
        const tag = imageVersion(reference).split('@')[0]!;
        if (tag === '') continue;
        if (env.kind !== 'preview' && TagFormat.PULL_REQUEST.matches(tag)) {
          add('pr-tag-outside-preview', `${app.service}: pull-request build ${tag} outside a preview`);
        }
        const upstream = head?.upstream;
        if (env.kind === 'environment' && container === app.service && upstream && !inputs.hasRun(upstream, app.service, tag)) {
          add('tag-not-upstream', `${app.service}: ${tag} has not run in ${upstream} (not in Pulumi.${upstream}.yaml at the base or before)`);
        }
      }
    }
  }
  return flags;
}

import type { EnvironmentHistory } from '../../model/history.js';
import type { GateContext, PromotionGate } from '../../model/gate.js';

/** One environment whose history the order and soak gates read. */
export interface Witness {
  readonly env: string;
  readonly file: string;
  readonly history: EnvironmentHistory;
}

/**
 * The tag must run, or have run, in the upstream environment (read from the git history of its
 * stack file); with several upstreams in all of them (fan-in `all`, the default) or in one (`any`).
 * A rollback is satisfied by the target environment's own history instead.
 */
export const orderGate: PromotionGate = {
  name: 'order',
  description: "the tag runs, or ran, in the upstream environment (several: all of them, or any one by the target's fanIn; rollback: in the environment itself)",
  check(ctx) {
    const witnessed = witnesses(ctx);
    if (witnessed.length === 0) return undefined;
    const missing = witnessed.filter((w) => w.history.intervals(ctx.service, ctx.sourceTag).length === 0);
    if (missing.length === 0) return undefined;
    if (witnessed.length === 1) return neverRan(ctx, missing[0]!);
    if (fanIn(ctx) === 'any') {
      if (missing.length < witnessed.length) return undefined;
      return `${ctx.sourceTag} has run in none of the upstreams of ${ctx.target.name} (fan-in any: ${witnessed.map((w) => w.env).join(', ')}): ${missing.map((w) => `${w.file}: ${ctx.project}:images.${ctx.service} is ${w.history.tagsOf(ctx.service)[0] ?? 'unset'}`).join('; ')}; promote it to one of them first`;
    }
    return `${ctx.sourceTag} must have run in every upstream of ${ctx.target.name} (fan-in all: ${witnessed.map((w) => w.env).join(', ')}) but never ran in ${missing.map((w) => `${w.env} (${w.file}: ${ctx.project}:images.${ctx.service} is ${w.history.tagsOf(ctx.service)[0] ?? 'unset'})`).join(', ')}; promote it to ${missing.map((w) => w.env).join(' and ')} first`;
  },
};

function neverRan(ctx: GateContext, w: Witness): string {
  const seen = w.history.tagsOf(ctx.service).slice(0, 5);
  const now = seen[0];
  const where = `${w.file}: ${ctx.project}:images.${ctx.service}`;
  const past = seen.length > 0 ? `its git history holds ${seen.join(', ')}` : 'its git history holds no tag';
  if (ctx.kind === 'rollback') {
    return `${ctx.sourceTag} has never run in ${w.env} (${where}; ${past}); roll back only to a tag that ran there`;
  }
  return `${ctx.sourceTag} has never run in ${w.env} (${where} is ${now ?? 'unset'}; ${past}); promote it to ${w.env} first`;
}

/** The target's fan-in rule. */
export function fanIn(ctx: GateContext): 'all' | 'any' {
  return ctx.target.fanIn ?? 'all';
}

/**
 * Where the tag must have run: the target itself for a rollback; else the upstreams of the context
 * (combined by the target's fan-in), or the single `upstream` of a context that lists none.
 */
export function witnesses(ctx: GateContext): Witness[] {
  if (ctx.kind === 'rollback') return [{ env: ctx.target.name, file: ctx.targetFile, history: ctx.targetHistory }];
  if (ctx.upstreams !== undefined) return ctx.upstreams.map((u) => ({ env: u.environment.name, file: u.file, history: u.history }));
  if (ctx.upstream === undefined || ctx.upstreamHistory === undefined || ctx.upstreamFile === undefined) return [];
  return [{ env: ctx.upstream.name, file: ctx.upstreamFile, history: ctx.upstreamHistory }];
}

/** Where the tag must have run: upstream for a promotion, the target itself for a rollback. */
export function witness(ctx: GateContext): { env: string | undefined; file: string | undefined; history: GateContext['upstreamHistory'] } {
  if (ctx.kind === 'rollback') return { env: ctx.target.name, file: ctx.targetFile, history: ctx.targetHistory };
  return { env: ctx.upstream?.name, file: ctx.upstreamFile, history: ctx.upstreamHistory };
}

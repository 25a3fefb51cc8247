import type { GateContext, PromotionGate } from '../../model/gate.js';

/**
 * The tag must run, or have run, in the upstream environment (read from the git history of its
 * stack file). A rollback is satisfied by the target environment's own history instead.
 */
export const orderGate: PromotionGate = {
  name: 'order',
  description: 'the tag runs, or ran, in the upstream environment (rollback: in the environment itself)',
  check(ctx) {
    const { env, file, history } = witness(ctx);
    if (history === undefined || env === undefined) return undefined;
    if (history.intervals(ctx.service, ctx.sourceTag).length > 0) return undefined;
    const seen = history.tagsOf(ctx.service).slice(0, 5);
    const now = seen[0];
    const where = `${file}: ${ctx.project}:images.${ctx.service}`;
    const past = seen.length > 0 ? `its git history holds ${seen.join(', ')}` : 'its git history holds no tag';
    if (ctx.kind === 'rollback') {
      return `${ctx.sourceTag} has never run in ${env} (${where}; ${past}); roll back only to a tag that ran there`;
    }
    return `${ctx.sourceTag} has never run in ${env} (${where} is ${now ?? 'unset'}; ${past}); promote it to ${env} first`;
  },
};

/** Where the tag must have run: upstream for a promotion, the target itself for a rollback. */
export function witness(ctx: GateContext): { env: string | undefined; file: string | undefined; history: GateContext['upstreamHistory'] } {
  if (ctx.kind === 'rollback') return { env: ctx.target.name, file: ctx.targetFile, history: ctx.targetHistory };
  return { env: ctx.upstream?.name, file: ctx.upstreamFile, history: ctx.upstreamHistory };
}

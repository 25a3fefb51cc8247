import { formatDuration, formatTime, type PromotionGate } from '../../model/gate.js';
import { witness } from './order-gate.js';

/**
 * The tag must have run upstream for at least the target's `soakHours`, measured from the commit
 * that put it there until the commit that replaced it (or now). The longest such span counts.
 * A rollback is satisfied by the environment's own history: the tag ran there before.
 */
export const soakGate: PromotionGate = {
  name: 'soak',
  description: "the tag ran upstream for at least the target's soakHours, from the commit that put it there",
  check(ctx) {
    const required = ctx.target.soakHours;
    if (required <= 0 || ctx.kind === 'rollback') return undefined;
    const { env, history } = witness(ctx);
    if (history === undefined || env === undefined) return undefined;
    const requiredText = `${ctx.target.name} requires ${required}h`;
    const spans = history.intervals(ctx.service, ctx.sourceTag).map((interval) => ({
      interval,
      ms: (interval.until?.revision.date ?? ctx.now).getTime() - interval.since.revision.date.getTime(),
    }));
    if (spans.length === 0) return `${ctx.sourceTag} has never run in ${env}; ${requiredText}`;
    const best = spans.reduce((a, b) => (b.ms > a.ms ? b : a));
    if (best.ms >= required * 3600_000) return undefined;
    const since = best.interval.since.revision;
    const from = `${formatTime(since.date)} (commit ${since.commit.slice(0, 7)})`;
    const until = best.interval.until;
    const span = until
      ? `ran in ${env} for ${formatDuration(best.ms)}, from ${from} until ${formatTime(until.revision.date)} (replaced by ${until.tag})`
      : `has run in ${env} for ${formatDuration(best.ms)} since ${from}`;
    return `${ctx.sourceTag} ${span}; ${requiredText}`;
  },
};

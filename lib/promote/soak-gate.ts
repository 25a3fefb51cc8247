import { formatDuration, formatTime, type GateContext, type PromotionGate } from '../../model/gate.js';
import { fanIn, witnesses, type Witness } from './order-gate.js';

/**
 * The tag must have run upstream for at least the target's `soakHours`, measured from the commit
 * that put it there until the commit that replaced it (or now). The longest such span counts.
 * With several upstreams: in every one (fan-in `all`) or in one (`any`).
 * A rollback is satisfied by the environment's own history: the tag ran there before.
 */
export const soakGate: PromotionGate = {
  name: 'soak',
  description: "the tag ran upstream for at least the target's soakHours, from the commit that put it there (several upstreams: by the target's fanIn)",
  check(ctx) {
    const required = ctx.target.soakHours;
    if (required <= 0 || ctx.kind === 'rollback') return undefined;
    const witnessed = witnesses(ctx);
    if (witnessed.length === 0) return undefined;
    const reasons = witnessed.map((w) => ({ w, reason: soakedIn(ctx, w, required) }));
    const failing = reasons.filter((r) => r.reason !== undefined);
    if (failing.length === 0) return undefined;
    if (witnessed.length === 1) return failing[0]!.reason;
    if (fanIn(ctx) === 'any') {
      if (failing.length < witnessed.length) return undefined;
      return `fan-in any: soaked in none of ${witnessed.map((w) => w.env).join(', ')}: ${failing.map((r) => r.reason).join('; ')}`;
    }
    return `fan-in all (${witnessed.map((w) => w.env).join(', ')}): ${failing.map((r) => r.reason).join('; ')}`;
  },
};

function soakedIn(ctx: GateContext, { env, history }: Witness, required: number): string | undefined {
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
}

import { formatTime, type GateContext, type PromotionGate } from '../../model/gate.js';
import { fanIn, witnesses, type Witness } from './order-gate.js';

/**
 * Where the target has `requiresVerification`, the tag must have been verified healthy upstream:
 * the latest verification record (`ferry verify record`, made by the verify workflow when Argo CD
 * reported the deployment) of that tag in the upstream environment says `healthy`. With several
 * upstreams: in every one (fan-in `all`) or in one (`any`). Rollbacks are never held back: they
 * go to a tag that ran in the environment itself.
 */
export const verifiedGate: PromotionGate = {
  name: 'verified',
  description: 'where the target has requiresVerification: the tag was verified healthy upstream (its latest `ferry verify record`; several upstreams: by the fanIn)',
  check(ctx) {
    if (!ctx.target.requiresVerification || ctx.kind === 'rollback') return undefined;
    const witnessed = witnesses(ctx);
    if (witnessed.length === 0) return undefined;
    const failing = witnessed.map((w) => unverified(ctx, w)).filter((reason) => reason !== undefined);
    if (failing.length === 0) return undefined;
    const requirement = `${ctx.target.name} requires a healthy verification upstream`;
    if (witnessed.length === 1) return `${failing[0]}; ${requirement}`;
    if (fanIn(ctx) === 'any') {
      if (failing.length < witnessed.length) return undefined;
      return `fan-in any: verified healthy in none of ${witnessed.map((w) => w.env).join(', ')}: ${failing.join('; ')}; ${requirement}`;
    }
    return `fan-in all (${witnessed.map((w) => w.env).join(', ')}): ${failing.join('; ')}; ${requirement}`;
  },
};

/** Why the tag does not count as verified in one upstream, or undefined when it does. */
function unverified(ctx: GateContext, { env }: Witness): string | undefined {
  const record = ctx.verifications?.latest(env, ctx.service, ctx.sourceTag);
  if (record === undefined) return `${ctx.service} ${ctx.sourceTag} was never verified in ${env} (no verification record on the branch)`;
  if (record.result === 'healthy') return undefined;
  const detail = record.detail ? `: ${record.detail}` : '';
  return `${ctx.service} ${ctx.sourceTag} was verified ${record.result} in ${env} at ${formatTime(record.date)} (commit ${record.commit.slice(0, 7)})${detail}`;
}

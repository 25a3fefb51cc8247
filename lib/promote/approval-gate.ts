import type { PromotionGate } from '../../model/gate.js';

/**
 * Environments with `requiresReview` take promotions only through a reviewed pull request: a direct
 * commit on the default branch is refused; `--commit` (a `promote/<env>/...` branch) and `--pr` pass.
 */
export const approvalGate: PromotionGate = {
  name: 'approval',
  description: 'environments with requiresReview are never promoted by a direct commit to the default branch',
  appliesToConfig: true,
  check(ctx) {
    if (!ctx.target.requiresReview || ctx.delivery !== 'direct') return undefined;
    if (ctx.currentBranch !== undefined && ctx.currentBranch !== ctx.defaultBranch) return undefined;
    const branch = ctx.currentBranch === undefined ? 'a detached HEAD' : `'${ctx.defaultBranch}'`;
    return `${ctx.target.name} requires review: promotions land through a pull request, not a direct commit on ${branch}; use --commit (a promote/${ctx.target.name}/... branch) or --pr`;
  },
};

import { formatTime, type PromotionGate } from '../../model/gate.js';
import { describeFreezeWindow, freezes, inFreezeWindow, zonedTime } from '../../model/freeze-window.js';

/**
 * Promotions are refused inside any of the target environment's `freezeWindows`; rollbacks only
 * inside windows with `appliesToRollbacks` (the others record the exemption in the commit).
 */
export const freezeGate: PromotionGate = {
  name: 'freeze',
  description: "no promotion inside one of the target environment's freezeWindows (with time zone); rollbacks pass unless the window says appliesToRollbacks",
  appliesToConfig: true,
  check(ctx) {
    const window = ctx.target.freezeWindows.find((w) => freezes(w, ctx.kind) && inFreezeWindow(w, ctx.now));
    if (!window) return undefined;
    const local = zonedTime(ctx.now, window.timeZone).text;
    return `${ctx.target.name} is frozen: ${window.reason} (${describeFreezeWindow(window)}; now ${local} ${window.timeZone}, ${formatTime(ctx.now)})`;
  },
};

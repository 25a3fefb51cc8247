import { approvalGate } from './approval-gate.js';
import { freezeGate } from './freeze-gate.js';
import type { PromotionGate } from '../../model/gate.js';
import type { Environment } from '../../model/platform.js';
import { imageGate } from './image-gate.js';
import { orderGate } from './order-gate.js';
import { soakGate } from './soak-gate.js';
import { tagFormatGate } from './tag-format-gate.js';
import { verifiedGate } from './verified-gate.js';

/**
 * The gates every environment runs unless its profile names its own (`gates`). Each reads its
 * settings from the environment: tagFormats, soakHours, requiresVerification, requiresReview,
 * freezeWindows.
 */
export const STANDARD_GATES: readonly PromotionGate[] = [tagFormatGate, orderGate, soakGate, verifiedGate, approvalGate, freezeGate, imageGate];

/** The gates an environment runs: its profile's own, or the standard ones. */
export function gatesOf(environment: Environment): readonly PromotionGate[] {
  return environment.gates ?? STANDARD_GATES;
}

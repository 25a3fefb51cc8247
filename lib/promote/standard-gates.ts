import { approvalGate } from './approval-gate.js';
import { freezeGate } from './freeze-gate.js';
import type { PromotionGate } from './gate.js';
import { imageGate } from './image-gate.js';
import { orderGate } from './order-gate.js';
import { soakGate } from './soak-gate.js';
import { tagFormatGate } from './tag-format-gate.js';

/**
 * The gates every environment runs unless its profile names its own (`gates`). Each reads its
 * settings from the environment: tagFormats, soakHours, requiresReview, freezeWindows.
 */
export const STANDARD_GATES: readonly PromotionGate[] = [tagFormatGate, orderGate, soakGate, approvalGate, freezeGate, imageGate];

/** Public API: the promotion gates (`ferry/gates`), to compose an environment's own `gates`. */
export { approvalGate } from './approval-gate.js';
export { freezeGate } from './freeze-gate.js';
export { imageGate } from './image-gate.js';
export { orderGate } from './order-gate.js';
export { soakGate } from './soak-gate.js';
export { tagFormatGate } from './tag-format-gate.js';
export { verifiedGate } from './verified-gate.js';
export { gatesOf, STANDARD_GATES } from './standard-gates.js';
export type { GateContext, PromotionGate } from '../../model/gate.js';

import type { StackKeySpec } from './stack-config.js';

/**
 * Stack config keys read by the Pulumi infrastructure program (stacks/), validated by the same
 * schema as the rendering keys. Rendering ignores their values.
 */
export const INFRA_KEYS: Readonly<Record<string, StackKeySpec>> = {};

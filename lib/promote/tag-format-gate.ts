import { checkImageTag } from '../../model/image-tag.js';
import type { PromotionGate } from '../../model/gate.js';

/** The tag must match one of the target environment's `tagFormats` (prod: vX.Y.Z and sha-…). */
export const tagFormatGate: PromotionGate = {
  name: 'tag-format',
  description: "the tag matches one of the target environment's tagFormats",
  check(ctx) {
    try {
      checkImageTag(ctx.tag, `${ctx.targetFile}: ${ctx.project}:images.${ctx.service}`, ctx.target.tagFormats);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  },
};

import type { PromotionGate } from '../../model/gate.js';

/** The image must exist in the registry (checked over the OCI distribution API before the gates run). */
export const imageGate: PromotionGate = {
  name: 'image',
  description: 'the image tag exists in the registry (OCI distribution API); its digest is recorded',
  check(ctx) {
    const image = ctx.image;
    if (!image.checked || image.exists) return undefined;
    if (image.error !== undefined) return `could not check ${image.reference} in the registry: ${image.error}`;
    return `${image.reference} does not exist in the registry; push the image first or check the tag`;
  },
};

/**
 * The tag-only scope of a diff: when only image tags or digests of kustomize services moved,
 * `ferry diff` renders those services alone. The comparison is the render's
 * (lib/render/tag-only-change.ts), which `ferry render` scopes its incremental render by too.
 */
export { tagOnlyChange, type TagOnlyChange } from '../render/tag-only-change.js';

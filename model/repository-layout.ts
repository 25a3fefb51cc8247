/**
 * Folder of the rendered tree, relative to the repository root: the render writes it, the diff and
 * CODEOWNERS name its paths. Its own module, so a reader of the layout loads neither cdk8s (the
 * no-render path of an unchanged tree) nor the render (CODEOWNERS, which the render itself writes).
 */
export const MANIFESTS_DIR = 'manifests';

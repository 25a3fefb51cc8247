/** Folder of the rendered tree, relative to the repository root (its own module: the no-render path of an unchanged tree reads it without loading cdk8s). */
export const MANIFESTS_DIR = 'manifests';

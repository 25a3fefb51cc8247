/** A Kubernetes object as kustomize yields it. */
export type ManifestObject = Record<string, unknown> & {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly [key: string]: unknown };
};

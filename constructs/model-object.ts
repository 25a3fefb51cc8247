import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

/** An object typed by its kubernetes-models interface: apiVersion, kind and metadata.name are required. */
export interface TypedManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string } & Record<string, unknown>;
  readonly [key: string]: unknown;
}

/**
 * Adds an object whose shape is checked at compile time by the kubernetes-models (or Argo CRD
 * models) interface `T`, so no schema is copied by hand. `T` is e.g. IRollout or IApplicationSet.
 */
export function typedObject<T extends { apiVersion: string; kind: string; metadata?: unknown }>(
  scope: Construct,
  id: string,
  manifest: T & TypedManifest,
): ApiObject {
  const { apiVersion, kind, metadata, ...rest } = manifest;
  return new ApiObject(scope, id, { apiVersion, kind, metadata: metadata as never, ...rest });
}

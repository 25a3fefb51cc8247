/**
 * Which deployments a commit range changed: the (service, environment) pairs whose image tag or
 * pinned digest differs between a base revision and the working tree. verify.yaml watches exactly
 * these after a promotion merges, and rolls back only them.
 */
import { join } from 'node:path';
import { readIfExists } from '../fs/read-if-exists.js';
import { Git } from '../git/git.js';
import { projectValues, readProjectName, stackFileName } from '../../model/stack-config.js';
import type { Platform } from '../../model/platform.js';

export interface ChangedDeployment {
  readonly service: string;
  readonly environment: string;
  /** Cluster of the environment: which Argo CD to ask. */
  readonly cluster: string;
  /** The cluster as a variable-name suffix (`nonprod` → `NONPROD`): workflows read ARGOCD_URL_<clusterKey>. */
  readonly clusterKey: string;
  /** The environment requires review: its CI jobs run in the GitHub environment 'production'. */
  readonly requiresReview: boolean;
  /** Argo CD Application name, `<service>-<env>`. */
  readonly application: string;
  /** Tag now configured. */
  readonly tag: string;
  /** Tag at the base revision, or undefined when the service or environment is new. */
  readonly previousTag: string | undefined;
}

/** The image tags and digests of one stack file text. */
function deployedState(text: string | undefined, file: string, project: string): { images: Record<string, unknown>; digests: Record<string, unknown> } {
  if (text === undefined) return { images: {}, digests: {} };
  const values = projectValues(text, file, project);
  const asRecord = (v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  return { images: asRecord(values.images), digests: asRecord(values.digests) };
}

/** Deployments whose tag or digest changed between `baseRef` and the working tree, in promotion order then by service. */
export function changedDeployments(root: string, platform: Platform, baseRef: string): ChangedDeployment[] {
  const project = readProjectName(root);
  const git = new Git(root);
  if (git.resolveCommit(baseRef) === undefined) {
    throw new Error(`--changed-since ${JSON.stringify(baseRef)}: not a commit in ${root}; fetch enough history (actions/checkout fetch-depth: 0 or 2)`);
  }
  const changed: ChangedDeployment[] = [];
  for (const env of platform.environments) {
    const file = stackFileName(env.name);
    const path = join(root, file);
    const now = deployedState(readIfExists(path), file, project);
    const before = deployedState(git.readFileAt(baseRef, file), `${baseRef}:${file}`, project);
    for (const service of platform.services) {
      const tag = now.images[service.name];
      if (typeof tag !== 'string') continue;
      const previous = before.images[service.name];
      if (previous === tag && (before.digests[service.name] || undefined) === (now.digests[service.name] || undefined)) continue; // '' pins nothing
      changed.push({
        service: service.name,
        environment: env.name,
        cluster: env.cluster,
        clusterKey: env.cluster.toUpperCase().replace(/-/g, '_'),
        requiresReview: env.requiresReview,
        application: `${service.name}-${env.name}`,
        tag,
        previousTag: typeof previous === 'string' ? previous : undefined,
      });
    }
  }
  return changed;
}

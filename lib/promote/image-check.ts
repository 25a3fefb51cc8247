import type { ServiceDefinition } from '../../model/platform.js';
import type { ImageFacts } from '../../model/gate.js';
import { isDigest } from '../../model/image-digest.js';
import { deadline } from '../http/deadline.js';

/** One minute for all registry checks of a promotion together, however many services. */
export const DEFAULT_REGISTRY_DEADLINE_MS = 60_000;

/** FERRY_REGISTRY_DEADLINE_MS as a positive integer, or undefined when unset or not one. */
export function registryDeadlineFromEnv(env: Readonly<Record<string, string | undefined>> | undefined): number | undefined {
  const text = env?.FERRY_REGISTRY_DEADLINE_MS;
  return text !== undefined && /^[1-9]\d*$/.test(text) ? Number(text) : undefined;
}

/** What to check: a service and the tag it comes with. */
export interface ImageCheck {
  readonly definition: ServiceDefinition;
  readonly sourceTag: string;
}

/**
 * Looks every image up at once under one overall deadline (so N hanging lookups cost one deadline,
 * not N timeouts), each failure kept as that service's own error. A digest that is not
 * `sha256:<64 hex>` is an error, never a fact: it would be written into the stack file.
 */
export async function checkImages(registry: ImageRegistry, checks: readonly ImageCheck[], options: { skip: boolean; deadlineMs: number }): Promise<ImageFacts[]> {
  if (options.skip) return checks.map((c) => ({ reference: registry.reference(c.definition, c.sourceTag), checked: false, exists: false }));
  const limit = deadline(options.deadlineMs, 'registry check');
  try {
    return await Promise.all(
      checks.map(async ({ definition, sourceTag }): Promise<ImageFacts> => {
        const reference = registry.reference(definition, sourceTag);
        try {
          const digest = await registry.digest(definition, sourceTag, limit.signal);
          if (digest !== undefined && !isDigest(digest)) {
            return { reference, checked: true, exists: false, error: `the registry answered digest ${JSON.stringify(digest.slice(0, 100))}, which is not sha256:<64 lowercase hex>; refused` };
          }
          return { reference, checked: true, exists: digest !== undefined, digest };
        } catch (e) {
          return { reference, checked: true, exists: false, error: (e as Error).message };
        }
      }),
    );
  } finally {
    limit.dispose();
  }
}

/** Where images are looked up and re-tagged; the OCI registry client implements it, tests may fake it. */
export interface ImageRegistry {
  /** `<registry>/<repository>:<tag>` for messages. */
  reference(service: ServiceDefinition, tag: string): string;
  /**
   * The digest of the tag, or undefined if the tag does not exist. `signal` is the overall
   * deadline of the promotion's registry checks; an implementation must give up when it aborts.
   */
  digest(service: ServiceDefinition, tag: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Puts the image of `from` under `to` (same digest); returns the digest. */
  retag(service: ServiceDefinition, from: string, to: string): Promise<string>;
}

/** Git trailers of a commit message: key → values in order (a key may repeat). */
import type { Trailers } from '../../model/history.js';

export type { Trailers } from '../../model/history.js';

/** Trailer keys ferry writes on promotion and rollback commits. */
export const TRAILER = {
  promotedFrom: 'Promoted-From',
  imageTag: 'Image-Tag',
  imageDigest: 'Image-Digest',
  gateOverrides: 'Gate-Overrides',
  releaseOf: 'Release-Of',
  rolledBackFrom: 'Rolled-Back-From',
  freezeExempt: 'Freeze-Exempt',
  configKeys: 'Config-Keys',
  releaseTrain: 'Release-Train',
} as const;

/** Parses `Key: value` lines as printed by `git log --format=%(trailers:only,unfold)`. */
export function parseTrailers(text: string): Trailers {
  const out: Record<string, string[]> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9][A-Za-z0-9-]*):\s?(.*)$/.exec(line.trim());
    if (!match) continue;
    (out[match[1]!] ??= []).push(match[2]!.trim());
  }
  return out;
}

/**
 * The value of `key` for one service. A commit promoting one service writes `Image-Tag: v1.2.0`;
 * one promoting several writes `Image-Tag: api=v1.2.0` once per service; one promoting several
 * environments writes `Image-Tag: prod-eu/api=v1.2.0` (read with `environment`).
 */
export function trailerFor(trailers: Trailers, key: string, service: string, environment?: string): string | undefined {
  const values = trailers[key] ?? [];
  if (environment !== undefined) {
    for (const value of values) {
      const match = /^([a-z0-9-]+)\/([a-z0-9-]+)=(.*)$/.exec(value);
      if (match && match[1] === environment && match[2] === service) return match[3]!;
    }
  }
  for (const value of values) {
    const match = /^([a-z0-9-]+)=(.*)$/.exec(value);
    if (match && match[1] === service) return match[2]!;
  }
  const plain = values.filter((v) => !/^[a-z0-9-]+(\/[a-z0-9-]+)?=/.test(v));
  return plain.length === 1 ? plain[0] : undefined;
}

/** Trailer lines for per-service values: one plain line for one service, `service=value` lines for several. */
export function serviceTrailerLines(key: string, values: readonly { service: string; value: string | undefined }[], total: number): string[] {
  const known = values.filter((v) => v.value !== undefined);
  if (total === 1) return known.map((v) => `${key}: ${v.value}`);
  return known.map((v) => `${key}: ${v.service}=${v.value}`);
}

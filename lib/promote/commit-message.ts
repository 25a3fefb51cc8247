import type { PromotionKind } from '../../model/gate.js';
import { serviceTrailerLines, TRAILER } from './trailers.js';
import { configKeysText, type ServiceConfigChange } from './config-promotion.js';

/** One service of a promotion commit. */
export interface CommitService {
  readonly service: string;
  readonly tag: string;
  readonly previousTag: string | undefined;
  readonly digest: string | undefined;
  /** Tag the image ran under upstream, when re-tagged for a release. */
  readonly releaseOf: string | undefined;
}

/** What the commit message says. */
export interface CommitMessageProps {
  readonly kind: PromotionKind;
  readonly environment: string;
  /** Environment promoted from; undefined for the first environment or a rollback. */
  readonly promotedFrom: string | undefined;
  readonly services: readonly CommitService[];
  /** Names of the overridden gates. */
  readonly overrides: readonly string[];
  readonly reason: string | undefined;
  /** A rollback inside a freeze window it is exempt from: the window, as `describeFreezeWindow` puts it, and why it was frozen. */
  readonly freezeExempt?: string;
  /**
   * Config values moved with (or instead of) the images.
   * @default []
   */
  readonly config?: readonly ServiceConfigChange[];
}

/** `api v1.2.0 + config CHECKOUT_V2, web config FLAG`: each service once, image then config. */
export function changeList(services: readonly CommitService[], config: readonly ServiceConfigChange[] = []): string {
  const names = [...services.map((s) => s.service), ...config.map((c) => c.service)].filter((n, i, all) => all.indexOf(n) === i);
  return names.map((name) => {
    const image = services.find((s) => s.service === name);
    const keys = config.find((c) => c.service === name);
    const configText = keys ? `config ${configKeysText(keys)}` : '';
    return image ? `${name} ${image.tag}${configText ? ` + ${configText}` : ''}` : `${name} ${configText}`;
  }).join(', ');
}

/** `Config-Keys` lines: plain when the commit changes one service, `service=KEY, KEY` otherwise. */
function configTrailerLines(services: readonly CommitService[], config: readonly ServiceConfigChange[]): string[] {
  const total = new Set([...services.map((s) => s.service), ...config.map((c) => c.service)]).size;
  return serviceTrailerLines(TRAILER.configKeys, config.map((c) => ({ service: c.service, value: configKeysText(c) })), total);
}

/**
 * `chore(promote): api v1.2.0 to prod` (or `chore(rollback): api v1.1.0 in prod`), then trailers:
 * Promoted-From, Image-Tag, Image-Digest (when known), Release-Of, Rolled-Back-From, Gate-Overrides.
 */
export function commitMessage(props: CommitMessageProps): string {
  const list = changeList(props.services, props.config);
  const subject = props.kind === 'rollback' ? `chore(rollback): ${list} in ${props.environment}` : `chore(promote): ${list} to ${props.environment}`;
  const total = props.services.length;
  const trailers: string[] = [];
  if (props.promotedFrom !== undefined) trailers.push(`${TRAILER.promotedFrom}: ${props.promotedFrom}`);
  trailers.push(...serviceTrailerLines(TRAILER.imageTag, props.services.map((s) => ({ service: s.service, value: s.tag })), total));
  trailers.push(...serviceTrailerLines(TRAILER.imageDigest, props.services.map((s) => ({ service: s.service, value: s.digest })), total));
  trailers.push(...serviceTrailerLines(TRAILER.releaseOf, props.services.map((s) => ({ service: s.service, value: s.releaseOf })), total));
  trailers.push(...configTrailerLines(props.services, props.config ?? []));
  if (props.kind === 'rollback') {
    trailers.push(...serviceTrailerLines(TRAILER.rolledBackFrom, props.services.map((s) => ({ service: s.service, value: s.previousTag })), total));
  }
  if (props.overrides.length > 0) trailers.push(`${TRAILER.gateOverrides}: ${overridesValue(props.overrides, props.reason ?? '')}`);
  if (props.freezeExempt !== undefined) trailers.push(`${TRAILER.freezeExempt}: ${props.freezeExempt}`);
  return `${subject}\n\n${trailers.join('\n')}\n`;
}

/** One target of a commit promoting several environments at once. */
export interface CommitTarget {
  readonly environment: string;
  readonly promotedFrom: string | undefined;
  readonly services: readonly CommitService[];
  /**
   * Config values moved there.
   * @default []
   */
  readonly config?: readonly ServiceConfigChange[];
}

/**
 * One commit promoting several environments: `chore(promote): api v1.2.0 to prod-eu, prod-us`
 * (or `api v1 to prod-eu; api v2 to prod-us` when they differ), then every per-service trailer
 * qualified by its environment: `Promoted-From: prod-eu/api=staging-eu`, `Image-Tag: prod-eu/api=v1.2.0`.
 */
export function multiTargetCommitMessage(props: { kind: PromotionKind; targets: readonly CommitTarget[]; overrides: readonly string[]; reason: string | undefined }): string {
  const groups: { list: string; environments: string[] }[] = [];
  for (const t of props.targets) {
    const list = changeList(t.services, t.config);
    const group = groups.find((g) => g.list === list);
    if (group) group.environments.push(t.environment);
    else groups.push({ list, environments: [t.environment] });
  }
  const subject = `chore(promote): ${groups.map((g) => `${g.list} to ${g.environments.join(', ')}`).join('; ')}`;
  const trailers: string[] = [];
  const qualified = (key: string, value: (s: CommitService, t: CommitTarget) => string | undefined) =>
    props.targets.flatMap((t) => t.services.flatMap((s) => {
      const v = value(s, t);
      return v === undefined ? [] : [`${key}: ${t.environment}/${s.service}=${v}`];
    }));
  trailers.push(...qualified(TRAILER.promotedFrom, (_, t) => t.promotedFrom));
  trailers.push(...props.targets.flatMap((t) => (t.promotedFrom === undefined ? [] : (t.config ?? []).filter((c) => !t.services.some((s) => s.service === c.service)).map((c) => `${TRAILER.promotedFrom}: ${t.environment}/${c.service}=${t.promotedFrom}`))));
  trailers.push(...qualified(TRAILER.imageTag, (s) => s.tag));
  trailers.push(...qualified(TRAILER.imageDigest, (s) => s.digest));
  trailers.push(...qualified(TRAILER.releaseOf, (s) => s.releaseOf));
  trailers.push(...props.targets.flatMap((t) => (t.config ?? []).map((c) => `${TRAILER.configKeys}: ${t.environment}/${c.service}=${configKeysText(c)}`)));
  if (props.overrides.length > 0) trailers.push(`${TRAILER.gateOverrides}: ${overridesValue(props.overrides, props.reason ?? '')}`);
  return `${subject}\n\n${trailers.join('\n')}\n`;
}

/** `soak, order; reason: hotfix for INC-42` on one line. */
export function overridesValue(overrides: readonly string[], reason: string): string {
  return `${overrides.join(', ')}; reason: ${reason.replace(/\s+/g, ' ').trim()}`;
}

/** `promote/<env>/<service>-<tag>`, several services joined by '+'. */
export function promotionBranch(kind: PromotionKind, environment: string, services: readonly CommitService[]): string {
  const prefix = kind === 'rollback' ? 'rollback' : 'promote';
  const parts = services.length <= 3 ? services.map((s) => `${s.service}-${s.tag}`) : [`${services.length}-services-${services.map((s) => s.tag).sort()[0]}`];
  return `${prefix}/${environment}/${parts.join('+')}`;
}

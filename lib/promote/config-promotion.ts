/**
 * Config promotion (`ferry promote <service> --to <env> --config all|KEY,KEY`): the values of
 * `<project>:config.<service>` move from the upstream's stack file into the target's, alone or with
 * the image in one commit. Only gates that judge the target environment run for a config-only
 * change (`appliesToConfig`: approval, freeze); the image gates have no image to judge.
 */
import { isDeepStrictEqual } from 'node:util';
import { runGates, type Delivery, type GateContext, type GateRefusal, type PromotionGate, type PromotionKind } from '../../model/gate.js';
import type { EnvironmentHistory } from '../../model/history.js';
import type { Environment, Platform, ServiceDefinition } from '../../model/platform.js';
import { stackFileName } from '../../model/stack-config.js';
import type { StackFile } from './stack-file.js';

/** A `--config` request that cannot be carried out (unknown key, no upstream, upstreams disagree). */
export class ConfigPromotionError extends Error {}

/** Which config keys to move: every key that is not environment-specific, or the named ones. */
export type ConfigSelection = 'all' | readonly string[];

/** One moved value, as text: the literal, `secret:<name>/<key>`, or `(default)` when the stack file gives none. */
export interface ConfigKeyChange {
  readonly key: string;
  readonly before: string;
  readonly after: string;
}

/** The config change of one service in one target. */
export interface ServiceConfigChange {
  readonly service: string;
  readonly keys: readonly ConfigKeyChange[];
  /** Gates that refused and were overridden (config-only changes; with an image its gates judge it). */
  readonly overridden: readonly GateRefusal[];
}

/** `--config` as typed: `all`, or variable names separated by commas. */
export function parseConfigSelection(text: string): ConfigSelection {
  const trimmed = text.trim();
  if (trimmed === 'all') return 'all';
  const keys = trimmed.split(',').map((k) => k.trim()).filter((k) => k !== '');
  const bad = keys.find((k) => !/^[A-Z_][A-Z0-9_]*$/.test(k));
  if (keys.length === 0 || bad !== undefined) {
    throw new Error(`--config ${JSON.stringify(text)}: ${bad === undefined ? 'no key named' : `'${bad}' is not a variable name (A-Z, 0-9, _)`}; allowed: all, or KEY[,KEY...]`);
  }
  return [...new Set(keys)];
}

/** A stack-file value as one short text. */
export function describeRawConfigValue(value: unknown): string {
  if (value === undefined || value === null) return '(default)';
  if (typeof value === 'object') {
    const ref = value as { secret?: unknown; key?: unknown };
    return `secret:${String(ref.secret)}/${String(ref.key)}`;
  }
  return String(value);
}

/** The keys of `definition` that `selection` moves; throws naming the key and what is allowed. */
export function selectedConfigKeys(definition: ServiceDefinition, selection: ConfigSelection): string[] {
  const schema = definition.config;
  const names = Object.keys(schema);
  if (selection === 'all') return names.filter((k) => !schema[k]!.environmentSpecific);
  if (names.length === 0) throw new ConfigPromotionError(`--config ${selection.join(',')}: service '${definition.name}' declares no config keys (its 'config' in platform/platform.ts)`);
  for (const key of selection) {
    const spec = schema[key];
    if (spec === undefined) throw new ConfigPromotionError(`--config ${key}: unknown config key of '${definition.name}'; allowed: ${names.filter((k) => !schema[k]!.environmentSpecific).join(', ') || '(none: every key is environment-specific)'}`);
    if (spec.environmentSpecific) {
      throw new ConfigPromotionError(`--config ${key}: '${definition.name}' declares ${key} environmentSpecific (its value belongs to each environment); edit it in the target's stack file instead`);
    }
  }
  return [...selection];
}

/** What planning one target's config change needs. */
export interface ConfigPlanInput {
  readonly platform: Platform;
  readonly kind: PromotionKind;
  readonly target: Environment;
  /** The environments the values are read from; several must agree. */
  readonly sources: readonly { readonly environment: Environment; readonly stack: StackFile }[];
  /** The target's stack file as edited so far (image tags may already be changed). */
  readonly stack: StackFile;
  readonly definitions: readonly ServiceDefinition[];
  readonly selection: ConfigSelection;
  /** Services whose image this change also moves: their gates already ran. */
  readonly imageServices: ReadonlySet<string>;
  readonly gates: readonly PromotionGate[];
  readonly overrides: ReadonlySet<string>;
  readonly project: string;
  readonly targetHistory: EnvironmentHistory;
  readonly delivery: Delivery;
  readonly currentBranch: string | undefined;
  readonly now: Date;
}

/**
 * Moves the selected config values of each service from the sources into the target's stack file.
 * Returns the edited stack file, the changes (services already equal are left out) and the
 * refusals of the gates run for config-only services. Throws (a request error) on an unknown or
 * environment-specific key, a target without upstream, or upstreams that disagree.
 */
export function planConfigPromotion(input: ConfigPlanInput): { stack: StackFile; changes: ServiceConfigChange[]; refusals: GateRefusal[] } {
  const { target, sources } = input;
  if (sources.length === 0) {
    throw new ConfigPromotionError(`--config: ${target.name} has no upstream to take config from (a source of the promotion graph); edit ${stackFileName(target.name)} instead`);
  }
  let stack = input.stack;
  const changes: ServiceConfigChange[] = [];
  const refusals: GateRefusal[] = [];
  const gates = input.gates.filter((g) => g.appliesToConfig === true);
  for (const definition of input.definitions) {
    const service = definition.name;
    const keys = selectedConfigKeys(definition, input.selection);
    const moved: ConfigKeyChange[] = [];
    for (const key of keys) {
      const values = sources.map((s) => ({ env: s.environment.name, value: s.stack.configOf(service)[key] }));
      if (values.some((v) => !isDeepStrictEqual(v.value, values[0]!.value))) {
        throw new ConfigPromotionError(`--config ${key}: the upstreams of ${target.name} give ${service} different values (${values.map((v) => `${v.env}: ${describeRawConfigValue(v.value)}`).join(', ')}); pick the source with --from`);
      }
      const value = values[0]!.value;
      const current = stack.configOf(service)[key];
      if (isDeepStrictEqual(value, current)) continue;
      stack = stack.withConfigValue(service, key, value);
      moved.push({ key, before: describeRawConfigValue(current), after: describeRawConfigValue(value) });
    }
    if (moved.length === 0) continue;
    let overridden: GateRefusal[] = [];
    if (!input.imageServices.has(service)) {
      const tag = stack.tagOf(service) ?? '';
      const context: GateContext = {
        platform: input.platform,
        kind: input.kind,
        target,
        upstream: sources[0]!.environment,
        service,
        tag,
        sourceTag: tag,
        targetFile: stackFileName(target.name),
        upstreamFile: stackFileName(sources[0]!.environment.name),
        project: input.project,
        targetHistory: input.targetHistory,
        upstreamHistory: undefined,
        delivery: input.delivery,
        currentBranch: input.currentBranch,
        defaultBranch: input.platform.targetRevision,
        now: input.now,
        image: { reference: '', checked: false, exists: true },
        configKeys: moved.map((m) => m.key),
      };
      const result = runGates(gates, context, input.overrides);
      refusals.push(...result.refusals);
      overridden = result.overridden;
    }
    changes.push({ service, keys: moved, overridden });
  }
  return { stack, changes, refusals };
}

/** `DATABASE_HOST, CHECKOUT_V2` */
export function configKeysText(change: ServiceConfigChange): string {
  return change.keys.map((k) => k.key).join(', ');
}

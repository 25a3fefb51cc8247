/**
 * The typed per-service configuration: a schema in platform.ts (`ServiceProps.config`), values per
 * environment in `Pulumi.<env>.yaml` (`<project>:config.<service>.<KEY>`). Plain values render as a
 * ConfigMap (its name carries a content hash), secret references as `secretKeyRef`s to an existing
 * Secret: a secret value never reaches git.
 */
import { isDnsSubdomain, showValue } from './names.js';

/** The types a config key can have. */
export type ConfigValueType = 'string' | 'number' | 'boolean' | 'secretRef';

/** Where a secret lives: an existing Secret in the environment's namespace and a key of it. */
export interface SecretReference {
  /** Name of the Secret (DNS subdomain). */
  readonly secret: string;
  /** Key inside the Secret's data. */
  readonly key: string;
}

/** What every config key says besides its type. */
export interface ConfigValueOptions<T> {
  /**
   * Value where a stack file gives none.
   * @default - none: the variable is left out unless `required`
   */
  readonly default?: T;
  /**
   * Every environment's stack file must give a value. Contradicts `default`.
   * @default false
   */
  readonly required?: boolean;
  /**
   * One line for errors and docs.
   * @default ''
   */
  readonly description?: string;
  /**
   * The value belongs to its environment (a database host, a secret's name): `ferry promote
   * --config all` leaves it, and naming it in `--config` is refused.
   * @default false
   */
  readonly environmentSpecific?: boolean;
}

/** Options of a string key. */
export interface StringConfigValueOptions extends ConfigValueOptions<string> {
  /**
   * The only values allowed.
   * @default - any string
   */
  readonly oneOf?: readonly string[];
}

/** A config value as the renderer uses it: a literal for the ConfigMap, or a Secret reference. */
export type ConfigEntry = { readonly kind: 'literal'; readonly value: string } | { readonly kind: 'secret'; readonly ref: SecretReference };

const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
/** Control characters, which a ConfigMap literal cannot carry safely. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** The type, default and rules of one config key. Made by the static factories. */
export class ConfigValue {
  /** A string, optionally one of `oneOf`. */
  public static string(options: StringConfigValueOptions = {}): ConfigValue {
    if (options.oneOf !== undefined && (!Array.isArray(options.oneOf) || options.oneOf.length === 0 || !options.oneOf.every((v) => typeof v === 'string'))) {
      throw new Error(`ConfigValue.string: 'oneOf' ${showValue(options.oneOf)} must be a non-empty list of strings`);
    }
    return new ConfigValue('string', options, options.oneOf);
  }

  /** A finite number (rendered in decimal). */
  public static number(options: ConfigValueOptions<number> = {}): ConfigValue {
    return new ConfigValue('number', options, undefined);
  }

  /** true or false. */
  public static boolean(options: ConfigValueOptions<boolean> = {}): ConfigValue {
    return new ConfigValue('boolean', options, undefined);
  }

  /**
   * A reference to a key of an existing Secret, `{ secret, key }` in the stack file; rendered as a
   * `secretKeyRef`. An inline value is refused.
   */
  public static secretRef(options: ConfigValueOptions<SecretReference> = {}): ConfigValue {
    return new ConfigValue('secretRef', options, undefined);
  }

  public readonly required: boolean;
  public readonly description: string;
  public readonly environmentSpecific: boolean;
  public readonly defaultValue: unknown;

  private constructor(
    public readonly type: ConfigValueType,
    options: ConfigValueOptions<unknown>,
    public readonly oneOf: readonly string[] | undefined,
  ) {
    const factory = `ConfigValue.${type}`;
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new Error(`${factory}: options ${showValue(options)} must be a mapping like { default: ..., description: '...' }`);
    this.required = options.required ?? false;
    this.description = options.description ?? '';
    this.environmentSpecific = options.environmentSpecific ?? false;
    if (typeof this.required !== 'boolean') throw new Error(`${factory}: 'required' ${showValue(this.required)} must be true or false`);
    if (typeof this.description !== 'string') throw new Error(`${factory}: 'description' ${showValue(this.description)} must be a string`);
    if (this.required && options.default !== undefined) {
      throw new Error(`${factory}: 'required' true and 'default' ${showValue(options.default)} contradict each other: a key with a default is never missing`);
    }
    this.defaultValue = options.default;
    if (options.default !== undefined) {
      const problem = this.problemWith(options.default);
      if (problem !== undefined) throw new Error(`${factory}: 'default' ${problem}`);
    }
  }

  /** What the stack file must hold for this key, for error messages. */
  public allowed(): string {
    switch (this.type) {
      case 'string':
        return this.oneOf ? `one of ${this.oneOf.join(', ')}` : 'a string (quote numbers and booleans)';
      case 'number':
        return 'a number (e.g. 10)';
      case 'boolean':
        return 'true or false';
      case 'secretRef':
        return '{ secret: <Secret name>, key: <key in it> }';
    }
  }

  /** Why `value` is not of this key's type, or undefined when it is. Never echoes a secret. */
  public problemWith(value: unknown): string | undefined {
    switch (this.type) {
      case 'string': {
        if (typeof value !== 'string') return `${showValue(value)} is not a string; allowed: ${this.allowed()}`;
        if (this.oneOf && !this.oneOf.includes(value)) return `${showValue(value)} is not allowed; allowed: ${this.allowed()}`;
        if (CONTROL.test(value) || value.length > 32768) return `${showValue(value)} must be at most 32768 characters without line breaks or control characters`;
        // kustomize's configMapGenerator literals trim trailing spaces and strip one pair of outer quotes.
        if (/^\s|\s$/.test(value)) return `${showValue(value)} has leading or trailing spaces, which a ConfigMap literal does not keep; allowed: a string without them`;
        if (/^(["']).*\1$/s.test(value) && value.length >= 2) return `${showValue(value)} is wrapped in quotes, which kustomize strips from a ConfigMap literal; write the value without them`;
        const secret = secretShape(value);
        if (secret !== undefined) {
          return `value ${redacted(value)} looks like ${secret}: a secret never goes into a stack file; declare the key ConfigValue.secretRef() and reference a Secret`;
        }
        return undefined;
      }
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) ? undefined : `${showValue(value)} is not a number; allowed: ${this.allowed()}`;
      case 'boolean':
        return typeof value === 'boolean' ? undefined : `${showValue(value)} is not a boolean; allowed: ${this.allowed()}`;
      case 'secretRef': {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          const shown = typeof value === 'string' ? `an inline value ${redacted(value)}` : showValue(value);
          return `is a secret reference and ${shown} is refused (a secret value never goes into git); allowed: ${this.allowed()}`;
        }
        const ref = value as Record<string, unknown>;
        const extra = Object.keys(ref).filter((k) => k !== 'secret' && k !== 'key');
        if (extra.length > 0) return `unknown field '${extra[0]}' in the secret reference; allowed: ${this.allowed()}`;
        if (!isDnsSubdomain(ref.secret)) return `secret ${showValue(ref.secret)} is not a Secret name (a DNS subdomain); allowed: ${this.allowed()}`;
        if (typeof ref.key !== 'string' || !SECRET_KEY.test(ref.key)) return `key ${showValue(ref.key)} is not a Secret key (letters, digits, '-', '_', '.'); allowed: ${this.allowed()}`;
        return undefined;
      }
    }
  }
}

/** The schema of one service: variable name → its ConfigValue. */
export type ServiceConfigSchema = Readonly<Record<string, ConfigValue>>;

/** A stack file's value as the container sees it; the caller checked it with `problemWith`. */
export function configEntry(spec: ConfigValue, value: unknown): ConfigEntry {
  if (spec.type === 'secretRef') {
    const ref = value as SecretReference;
    return { kind: 'secret', ref: { secret: ref.secret, key: ref.key } };
  }
  return { kind: 'literal', value: String(value) };
}

/**
 * Validates the `<project>:config.<service>` mapping of one stack file against the service's schema
 * and applies the defaults. `where` is `Pulumi.dev.yaml: ferry:config.api`. Throws naming the key,
 * the value and what is allowed: an unknown key, a wrong type, a missing required key, a value that
 * looks like a secret.
 */
export function parseServiceConfig(schema: ServiceConfigSchema, values: Readonly<Record<string, unknown>>, where: string): Readonly<Record<string, ConfigEntry>> {
  const names = Object.keys(schema).sort();
  for (const key of Object.keys(values)) {
    if (!(key in schema)) {
      throw new Error(`${where}.${key}: unknown key; ${names.length === 0 ? "the service declares no config keys (its 'config' in platform/platform.ts)" : `allowed: ${names.join(', ')}`}`);
    }
  }
  const out: Record<string, ConfigEntry> = {};
  for (const key of names) {
    const spec = schema[key]!;
    const given = values[key];
    if (given === undefined || given === null) {
      if (spec.defaultValue !== undefined) out[key] = configEntry(spec, spec.defaultValue);
      else if (spec.required) throw new Error(`${where}.${key}: missing; required (no default)${spec.description ? `: ${spec.description}` : ''}; allowed: ${spec.allowed()}`);
      continue;
    }
    const problem = spec.problemWith(given);
    if (problem !== undefined) throw new Error(`${where}.${key}: ${problem}`);
    out[key] = configEntry(spec, given);
  }
  return out;
}

/** The entry as one short text: the literal, or `secret:<name>/<key>`. */
export function describeConfigEntry(entry: ConfigEntry | undefined): string {
  if (entry === undefined) return '(unset)';
  return entry.kind === 'literal' ? entry.value : `secret:${entry.ref.secret}/${entry.ref.key}`;
}

/** What kind of secret `value` looks like (an AWS key, a private key, a token), or undefined. */
export function secretShape(value: string): string | undefined {
  for (const [pattern, name] of SECRET_SHAPES) if (pattern.test(value)) return name;
  return undefined;
}

const SECRET_SHAPES: readonly [RegExp, string][] = [
  [/(?:^|[^A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])/, 'an AWS access key id'],
  [/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[A-Za-z0-9/+]{40}$/, 'an AWS secret access key'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bgh[pousr]_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/, 'a Stripe key'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, 'a JSON web token'],
  [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password'],
];

/** A secret-looking value shown without giving it away: its first four characters and its length. */
function redacted(value: string): string {
  return `"${value.slice(0, 4)}…" (${value.length} characters)`;
}

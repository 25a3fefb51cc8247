import type { Document, Scalar, YAMLMap } from 'yaml';
import { plainScalarText } from '../../model/plain-stack-yaml.js';
import { plainScalarSpan } from '../../model/plain-stack-yaml-span.js';
import { parseStackYaml, plainStackYamlValue, stackDocumentValue } from '../../model/stack-yaml.js';
import { yamlPackage } from '../../model/yaml-package.js';

/** The config keys promotion edits, without the project prefix. */
export const IMAGES_KEY = 'images';
export const DIGESTS_KEY = 'digests';
export const CONFIG_KEY = 'config';
/** `<project>:charts.<service>.version`: the chart version of a chart service. */
export const CHARTS_KEY = 'charts';

/**
 * One `Pulumi.<env>.yaml`, edited the way a careful person would: an existing tag or digest is
 * replaced in place (only that line changes; comments, order, quoting and formatting stay), and a
 * missing digest entry is added through the yaml Document API.
 */
export class StackFile {
  /** Parses the text; throws naming the file if it is not YAML. */
  public static parse(text: string, file: string, project: string): StackFile {
    return new StackFile(text, file, project);
  }

  private parsed: Document.Parsed | undefined;
  /**
   * The value when the text is in the plain subset ferry writes (model/plain-stack-yaml.ts): tags,
   * digests and in-place edits are then read and made without the yaml package's document, which
   * costs about 0.4 s for a 2,000-service file. `null`: not in the subset (the document reads it).
   */
  private plain: Record<string, unknown> | null | undefined;

  private constructor(
    /** The file's text, byte for byte. */
    public readonly text: string,
    /** File name for messages, e.g. 'Pulumi.prod.yaml'. */
    public readonly file: string,
    /** Pulumi project name: keys are `<project>:images`. */
    public readonly project: string,
    /**
     * For a copy with one string scalar replaced in place: its plain value, derived from the
     * original's (so a promotion's schema check of the edited file needs no second parse of a
     * 20 KB file); the text is parsed only when something else is asked of it.
     */
    private readonly derivedValue?: () => Record<string, unknown>,
    /** Whether the replaced scalar keeps the copy's text in the plain subset, so the derived value is its plain value too. */
    private readonly derivedInSubset = false,
  ) {
    if (derivedValue === undefined) {
      this.plain = plainStackYamlValue(text) ?? null;
      // Not in the subset: parsed now, so bad YAML fails here, naming the file.
      if (this.plain === null) this.parsed = parseStackYaml(text, file);
    }
  }

  private get doc(): Document.Parsed {
    this.parsed ??= parseStackYaml(this.text, this.file);
    return this.parsed;
  }

  /** The plain-subset value, or undefined when only the document can read the text. */
  private get plainValue(): Record<string, unknown> | undefined {
    if (this.plain === undefined) this.plain = (this.derivedInSubset ? this.derivedValue?.() : undefined) ?? plainStackYamlValue(this.text) ?? null;
    return this.plain ?? undefined;
  }

  /** The whole file as plain values, as `stackYamlValue` reads its text (without parsing it again). */
  public value(): unknown {
    // A fresh copy per call, as a parse gives: a caller may change what it is handed.
    return this.sharedValue(true);
  }

  /**
   * The same value as {@link value}, without the copy (a 2,000-service file's costs about 40 ms):
   * for a reader that only reads it, like the schema check of a promotion. Never change it.
   */
  public readValue(): unknown {
    return this.sharedValue(false);
  }

  private sharedValue(copy: boolean): unknown {
    const ownCopy = (value: unknown) => (copy ? copyPlain(value) : value);
    // A derived value shares all but the edited path with the original's (withValueAt).
    if (this.parsed === undefined && this.derivedValue !== undefined && !this.derivedInSubset) return ownCopy(this.derivedValue());
    const plain = this.plainValue;
    if (plain !== undefined) return ownCopy(plain);
    return stackDocumentValue(this.doc, this.file);
  }

  /** `config.<project>:images.<service>`, or undefined. */
  public tagOf(service: string): string | undefined {
    return this.stringAt(IMAGES_KEY, service);
  }

  /** `config.<project>:digests.<service>`, or undefined (also for '', the layout's "nothing pinned"). */
  public digestOf(service: string): string | undefined {
    return this.stringAt(DIGESTS_KEY, service) || undefined;
  }

  /** Every `<project>:images` entry. */
  public images(): Record<string, string> {
    return this.mapAt(IMAGES_KEY);
  }

  /** Every pinned `<project>:digests` entry ('' pins nothing). */
  public digests(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.mapAt(DIGESTS_KEY)).filter(([, digest]) => digest !== ''));
  }

  /** `config.<project>:config.<service>` as plain values (a secret reference is `{ secret, key }`). */
  public configOf(service: string): Record<string, unknown> {
    const plain = this.configMapping([service]);
    return plain !== null && typeof plain === 'object' ? (plain as Record<string, unknown>) : {};
  }

  /** Every service's `<project>:config` mapping as plain values. */
  public allConfig(): Record<string, Record<string, unknown>> {
    const plain = this.configMapping([]);
    if (plain === null || typeof plain !== 'object') return {};
    const out: Record<string, Record<string, unknown>> = {};
    for (const [service, values] of Object.entries(plain as Record<string, unknown>)) {
      if (values !== null && typeof values === 'object' && !Array.isArray(values)) out[service] = values as Record<string, unknown>;
    }
    return out;
  }

  /** `config.<project>:charts.<service>.version`, or undefined. */
  public chartVersionOf(service: string): string | undefined {
    const value = this.doc.getIn(['config', this.key(CHARTS_KEY), service, 'version']);
    return typeof value === 'string' ? value : undefined;
  }

  /** Every chart service's `<project>:charts.<service>.version`. */
  public chartVersions(): Record<string, string> {
    const charts = this.doc.getIn(['config', this.key(CHARTS_KEY)]);
    const out: Record<string, string> = {};
    if (isMap(charts)) {
      for (const item of charts.items) {
        const service = isScalar(item.key) ? item.key.value : item.key;
        const version = isMap(item.value) ? item.value.get('version') : undefined;
        if (typeof service === 'string' && typeof version === 'string') out[service] = version;
      }
    }
    return out;
  }

  /**
   * A copy with one config value of `service` set, or removed when undefined. A scalar replacing a
   * scalar changes only that value on its line; anything else goes through the yaml Document API.
   */
  public withConfigValue(service: string, key: string, value: unknown): StackFile {
    const path = ['config', this.key(CONFIG_KEY), service, key];
    const node = this.doc.getIn(path, true);
    if (value !== undefined && value !== null && typeof value !== 'object' && isScalar(node) && node.range && node.value !== null) {
      return this.splice(node, typeof value === 'string' ? value : value as number | boolean);
    }
    if (value === undefined && node === undefined) return this;
    const doc = this.doc.clone();
    if (value === undefined) {
      doc.deleteIn(path);
      for (const parent of [path.slice(0, 3), path.slice(0, 2)]) {
        const map = doc.getIn(parent, true);
        if (isMap(map) && map.items.length === 0) doc.deleteIn(parent);
      }
    } else {
      doc.setIn(path, doc.createNode(value));
    }
    return new StackFile(doc.toString({ lineWidth: 0 }), this.file, this.project);
  }

  /** A copy with the chart version of `service` replaced; only the value of that line changes. */
  public withChartVersion(service: string, version: string): StackFile {
    const node = this.doc.getIn(['config', this.key(CHARTS_KEY), service, 'version'], true);
    if (!isScalar(node) || !node.range) {
      throw new Error(`${this.file}: config.${this.key(CHARTS_KEY)}.${service}.version: missing; every chart service needs a chart version in every environment`);
    }
    return this.splice(node, version, ['config', this.key(CHARTS_KEY), service, 'version']);
  }

  /** A copy with the tag of `service` replaced; only the value of that line changes. */
  public withImageTag(service: string, tag: string): StackFile {
    const path = ['config', this.key(IMAGES_KEY), service];
    const span = this.plainSpan(path);
    if (span) return this.splice(span, tag, path);
    const node = this.doc.getIn(['config', this.key(IMAGES_KEY), service], true);
    if (!isScalar(node) || !node.range) {
      throw new Error(`${this.file}: config.${this.key(IMAGES_KEY)}.${service}: missing; every service needs a tag in every environment`);
    }
    return this.splice(node, tag, ['config', this.key(IMAGES_KEY), service]);
  }

  /** A copy with the digest of `service` set (replaced in place, or added), or removed when undefined. */
  public withDigest(service: string, digest: string | undefined): StackFile {
    const path = ['config', this.key(DIGESTS_KEY), service];
    const span = digest !== undefined ? this.plainSpan(path) : undefined;
    if (span) return this.splice(this.stringAt(DIGESTS_KEY, service) === '' ? { range: span.range } : span, digest!, path);
    const node = this.doc.getIn(path, true);
    // A digest replacing the layout's '' is written plain, like every digest ferry writes.
    if (digest !== undefined && isScalar(node) && node.range) return this.splice(node.value === '' ? { range: node.range } : node, digest, path);
    if (digest === undefined && node === undefined) return this;
    // In the conflict-free layout (ferry fmt) an unpinned service keeps its line, as ''.
    if (digest === undefined && isScalar(node) && node.range && this.isLaidOut()) return this.splice(node, '', path);
    const doc = this.doc.clone();
    if (digest === undefined) {
      doc.deleteIn(path);
      const digests = doc.getIn(['config', this.key(DIGESTS_KEY)], true);
      if (isMap(digests) && digests.items.length === 0) doc.deleteIn(['config', this.key(DIGESTS_KEY)]);
    } else {
      doc.setIn(path, digest);
    }
    return new StackFile(doc.toString({ lineWidth: 0 }), this.file, this.project);
  }

  /** Whether every service of the images has a digests entry, as the conflict-free layout has. */
  private isLaidOut(): boolean {
    const digests = this.doc.getIn(['config', this.key(DIGESTS_KEY)], true);
    return isMap(digests) && Object.keys(this.images()).every((service) => digests.has(service));
  }

  private key(name: string): string {
    return `${this.project}:${name}`;
  }

  /**
   * The mapping at `config.<project>:config.<path>` as plain values (a copy of its own), undefined
   * when there is none. From the plain-subset value when the text is in the subset (its values are
   * the document's, `test/model/plain-stack-yaml.test.ts`): status and history read the config of
   * every revision, and the document of a 20 KB file costs tens of milliseconds.
   */
  private configMapping(path: readonly string[]): unknown {
    const plain = this.parsed === undefined ? this.plainValue : undefined;
    if (plain !== undefined) {
      const value = valueAt(plain, ['config', this.key(CONFIG_KEY), ...path]);
      return isPlainMapping(value) ? copyPlain(value) : undefined;
    }
    const value: unknown = this.doc.getIn(['config', this.key(CONFIG_KEY), ...path]);
    return isMap(value) ? value.toJSON() : undefined;
  }

  /** Where a string scalar at `path` sits, read from the plain subset (undefined: ask the document). */
  private plainSpan(path: readonly string[]): { range: [number, number, number]; type: string } | undefined {
    if (this.plainValue === undefined || typeof valueAt(this.plainValue, path) !== 'string') return undefined;
    const span = plainScalarSpan(this.text, path);
    return span && { range: [span.start, span.end, span.end], type: span.type };
  }

  private stringAt(name: string, service: string): string | undefined {
    const plain = this.plainValue;
    const value = plain !== undefined ? valueAt(plain, ['config', this.key(name), service]) : this.doc.getIn(['config', this.key(name), service]);
    return typeof value === 'string' ? value : undefined;
  }

  private mapAt(name: string): Record<string, string> {
    const plain = this.plainValue;
    if (plain !== undefined) {
      const map = valueAt(plain, ['config', this.key(name)]);
      const out: Record<string, string> = {};
      if (isPlainMapping(map)) for (const [key, val] of Object.entries(map)) if (typeof val === 'string') out[key] = val;
      return out;
    }
    const value = this.doc.getIn(['config', this.key(name)]);
    const out: Record<string, string> = {};
    if (isMap(value)) {
      for (const item of value.items) {
        const key = isScalar(item.key) ? item.key.value : item.key;
        const val = isScalar(item.value) ? item.value.value : item.value;
        if (typeof key === 'string' && typeof val === 'string') out[key] = val;
      }
    }
    return out;
  }

  /**
   * A copy with `node`'s scalar replaced in the text. With `path` (a string value, which
   * `formatScalar` writes so that YAML reads it back as that very string) the copy's plain value
   * is this one's with `path` set, and its text is parsed only if asked for more.
   */
  private splice(node: { range?: [number, number, number] | null; type?: string | undefined }, value: string | number | boolean, path?: readonly string[]): StackFile {
    const [start, end] = node.range!;
    const written = formatScalar(value, node.type);
    const text = `${this.text.slice(0, start)}${written}${this.text.slice(end)}`;
    // Derived only where the replaced text is one flow scalar (a block scalar's header is replaced too).
    if (path === undefined || typeof value !== 'string' || !FLOW_SCALARS.has(node.type)) return new StackFile(text, this.file, this.project);
    // withValueAt shares what the edit leaves alone: neither value is ever handed out uncopied to a caller that may change it.
    const derived = () => withValueAt(this.plainValue ?? this.value(), path, value);
    return new StackFile(text, this.file, this.project, derived, this.plainValue !== undefined && SUBSET_SCALAR.test(written));
  }
}

/**
 * A written scalar that keeps a plain-subset text in the subset, read back as the string written:
 * plain words, or single-quoted without brackets (model/plain-stack-yaml.ts reads both so).
 */
const SUBSET_SCALAR = /^(?:[A-Za-z0-9_/](?:[A-Za-z0-9_./@+=:-]*[A-Za-z0-9_./@+=-])?|'(?:[^'[\]{}\n\\]|'')*')$/;

/** The value at `path` of nested plain mappings, or undefined. */
function valueAt(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (!isPlainMapping(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

function isPlainMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Scalar styles whose whole text a splice replaces (undefined: the range of a '' written anew). */
const FLOW_SCALARS = new Set<string | undefined>(['PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', undefined]);

/**
 * `value` with the mapping entry at `path` (which exists) set to `leaf`: the mappings along the
 * path are copied, everything else is shared with `value` (which must not change afterwards).
 */
function withValueAt(value: unknown, path: readonly string[], leaf: string): Record<string, unknown> {
  const copy = { ...(value as Record<string, unknown>) };
  let at = copy;
  for (const key of path.slice(0, -1)) {
    const next = { ...(at[key] as Record<string, unknown>) };
    at[key] = next;
    at = next;
  }
  at[path[path.length - 1]!] = leaf;
  return copy;
}

/**
 * A deep copy of plain data (what a YAML parse gives), made of this realm's objects and arrays:
 * the schema's plain-data check compares prototypes, which structuredClone's need not match.
 */
function copyPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyPlain);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  // A plain loop: a 2,000-service file is a few thousand mappings. defineProperty only for the one
  // key an assignment would take as the prototype.
  for (const key of Object.keys(value)) {
    const item = copyPlain((value as Record<string, unknown>)[key]);
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy;
}

/** The value written the way the old one was quoted; plain when YAML reads it back as the same string. */
function formatScalar(value: string | number | boolean, type: string | undefined): string {
  if (typeof value !== 'string') return String(value);
  if (value === '') return "''";
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  return plainScalarText(value) ?? yamlPackage().stringify(value, { lineWidth: 0 }).trimEnd();
}

// The yaml package's node tests, for the paths that hold its document (which loaded the package).
function isMap(node: unknown): node is YAMLMap {
  return yamlPackage().isMap(node);
}

function isScalar(node: unknown): node is Scalar {
  return yamlPackage().isScalar(node);
}

import jsYaml from 'js-yaml';
import YAML from 'yaml';
import type { ManifestObject } from './manifest-object.js';

/**
 * What the two readers below resolve differently (measured on every scalar form of YAML 1.2's
 * core schema: binary integers, signed hex and octal, signed floats written from the point; a
 * bare `-` item, which js-yaml can merge into the sequence after it), and what the fast one is not
 * trusted with (tabs, carriage returns, `__proto__` keys). A text holding
 * any of it, anywhere, is read by the `yaml` package alone.
 */
const FAST_READER_DIFFERS = /[-+]?\b0b[01]|[-+]0[xXoO]|[-+]\.[0-9]|[\t\r]|__proto__|^ *-(?: +#.*)? *$/m;

/**
 * Parses a multi-document YAML stream of objects; throws naming `where` on a syntax error.
 *
 * kustomize prints plain block YAML, and a diff or validate of every overlay parses megabytes of
 * it: js-yaml (core schema) reads it about ten times faster than the `yaml` package and gives the
 * same objects (test/kustomize/parse-objects.test.ts compares them on real kustomize output and on
 * fuzzed documents). Anything it refuses, and every text {@link FAST_READER_DIFFERS} flags, is read
 * by the `yaml` package, whose errors are the ones reported.
 */
export function parseObjects(text: string, where: string): ManifestObject[] {
  if (fastReaderApplies(text)) {
    try {
      return jsYaml.loadAll(text, null, { schema: jsYaml.CORE_SCHEMA }).filter((value) => value !== null && value !== undefined) as ManifestObject[];
    } catch {
      // The yaml package below names the error.
    }
  }
  return parseObjectsFully(text, where);
}

/** Whether {@link parseObjects} may read `text` with js-yaml (it holds nothing the two readers read differently). */
export function fastReaderApplies(text: string): boolean {
  return !FAST_READER_DIFFERS.test(text);
}

/** {@link parseObjects} by the `yaml` package alone: the reference the fast reader is tested against. */
export function parseObjectsFully(text: string, where: string): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value !== null && value !== undefined) objects.push(value as ManifestObject);
  }
  return objects;
}

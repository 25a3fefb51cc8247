import YAML from 'yaml';
import type { ManifestObject } from './manifest-object.js';

/** Parses a multi-document YAML stream of objects; throws naming `where` on a syntax error. */
export function parseObjects(text: string, where: string): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value !== null && value !== undefined) objects.push(value as ManifestObject);
  }
  return objects;
}

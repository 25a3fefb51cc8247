/**
 * The conflict-free layout of `Pulumi.<env>.yaml`: `<project>:images` and `<project>:digests` in
 * block style, one service per paragraph (a blank line between entries), and a digests entry for
 * every service (`''` while nothing is pinned). Git refuses to merge changes on adjacent lines; in
 * this layout every promotion changes the value of lines that already exist and never touch each
 * other, so two promotion pull requests (different services, or a first `--pin-digest` each) merge
 * in either order with merge commits, squash or rebase.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Scalar, YAMLMap } from 'yaml';
import { parseStackYaml, stackYamlValue } from '../../model/stack-yaml.js';
import { yamlPackage } from '../../model/yaml-package.js';
import { DIGESTS_KEY, IMAGES_KEY } from './stack-file.js';

/** The value of a digests entry that pins nothing: the placeholder that makes a first pin a one-line change. */
export const UNPINNED = '';

/**
 * `text` in the conflict-free layout; the same text when it is laid out already (idempotent).
 * Comments, quoting and every value stay; the only value added is an unpinned `''` digest per
 * service missing from `<project>:digests`. Throws naming the file (and line) when the file is not
 * YAML, or when `<project>:images` is not a mapping.
 */
export function layOutStackFile(text: string, file: string, project: string): string {
  const { isMap, isScalar, Scalar } = yamlPackage();
  const doc = parseStackYaml(text, file);
  const config = doc.get('config', true);
  if (!isMap(config)) throw new Error(`${file}: config: expected a mapping holding ${project}:${IMAGES_KEY}`);
  const images = config.get(`${project}:${IMAGES_KEY}`, true);
  if (!isMap(images)) throw new Error(`${file}: config.${project}:${IMAGES_KEY}: expected a mapping of service to tag, one per line`);
  const services = images.items.map((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)));

  const digestsKey = `${project}:${DIGESTS_KEY}`;
  const existing: unknown = config.get(digestsKey, true);
  const empty = existing === undefined || (isScalar(existing) && existing.value === null);
  if (!empty && !isMap(existing)) throw new Error(`${file}: config.${digestsKey}: expected a mapping of service to digest`);
  let digestMap: YAMLMap;
  if (isMap(existing)) digestMap = existing;
  else {
    digestMap = doc.createNode({}) as YAMLMap;
    if (existing !== undefined) config.set(digestsKey, digestMap);
    else {
      // Right after the images, so a service's tag and digest are read together.
      const imagesIndex = config.items.findIndex((item) => isScalar(item.key) && item.key.value === `${project}:${IMAGES_KEY}`);
      config.items.splice(imagesIndex + 1, 0, doc.createPair(digestsKey, digestMap));
    }
  }
  for (const service of services) {
    if (!digestMap.has(service)) {
      const value = new Scalar(UNPINNED);
      value.type = Scalar.QUOTE_SINGLE;
      digestMap.set(service, value);
    }
  }
  // The digests follow the images' order, so a service's two lines sit at the same place in each block.
  const order = (key: unknown) => {
    const index = services.indexOf(isScalar(key) ? String(key.value) : String(key));
    return index < 0 ? services.length : index;
  };
  digestMap.items.sort((a, b) => order(a.key) - order(b.key));
  paragraphs(images);
  paragraphs(digestMap);

  const out = doc.toString({ lineWidth: 0 });
  checkSameValues(text, out, file, project);
  return out;
}

/** Whether `text` is in the conflict-free layout. */
export function isLaidOut(text: string, file: string, project: string): boolean {
  return layOutStackFile(text, file, project) === text;
}

/** Block style, one entry per paragraph: a blank line before every entry but the first. */
function paragraphs(map: YAMLMap): void {
  const { isScalar, Scalar } = yamlPackage();
  map.flow = false;
  map.items.forEach((item, i) => {
    // Keys set from code are plain strings; only a node carries the blank line.
    if (!isScalar(item.key)) item.key = new Scalar(item.key);
    (item.key as Scalar).spaceBefore = i > 0;
  });
}

/** Laying out must never change what the stack deploys: the values are compared, bar the added placeholders. */
function checkSameValues(before: string, after: string, file: string, project: string): void {
  const withoutPlaceholders = (text: string) => {
    const value = structuredClone(stackYamlValue(text, file)) as { config?: Record<string, unknown> } | null;
    const digests = value?.config?.[`${project}:${DIGESTS_KEY}`];
    if (digests && typeof digests === 'object') {
      for (const [service, digest] of Object.entries(digests)) if (digest === UNPINNED) delete (digests as Record<string, unknown>)[service];
    }
    // An empty digests key (null or {}) pins nothing, as the schema reads it.
    if (digests === null || (digests && typeof digests === 'object' && Object.keys(digests).length === 0)) delete value!.config![`${project}:${DIGESTS_KEY}`];
    return value;
  };
  if (!isDeepStrictEqual(withoutPlaceholders(before), withoutPlaceholders(after))) {
    throw new Error(`${file}: laying out the file would change its values; fix it by hand (ferry fmt never changes what a stack deploys)`);
  }
}

/** One stack file of a repository and its laid-out text. */
export interface StackFileLayout {
  /** Repository-relative, e.g. 'Pulumi.prod.yaml'. */
  readonly file: string;
  readonly before: string;
  readonly after: string;
}

/**
 * Every `Pulumi.<env>.yaml` at `root` (not Pulumi.yaml), laid out, sorted by name. Throws, naming
 * every file that cannot be read (and its line), before anything could be written.
 */
export function layOutStackFiles(root: string, project: string): StackFileLayout[] {
  const files = readdirSync(root).filter((name) => /^Pulumi\.[^.]+\.yaml$/.test(name)).sort();
  const out: StackFileLayout[] = [];
  const errors: string[] = [];
  for (const file of files) {
    const before = readFileSync(join(root, file), 'utf8');
    try {
      out.push({ file, before, after: layOutStackFile(before, file, project) });
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return out;
}

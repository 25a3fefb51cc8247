/**
 * A line scanner for the image tags and digests of a stack file, for reading history: status and
 * promote read every revision of every stack file (20 environments × 1,000 commits is thousands of
 * files), and the YAML parser costs about 2 ms per 100-line file. The scanner accepts only the
 * plain shape ferry and `ferry fmt` write (`config:`, two-space keys, four-space `service: value`
 * entries with plain or simply quoted values, deeper mappings such as `ferry:config` whose values
 * are simple or a one-line flow mapping of simple values (a secret reference), comments and blank
 * lines) and returns undefined for anything else, which the caller then reads with the YAML
 * parser: on what it accepts it gives exactly what the parser gives
 * (test/promote/stack-images-scan.test.ts compares them).
 */
import { MAX_STACK_FILE_BYTES, MAX_STACK_FILE_DEPTH } from '../../model/stack-yaml.js';
import { DIGESTS_KEY, IMAGES_KEY } from './stack-file.js';

/** Image tags and pinned digests ('' entries dropped) of one stack file text. */
export interface ScannedImages {
  readonly images: Record<string, string>;
  readonly digests: Record<string, string>;
}

/** A value YAML's core schema reads as a number, boolean or null rather than a string. */
const NOT_A_STRING = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$/;
const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]*(?::[A-Za-z0-9][A-Za-z0-9_.-]*)?$/;
const PLAIN = /^[A-Za-z0-9](?:[A-Za-z0-9._:+/@-]*[A-Za-z0-9._+/@-])?$/;
const SINGLE = /^'([A-Za-z0-9._:+/@-]*)'$/;
const DOUBLE = /^"([A-Za-z0-9._:+/@-]*)"$/;
/**
 * A one-line flow mapping of plain keys and simple values, as a config secret reference is written
 * (`{ secret: api-database, key: password }`): no ':', ',', brackets or quotes inside a value, so
 * the parser reads it without error.
 */
const FLOW_ENTRY = /^([A-Za-z_][A-Za-z0-9_-]*): +([A-Za-z0-9][A-Za-z0-9._/@+-]*)$/;

/** The string a simple scalar stands for, or undefined when it is not one the scanner reads. */
function scalar(text: string): string | undefined {
  const quoted = SINGLE.exec(text) ?? DOUBLE.exec(text);
  if (quoted) return quoted[1]!;
  if (PLAIN.test(text) && !NOT_A_STRING.test(text)) return text;
  return undefined;
}

/** Whether `text` is a simple flow mapping the parser reads without error (distinct keys). */
function simpleFlowMapping(text: string): boolean {
  if (!text.startsWith('{') || !text.endsWith('}')) return false;
  const keys = new Set<string>();
  for (const part of text.slice(1, -1).split(',')) {
    const match = FLOW_ENTRY.exec(part.trim());
    if (!match || keys.has(match[1]!) || NOT_A_STRING.test(match[1]!)) return false;
    keys.add(match[1]!);
  }
  return keys.size > 0;
}

/**
 * What `entry` and `simpleFlowMapping` made of a line, by its text: the history holds the same
 * lines in revision after revision (a promotion changes one), so each is read once. Bounded: a
 * long-running process that reads many histories starts the cache afresh when it is full.
 */
const LINE_CACHE = new Map<string, { key: string; value: string; flow: boolean } | null>();
const LINE_CACHE_LIMIT = 50_000;

/** `entry(line, indent)`, with whether the value is a simple flow mapping, read once per distinct line. */
function cachedEntry(line: string, indent: number): { key: string; value: string; flow: boolean } | undefined {
  let cached = LINE_CACHE.get(line);
  if (cached === undefined) {
    const e = entry(line, indent);
    cached = e ? { ...e, flow: simpleFlowMapping(e.value) } : null;
    if (LINE_CACHE.size >= LINE_CACHE_LIMIT) LINE_CACHE.clear();
    LINE_CACHE.set(line, cached);
  }
  return cached ?? undefined;
}

/** `key: rest` with an optional trailing comment removed, or undefined. */
function entry(line: string, indent: number): { key: string; value: string } | undefined {
  // A key may itself hold one ':' (aws:region); the separator is the ':' followed by a space or the end.
  const match = /^([^\s'"#][^\s'"#]*?):(?:\s+(.*))?$/.exec(line.slice(indent));
  if (!match || !KEY.test(match[1]!)) return undefined;
  let value = (match[2] ?? '').trimEnd();
  const comment = value.search(/(?:^|\s)#/);
  if (comment >= 0) value = value.slice(0, comment).trimEnd();
  return { key: match[1]!, value };
}

/** The images and digests of `text`, or undefined when the text is not in the simple shape. */
export function scanStackImages(text: string, project: string): ScannedImages | undefined {
  // Above the parser's size limit the parser refuses the file: the scanner must not read it either.
  if (text.includes('\t') || text.includes('\r') || Buffer.byteLength(text, 'utf8') > MAX_STACK_FILE_BYTES) return undefined;
  const images: Record<string, string> = {};
  const digests: Record<string, string> = {};
  let inConfig = false;
  /** The open mappings below `config:`: indent, keys seen, and where a `service: value` entry goes. */
  const open: { indent: number; keys: Set<string>; into: Record<string, string> | undefined; lastKey: string | undefined }[] = [];
  let opens = false; // the previous line was `key:` with nothing after it
  for (const line of text.split('\n')) {
    if (/^\s*(?:#.*)?$/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) {
      if (!/^config:\s*(?:#.*)?$/.test(line) || inConfig) return undefined;
      inConfig = true;
      open.length = 0;
      opens = true;
      continue;
    }
    if (!inConfig) return undefined;
    const top = open.at(-1);
    if (top === undefined || indent > top.indent) {
      // Deeper: only right under a `key:` line, at most MAX_STACK_FILE_DEPTH levels.
      if (!opens || open.length >= MAX_STACK_FILE_DEPTH) return undefined;
      const parent = open.at(-1);
      const parentKey = parent?.lastKey;
      const into = open.length === 1 && parentKey === `${project}:${IMAGES_KEY}` ? images : open.length === 1 && parentKey === `${project}:${DIGESTS_KEY}` ? digests : undefined;
      if (open.length === 0 && indent !== 2) return undefined;
      open.push({ indent, keys: new Set(), into, lastKey: undefined });
    } else {
      while (open.length > 0 && open.at(-1)!.indent > indent) open.pop();
      if (open.at(-1)?.indent !== indent) return undefined;
    }
    const level = open.at(-1)!;
    const e = cachedEntry(line, indent);
    if (!e || level.keys.has(e.key) || NOT_A_STRING.test(e.key)) return undefined;
    level.keys.add(e.key);
    level.lastKey = e.key;
    opens = e.value === '';
    if (opens) {
      // The images and digests hold values only; a nested mapping there goes to the parser.
      if (level.into) return undefined;
      continue;
    }
    if (level.into) {
      const value = scalar(e.value);
      if (value === undefined) return undefined;
      level.into[e.key] = value;
    } else if (!PLAIN.test(e.value) && !SINGLE.test(e.value) && !DOUBLE.test(e.value) && !(open.length >= 2 && e.flow)) {
      // Elsewhere any simple value (numbers, booleans too; below the top-level keys also a simple
      // flow mapping, a config secret reference) is read past; anything else goes to the parser.
      return undefined;
    }
  }
  for (const [service, digest] of Object.entries(digests)) if (digest === '') delete digests[service];
  return { images, digests };
}

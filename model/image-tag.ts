import { isImageTag, RULES, showValue } from './names.js';

/**
 * Image tag formats. Every deployed tag is immutable and traceable to a build;
 * `latest` and empty tags can never be expressed.
 */
export class TagFormat {
  /** `sha-<8 hex>`: a build of a commit. */
  public static readonly SHA = new TagFormat('sha', 'sha-<8 hex>', 'sha-1a2b3c4d', /^sha-[0-9a-f]{8}$/);
  /** `<semver>-SNAPSHOT-<7 hex>`: a pre-release build of a version. */
  public static readonly SNAPSHOT = new TagFormat(
    'snapshot',
    '<semver>-SNAPSHOT-<7 hex>',
    '1.2.0-SNAPSHOT-7d2a1b3',
    /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)-SNAPSHOT-[0-9a-f]{7}$/,
  );
  /** `vX.Y.Z`: a release. */
  public static readonly RELEASE = new TagFormat('release', 'vX.Y.Z', 'v1.2.0', /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/);
  /** `vX.Y.Z-rc.N`: a release candidate. */
  public static readonly RELEASE_CANDIDATE = new TagFormat(
    'release-candidate',
    'vX.Y.Z-rc.N',
    'v1.2.0-rc.1',
    /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)-rc\.(0|[1-9]\d*)$/,
  );
  /** `pr-<n>-<7..8 hex>`: a pull-request build, for previews. */
  public static readonly PULL_REQUEST = new TagFormat('pull-request', 'pr-<n>-<7..8 hex>', 'pr-42-1a2b3c4', /^pr-[1-9]\d*-[0-9a-f]{7,8}$/);

  /** Every format known out of the box, in the order error messages list them. */
  public static readonly ALL: readonly TagFormat[] = [
    TagFormat.SHA,
    TagFormat.SNAPSHOT,
    TagFormat.RELEASE,
    TagFormat.RELEASE_CANDIDATE,
    TagFormat.PULL_REQUEST,
  ];

  /** A format of one's own, for platforms with another tagging scheme. */
  public static custom(name: string, description: string, example: string, pattern: RegExp): TagFormat {
    const format = new TagFormat(name, description, example, pattern);
    if (!format.matches(example)) {
      throw new Error(`TagFormat '${name}': example '${example}' does not match pattern ${pattern}`);
    }
    if (!isImageTag(example)) {
      throw new Error(`TagFormat '${name}': example ${showValue(example)} is not an image tag; rule: ${RULES.imageTag}`);
    }
    if (format.matches('latest') || format.matches('')) {
      throw new Error(`TagFormat '${name}': pattern ${pattern} accepts 'latest' or an empty tag; tags must be immutable`);
    }
    return format;
  }

  private constructor(
    public readonly name: string,
    public readonly description: string,
    public readonly example: string,
    private readonly pattern: RegExp,
  ) {}

  public matches(tag: string): boolean {
    return this.pattern.test(tag);
  }
}

/** "sha-<8 hex> (sha-1a2b3c4d), vX.Y.Z (v1.2.0)": for error messages. */
export function describeTagFormats(formats: readonly TagFormat[]): string {
  return formats.map((f) => `${f.description} (e.g. ${f.example})`).join(', ');
}

/**
 * Checks a tag against the allowed formats and returns the format it matches.
 * @throws an Error whose message says why the tag is refused and what is allowed; `where` prefixes it
 */
export function checkImageTag(tag: unknown, where: string, formats: readonly TagFormat[] = TagFormat.ALL): TagFormat {
  const allowed = `allowed formats: ${describeTagFormats(formats)}`;
  if (typeof tag !== 'string' || tag.trim() === '') {
    throw new Error(`${where}: image tag is empty or not a string (${JSON.stringify(tag ?? null)}); ${allowed}`);
  }
  // Whatever the formats allow (a custom pattern may be loose), a registry and kustomize take only this.
  if (!isImageTag(tag)) {
    throw new Error(`${where}: image tag ${showValue(tag)} is not an image tag (${tag.length > 128 ? `${tag.length} characters` : 'refused characters or a leading \'.\' or \'-\''}); rule: ${RULES.imageTag}`);
  }
  if (tag === 'latest') {
    throw new Error(`${where}: image tag 'latest' is refused: tags must be immutable; ${allowed}`);
  }
  const format = formats.find((f) => f.matches(tag));
  if (!format) {
    throw new Error(`${where}: image tag '${tag}' matches no allowed format; ${allowed}`);
  }
  return format;
}

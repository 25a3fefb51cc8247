/**
 * The one image digest format ferry records: `sha256:` and 64 lowercase hex digits. Anything else
 * a registry answers (another algorithm, a path like `sha256:../../etc/passwd`) is refused, since
 * a digest ends up in stack files, commit messages and overlay image references.
 */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: unknown): boolean {
  return typeof value === 'string' && DIGEST_PATTERN.test(value);
}

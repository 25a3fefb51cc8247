/** A git commit id as ferry accepts it on the command line: 7 to 40 lowercase hex digits (an abbreviated or full SHA-1). */
const COMMIT_ID = /^[0-9a-f]{7,40}$/;

/**
 * Whether `text` is a git commit id: 7 to 40 lowercase hex digits. Callers that accept upper
 * case lower it first; the one rule is kept here so `--sha`, `--preview-sha` and `--revision` agree.
 */
export function isCommitId(text: string): boolean {
  return COMMIT_ID.test(text);
}

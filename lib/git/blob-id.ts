import { createHash } from 'node:crypto';

/**
 * Git's id of a blob holding `text`, computed without a git process (what `git hash-object`
 * prints): SHA-1, or SHA-256 in a repository whose ids have 64 digits.
 */
export function gitBlobId(text: string, idLength: number): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash(idLength === 64 ? 'sha256' : 'sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Where `ferry init` may write: a new directory or an empty one, never over someone's files. */
import { existsSync, readdirSync, statSync } from 'node:fs';

/** Entries of a refused directory named in the message; the rest are counted. */
const SHOWN_ENTRIES = 5;

/** The refusal of a directory that is not empty, naming it (as `shown`) and its first entries. */
export function nonEmptyDirectoryMessage(shown: string, entries: readonly string[]): string {
  const sorted = [...entries].sort();
  const first = sorted.slice(0, SHOWN_ENTRIES).join(', ');
  const more = sorted.length > SHOWN_ENTRIES ? ` and ${sorted.length - SHOWN_ENTRIES} more` : '';
  return `${shown}: not empty (${first}${more}); give a new or empty directory`;
}

/**
 * Throws unless `dir` does not exist or is an empty directory.
 * @param shown how to name the directory in the message (as the user gave it)
 */
export function checkTargetDirectory(dir: string, shown: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new Error(`${shown}: exists and is not a directory; give a new or empty directory`);
  const entries = readdirSync(dir);
  if (entries.length > 0) throw new Error(nonEmptyDirectoryMessage(shown, entries));
}

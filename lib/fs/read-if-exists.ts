import { existsSync, readFileSync } from 'node:fs';

/** The text of the file at `path`, or undefined when there is none. */
export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

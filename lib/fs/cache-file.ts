import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a cache file whole under a private name, then renames it into place, so a concurrent
 * reader sees one complete version and concurrent writers never mix their bytes (the last rename
 * wins). A cache is only ever a saving: a file that cannot be written is left as it was, and the
 * caller learns it from the result.
 */
export function writeCacheFile(path: string, content: string): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temporary, content);
    renameSync(temporary, path);
    return true;
  } catch {
    rmSync(temporary, { force: true });
    return false;
  }
}

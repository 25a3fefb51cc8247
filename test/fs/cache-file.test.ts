import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCacheFile } from '../../lib/fs/cache-file.js';

describe('writeCacheFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-cache-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the folders, replaces the file whole and leaves no temporary file', () => {
    const path = join(dir, 'a/b/cache.json');
    expect(writeCacheFile(path, 'first')).toBe(true);
    expect(writeCacheFile(path, 'second')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('second');
    expect(readdirSync(join(dir, 'a/b'))).toEqual(['cache.json']);
  });

  it('reports a file it cannot write, keeping the old one and leaving nothing behind', () => {
    const folder = join(dir, 'caches');
    mkdirSync(folder);
    writeFileSync(join(folder, 'cache.json'), 'old');
    // A folder in place of the file: the rename cannot replace it (root may write anywhere, so no chmod).
    mkdirSync(join(folder, 'taken.json'));
    writeFileSync(join(folder, 'taken.json', 'x'), '');
    expect(writeCacheFile(join(folder, 'taken.json'), 'new')).toBe(false);
    expect(readdirSync(folder).sort()).toEqual(['cache.json', 'taken.json']);
    expect(readFileSync(join(folder, 'cache.json'), 'utf8')).toBe('old');
  });
});

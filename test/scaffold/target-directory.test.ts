import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTargetDirectory, nonEmptyDirectoryMessage } from '../../lib/scaffold/target-directory.js';

test('the refusal names the directory and its first five entries, sorted, and counts the rest', () => {
  expect(nonEmptyDirectoryMessage('acme', ['b', 'a'])).toBe('acme: not empty (a, b); give a new or empty directory');
  expect(nonEmptyDirectoryMessage('./x', ['g', 'f', 'e', 'd', 'c', 'b', 'a'])).toBe('./x: not empty (a, b, c, d, e and 2 more); give a new or empty directory');
});

test('a missing or empty directory is accepted; a non-empty one or a file is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-target-'));
  try {
    expect(() => checkTargetDirectory(join(dir, 'new'), 'new')).not.toThrow();
    mkdirSync(join(dir, 'empty'));
    expect(() => checkTargetDirectory(join(dir, 'empty'), 'empty')).not.toThrow();
    mkdirSync(join(dir, 'full/.git'), { recursive: true });
    writeFileSync(join(dir, 'full/README.md'), '');
    expect(() => checkTargetDirectory(join(dir, 'full'), 'full')).toThrow(new Error('full: not empty (.git, README.md); give a new or empty directory'));
    writeFileSync(join(dir, 'file'), '');
    expect(() => checkTargetDirectory(join(dir, 'file'), 'file')).toThrow(new Error('file: exists and is not a directory; give a new or empty directory'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

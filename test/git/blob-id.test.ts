import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitBlobId } from '../../lib/git/blob-id.js';

test.each(['sha1', 'sha256'])('a blob id is what git hash-object prints in a %s repository, multi-byte text included', (format) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-blob-id-'));
  try {
    execFileSync('git', ['init', '-q', `--object-format=${format}`], { cwd: dir });
    const text = 'config:\n  ferry:images:\n    api: sha-3f9c2a1b # déployé\n';
    writeFileSync(join(dir, 'Pulumi.dev.yaml'), text);
    const id = execFileSync('git', ['hash-object', 'Pulumi.dev.yaml'], { cwd: dir, encoding: 'utf8' }).trim();
    expect(id).toHaveLength(format === 'sha1' ? 40 : 64);
    expect(gitBlobId(text, id.length)).toBe(id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

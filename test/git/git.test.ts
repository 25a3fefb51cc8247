import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCatFileBatch } from '../../lib/git/cat-file.js';
import { isCommitId } from '../../lib/git/commit-id.js';
import { describeArgs, Git, GitError } from '../../lib/git/git.js';
import { useScratchRepo } from './scratch-repo.js';

const repo = useScratchRepo('ferry-git-');
const commit = repo.commit;

describe('Git', () => {
  test('sync and async runs, exit codes, and a file at a ref', async () => {
    expect(repo.git.hasCommits()).toBe(false);
    const first = commit({ 'a.txt': 'héllo\n' }, 'one');
    commit({ 'a.txt': 'two\n' }, 'two');
    expect(repo.git.resolveCommit('HEAD~1')).toBe(first);
    expect(await repo.git.resolveCommitAsync('main~1')).toBe(first);
    expect(repo.git.resolveCommit('no-such-ref')).toBeUndefined();
    expect(repo.git.readFileAt(first, 'a.txt')).toBe('héllo\n');
    expect(repo.git.readFileAt(first, 'missing.txt')).toBeUndefined();
    expect((await repo.git.runAsync(['log', '--format=%s'])).trim()).toBe('two\none');
    expect(repo.git.ok(['rev-parse', '--verify', '--quiet', 'nope'])).toBe(false);
    expect(await repo.git.okAsync(['rev-parse', 'HEAD'])).toBe(true);
    const failed = await repo.git.tryRun(['show', 'nope:x']);
    expect(failed.code).toBe(128);
    expect(failed.stderr).toMatch(/nope/);
    expect(repo.git.hasCommits()).toBe(true);
  });

  test('the asynchronous probe answers as the synchronous one, and what it learns spares later processes', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'ferry-not-git-'));
    try {
      expect(await new Git(outside).isRepositoryAsync()).toBe(false);
      expect(new Git(outside).isRepository()).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    commit({ 'a.txt': 'one\n' }, 'one');
    // A fresh instance for a root probed by no test before (the caches are per root).
    expect(await new Git(repo.root).isRepositoryAsync()).toBe(true);
    // No git process answers these now: git is taken off the PATH.
    const offline = new Git(repo.root, { ...process.env, PATH: '' });
    expect([offline.hasCommits(), offline.gitDir()]).toEqual([true, realpathSync(join(repo.root, '.git'))]);
  });

  test('cat-file reads many objects at once, in order, byte sizes and all', async () => {
    const id = commit({ 'a.txt': 'ünïcode ✓\n', 'empty.txt': '', 'b.txt': 'no newline' }, 'c');
    const specs = [`${id}:a.txt`, `${id}:nope.txt`, `${id}:empty.txt`, `${id}:b.txt`];
    expect(repo.git.catFile(specs)).toEqual(['ünïcode ✓\n', undefined, '', 'no newline']);
    expect(await repo.git.catFileAsync(specs)).toEqual(['ünïcode ✓\n', undefined, '', 'no newline']);
    expect(repo.git.catFile([])).toEqual([]);
  });

  test('an error names the command and git message, never a -c setting or URL credentials', async () => {
    const secret = 'AUTHORIZATION: basic c2VjcmV0LXRva2Vu';
    const args = ['-c', `http.https://github.com/.extraheader=${secret}`, 'push', 'https://user:hunter2@example.invalid/x.git', 'main'];
    let error: unknown;
    try {
      repo.git.run(args);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GitError);
    const message = (error as GitError).message;
    expect(message).toMatch(/^git push https:\/\/\*\*\*@example\.invalid\/x\.git main failed \(exit \d+\)/);
    expect(message).not.toMatch(/basic|c2VjcmV0|hunter2|extraheader/);
    expect((error as GitError).args.join(' ')).not.toMatch(/c2VjcmV0|hunter2/);
    const asyncError = await repo.git.runAsync(args).catch((e: unknown) => e);
    expect((asyncError as Error).message).not.toMatch(/c2VjcmV0|hunter2|extraheader/);
    const outcome = await repo.git.tryRun(args);
    expect(`${outcome.stdout}${outcome.stderr}`).not.toMatch(/c2VjcmV0|hunter2/);
  });

  test('describeArgs drops config settings and masks user info', () => {
    expect(describeArgs(['-c', 'a.b=secret', '-cx.y=z', '--config-env', 'k=ENV', 'fetch', 'https://t:s@h/r', 'main'])).toEqual(['fetch', 'https://***@h/r', 'main']);
  });

  test('a missing working folder is a readable error', () => {
    expect(() => new Git(join(repo.root, 'nope')).run(['status'])).toThrow(/^git status failed \(exit signal\): ENOENT: git is not on PATH, or the working folder does not exist$/);
  });
});

describe('parseCatFileBatch', () => {
  test('cuts objects by byte size and reports missing ones', () => {
    const body = Buffer.from('ä\n', 'utf8'); // 3 bytes
    const out = Buffer.concat([Buffer.from(`abc blob ${body.length}\n`), body, Buffer.from('\nxyz:p missing\n')]);
    const objects = parseCatFileBatch(out);
    expect(objects.map((o) => [o.name, o.type, o.content?.toString('utf8')])).toEqual([
      ['abc', 'blob', 'ä\n'],
      ['xyz:p', 'missing', undefined],
    ]);
    expect(() => parseCatFileBatch(Buffer.from('abc blob 99\nshort\n'))).toThrow('git cat-file --batch: unexpected header "abc blob 99"');
  });
});

describe('isCommitId', () => {
  test('7 to 40 lowercase hex digits', () => {
    expect(['3f9c2a1', '3f9c2a1b7d', 'a'.repeat(40)].every(isCommitId)).toBe(true);
    expect(['3f9c2a', 'a'.repeat(41), '3F9C2A1B', 'g123456', ' 3f9c2a1b'].some(isCommitId)).toBe(false);
  });
});

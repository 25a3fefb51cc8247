/**
 * What `git push --porcelain` said, and whether a failed push is worth retrying. Pushes of many
 * clones to one branch fail in several forms: the client's own check (`[rejected] (fetch first)`,
 * `(non-fast-forward)`, `(stale info)`) when the remote moved before the push, and the server's
 * (`[remote rejected] (failed to update ref)`, `cannot lock ref ...`, `incorrect old value
 * provided`) when two pushes reached receive-pack at once. All of them mean "the remote moved or was
 * busy: look again and retry"; a declined hook, missing permission or unknown remote never do.
 */

/** One ref line of the porcelain output: `<flag>\t<from>:<to>\t<summary>`. */
export interface PushedRef {
  /** ' ' fast-forward, '+' forced, '-' deleted, '*' new, '=' up to date, '!' rejected or failed. */
  readonly flag: string;
  readonly from: string;
  readonly to: string;
  /** e.g. `[rejected] (fetch first)`, `[remote rejected] (failed to update ref)`, `abc..def`. */
  readonly summary: string;
}

/** A push's outcome as far as the output tells. */
export interface PushReport {
  /** Exit code of git push. */
  readonly code: number;
  readonly refs: readonly PushedRef[];
  /** The push failed because the remote moved or a ref was locked by a concurrent push: retry after a fetch. */
  readonly contended: boolean;
  /** The push failed on the way (connection dropped, HTTP 5xx): retry. */
  readonly transient: boolean;
  /** A short description of the failure (the rejected refs, else the last lines of stderr); '' when ok. */
  readonly message: string;
}

/** Reasons (in porcelain summaries or stderr) meaning the remote moved or was busy with another push. */
const CONTENTION = [
  /\[rejected\]/,
  /\(fetch first\)/,
  /non-fast-forward/,
  /\(stale info\)/,
  /failed to update ref/,
  /cannot lock ref/,
  /unable to (?:create|lock) .*\.lock/i,
  /incorrect old value provided/,
  /is at [0-9a-f]{7,} but expected [0-9a-f]{7,}/,
  /Updates were rejected because (?:the remote contains work|the tip of your current branch is behind)/,
];

/** Failures on the way that say nothing about the remote's refs. */
const TRANSIENT = [
  /RPC failed/,
  /the remote end hung up unexpectedly/,
  /early EOF/,
  /Connection (?:reset|timed out|refused)/i,
  /The requested URL returned error: 5\d\d/,
  /HTTP 5\d\d/,
  /Operation timed out/i,
];

/** Rejections that no retry changes (checked before the others: a hook message may quote anything). */
const FINAL = [/hook declined/, /protected branch/i, /permission (?:to .* )?denied/i, /Authentication failed/i, /deny(?:ing)? (?:updating|deletion|non-fast-forwards)/i, /shallow update not allowed/];

/** Parses `git push --porcelain` output (stdout holds the ref lines, stderr the server's and client's messages). */
export function parsePushOutput(code: number, stdout: string, stderr: string): PushReport {
  const refs: PushedRef[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^([ +\-*=!])\t([^\t]*)\t(.*)$/.exec(line);
    if (!match) continue;
    const [from, ...to] = match[2]!.split(':');
    refs.push({ flag: match[1]!, from: from!, to: to.join(':'), summary: match[3]!.trim() });
  }
  if (code === 0 && !refs.some((r) => r.flag === '!')) return { code, refs, contended: false, transient: false, message: '' };
  const failed = refs.filter((r) => r.flag === '!');
  const text = `${failed.map((r) => r.summary).join('\n')}\n${stderr}`;
  const final = FINAL.some((re) => re.test(text));
  const contended = !final && CONTENTION.some((re) => re.test(text));
  const transient = !final && !contended && TRANSIENT.some((re) => re.test(text));
  const message =
    failed.length > 0
      ? failed.map((r) => `${r.to || r.from} ${r.summary}`).join('; ')
      : stderr
        .split('\n')
        .map((l) => l.replace(/^remote:\s*/, '').trim())
        .filter((l) => l && !l.startsWith('hint:'))
        .slice(-2)
        .join(' / ') || `exit ${code}`;
  return { code, refs, contended, transient, message };
}

import { loadPlatform } from '../../lib/loader/load-platform.js';
import { formatHistory, promotionHistory } from '../../lib/promote/promotion-history.js';
import { readVerificationsAsync } from '../../lib/promote/verification-record.js';
import { parseFlags, UsageError, type CliCommand } from '../command.js';

export const historyCommand: CliCommand = {
  name: 'history',
  summary: 'Every tag and config change of a service from git: who, when, from which environment, overrides',
  help: `Usage: ferry history <service> [--env <env>] [--json]

Reads the git history of each Pulumi.<env>.yaml (first-parent, so a merged pull request counts
from its merge) and lists every change of the service's tag, oldest first: promotions and
rollbacks made by ferry (with their Promoted-From, Release-Of and Gate-Overrides trailers) and
hand edits of the stack file alike. Changes of its config values (<project>:config.<service>) are
listed too: CHANGE reads 'config KEY: old -> new' ('(default)' where the file sets none).

Options:
  --env <env>   only this environment
  --json        print a JSON array of entries
`,
  async run(argv, io) {
    const { values, positionals } = parseFlags('history', argv, { env: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (positionals.length !== 1) throw new UsageError("ferry history: name exactly one service; see 'ferry history --help'");
    // git reads the verification records while the platform loads.
    const verifications = readVerificationsAsync(io.cwd, io.env);
    const entries = await promotionHistory(io.cwd, await loadPlatform(io.cwd), positionals[0]!, values.env, io.env, verifications);
    io.out(values.json ? `${JSON.stringify(entries, null, 2)}\n` : `${formatHistory(entries)}\n`);
    return 0;
  },
};

import { loadPlatform } from '../../lib/loader/load-platform.js';
import { deploymentStatus, formatStatus } from '../../lib/promote/deployment-status.js';
import { readVerificationsAsync } from '../../lib/promote/verification-record.js';
import { listNames } from '../../model/names.js';
import { parseFlags, UsageError, type CliCommand } from '../command.js';

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'What runs where: environment x service -> tag, pinned digest, since when, by whom (from git)',
  help: `Usage: ferry status [<service>...] [--json]

For every environment (in promotion order) and service (or only the services named): the tag in Pulumi.<env>.yaml, the pinned
digest if any, and the commit that put the tag there (time and author), read from git history.
A tag changed in the working tree but not committed shows as 'uncommitted'. When a service has
config (<project>:config), CONFIG shows how many keys the stack file sets and the commit that last
changed them. Once a release train reached an environment, a TRAIN column names the train commit
each member came with (checkout@1a2b3c4, '(rollback)' for a train rollback) and 'drifted from <tag>'
when the member runs another tag since.

Options:
  --json   print a JSON array of { environment, service, tag, digest, since, by, commit, uncommitted,
           train?: { name, commit, kind, since, tag, drifted } }
`,
  async run(argv, io) {
    const { values, positionals } = parseFlags('status', argv, { json: { type: 'boolean' } }, true);
    // git reads the verification records while the platform loads.
    const verifications = readVerificationsAsync(io.cwd, io.env);
    const platform = await loadPlatform(io.cwd);
    const unknown = positionals.filter((name) => !platform.services.some((s) => s.name === name));
    if (unknown.length > 0) throw new UsageError(`ferry status: unknown service ${unknown.map((n) => `'${n}'`).join(', ')}; services: ${listNames(platform.services.map((s) => s.name), unknown[0])}`);
    const statuses = await deploymentStatus(io.cwd, platform, io.env, positionals, verifications);
    io.out(values.json ? `${JSON.stringify(statuses, null, 2)}\n` : `${formatStatus(statuses)}\n`);
    return 0;
  },
};

import { parseFlags, UsageError, type CliCommand } from '../command.js';
import { DELIVERY_FLAGS, deliveryHelp, runPromotion } from './promote.js';

export const rollbackCommand: CliCommand = {
  name: 'rollback',
  summary: 'Go back to the tag that ran in an environment before (a promotion recorded as a rollback)',
  help: `Usage: ferry rollback <service...|--train <train>> --env <env> [--to <tag>] [--dry-run] [options]

Writes back, for each service, the tag that ran in <env> before the current one (or --to <tag>,
which must have run there; one service only), in one change, re-renders and prints the diff. It is a promotion whose order and soak gates are satisfied
by the environment's own git history; tag-format, approval, freeze and image still apply. The
commit reads 'chore(rollback): <service> <tag> in <env>' with a Rolled-Back-From trailer; --commit
puts it on the branch rollback/<env>/<service>-<tag>.

Options:
  --env <env>           environment to roll back (required)
  --to <tag>            tag to go back to (default: the one before the current); one service only
  --train <train>       every member of a release train back to its tags before the train's latest
                        promotion to <env> (again: the one before), in one commit
  --dry-run             check everything and print the diff; write nothing

Freeze windows do not stop a rollback unless the window sets appliesToRollbacks: an incident
during a freeze is when a rollback matters most. The commit records the window it passed
(trailer Freeze-Exempt).
${deliveryHelp('rollback')}

Examples:
  ferry rollback api --env prod --commit --pr
  ferry rollback api web --env prod --dry-run
  ferry rollback api --env dev --to sha-1a2b3c4d --direct --push
`,
  async run(argv, io) {
    const { values, positionals } = parseFlags('rollback', argv, { env: { type: 'string' }, to: { type: 'string' }, train: { type: 'string' }, 'dry-run': { type: 'boolean' }, ...DELIVERY_FLAGS }, true);
    if (!values.env) throw new UsageError("ferry rollback: --env <env> is required; see 'ferry rollback --help'");
    if (values.train !== undefined && (positionals.length > 0 || values.to !== undefined)) {
      throw new UsageError(`ferry rollback: --train ${values.train} restores every member's tag from before the train's last promotion; give no service names and no --to`);
    }
    if (positionals.length === 0 && values.train === undefined) throw new UsageError("ferry rollback: name at least one service (or --train <train>); see 'ferry rollback --help'");
    if (positionals.length > 1 && values.to !== undefined) throw new UsageError(`ferry rollback: --to ${values.to} names one tag; roll back ${positionals.join(', ')} one at a time, or leave out --to to take each one's previous tag`);
    return runPromotion(io, {
      kind: 'rollback',
      services: positionals,
      to: values.env,
      tag: values.to,
      train: values.train,
      dryRun: values['dry-run'],
      flags: values,
      command: `rollback ${argv.join(' ')}`,
    });
  },
};

import { parseFlags, UsageError, type CliCommand } from '../command.js';
import { DELIVERY_FLAGS, deliveryHelp, runPromotion } from './promote.js';

export const rollbackCommand: CliCommand = {
  name: 'rollback',
  summary: 'Go back to the tag that ran in an environment before (a promotion recorded as a rollback)',
  help: `Usage: ferry rollback <service> --env <env> [--to <tag>] [options]

Writes back the tag that ran in <env> before the current one (or --to <tag>, which must have run
there), re-renders and prints the diff. It is a promotion whose order and soak gates are satisfied
by the environment's own git history; tag-format, approval, freeze and image still apply. The
commit reads 'chore(rollback): <service> <tag> in <env>' with a Rolled-Back-From trailer; --commit
puts it on the branch rollback/<env>/<service>-<tag>.

Options:
  --env <env>           environment to roll back (required)
  --to <tag>            tag to go back to (default: the one before the current)
${deliveryHelp('rollback')}

Examples:
  ferry rollback api --env prod --commit --pr
  ferry rollback api --env dev --to sha-1a2b3c4d --direct --push
`,
  async run(argv, io) {
    const { values, positionals } = parseFlags('rollback', argv, { env: { type: 'string' }, to: { type: 'string' }, ...DELIVERY_FLAGS }, true);
    if (!values.env) throw new UsageError("ferry rollback: --env <env> is required; see 'ferry rollback --help'");
    if (positionals.length !== 1) throw new UsageError("ferry rollback: name exactly one service; see 'ferry rollback --help'");
    return runPromotion(io, {
      kind: 'rollback',
      services: positionals,
      to: values.env,
      tag: values.to,
      flags: values,
      command: `rollback ${argv.join(' ')}`,
    });
  },
};

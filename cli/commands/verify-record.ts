import { loadPlatform } from '../../lib/loader/load-platform.js';
import { recordVerification } from '../../lib/promote/record-verification.js';
import { VerificationError } from '../../lib/promote/verification-record.js';
import { LockedError } from '../../lib/promote/lock.js';
import { isVerificationResult, VERIFICATION_RESULTS } from '../../model/verification.js';
import { parseFlags, UsageError, type CliIO } from '../command.js';

/** Usage of `ferry verify record`, part of `ferry verify --help`. */
export const VERIFY_RECORD_HELP = `       ferry verify record --env <env> --service <service> --result healthy|degraded|aborted
                           [--tag <tag>] [--revision <git sha>] [--detail <text>] [--push] [--remote origin]

'record' writes what the cluster reported into git: an empty commit
'chore(verify): <service> <tag> in <env> <result>' on the current branch with the trailers
Verified-Environment, Verified-Service, Verified-Tag, Verification (the result), Verified-Revision
and Verification-Detail. 'ferry status' and 'ferry history' show it; the 'verified' gate of an
environment with requiresVerification reads it. The tag is the one Pulumi.<env>.yaml names at
--revision (a --tag that differs is refused), else --tag; it must have run in the environment.
The same latest record of a tag (result and revision) is not made twice. --push pushes it,
fetching and recording again when the remote moved (FERRY_PUSH_ATTEMPTS, FERRY_PUSH_TIMEOUT_MS).
Exit codes: 0 recorded (or already there), 1 refused or not pushed, 2 wrong usage.`;

/** `ferry verify record ...`: records a verification in git. */
export async function runVerifyRecord(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseFlags('verify record', argv, {
    env: { type: 'string' },
    service: { type: 'string' },
    tag: { type: 'string' },
    revision: { type: 'string' },
    result: { type: 'string' },
    detail: { type: 'string' },
    push: { type: 'boolean' },
    remote: { type: 'string' },
  });
  for (const flag of ['env', 'service', 'result'] as const) {
    if (values[flag] === undefined) throw new UsageError(`ferry verify record: --${flag} is required; see 'ferry verify --help'`);
  }
  if (!isVerificationResult(values.result)) {
    throw new UsageError(`ferry verify record: --result ${JSON.stringify(values.result)} is not allowed; allowed: ${VERIFICATION_RESULTS.join(', ')}`);
  }
  const platform = await loadPlatform(io.cwd);
  try {
    platform.environment(values.env!);
    platform.service(values.service!);
  } catch (e) {
    throw new UsageError(`ferry verify record: ${(e as Error).message}`);
  }
  try {
    const result = await recordVerification(
      io.cwd,
      platform,
      { environment: values.env!, service: values.service!, tag: values.tag, revision: values.revision, result: values.result, detail: values.detail },
      { push: values.push, remote: values.remote, env: io.env, log: (line) => io.err(line) },
    );
    const v = result.verification;
    const what = `${v.service} ${v.tag} in ${v.environment} ${v.result}`;
    if (!result.recorded) io.out(`${what}: already recorded in ${result.commit.slice(0, 12)}; nothing new\n`);
    else io.out(`${what}: recorded in ${result.commit.slice(0, 12)}${result.pushed ? `, pushed (${result.attempts} attempt${result.attempts === 1 ? '' : 's'})` : ''}\n`);
    return 0;
  } catch (e) {
    if (e instanceof VerificationError || e instanceof LockedError) {
      io.err(`ferry verify record: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

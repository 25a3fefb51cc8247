import { ArgoCdClient, checkArgoCdUrl } from '../../lib/verify/argocd.js';
import { changedDeployments } from '../../lib/verify/changes.js';
import { FatalApiError, parseDuration, SYSTEM_CLOCK, waitForApplication, type Clock } from '../../lib/verify/verify.js';
import { loadPlatform } from '../../lib/loader/load-platform.js';
import { isCommitId } from '../../lib/git/commit-id.js';
import { parseFlags, UsageError, type CliCommand, type CliIO } from '../command.js';
import { runVerifyRecord, VERIFY_RECORD_HELP } from './verify-record.js';

/** Exit codes of `ferry verify`, as its help documents them. */
export const VERIFY_EXIT = { healthy: 0, failed: 1, usage: 2, timeout: 3, api: 4 } as const;

export const DEFAULT_VERIFY_TIMEOUT = '10m';
export const DEFAULT_VERIFY_INTERVAL = '10s';

/** Tests replace the clock to run the polling loop without waiting. */
export const verifyRuntime: { clock: Clock } = { clock: SYSTEM_CLOCK };

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'Wait for the Argo CD Application <service>-<env> to be Synced and Healthy (exit 1 on Degraded, 3 on timeout); `verify record` writes the result to git',
  help: `Usage: ferry verify <service> --env <env> [--argocd-url URL] [--timeout ${DEFAULT_VERIFY_TIMEOUT}] [--interval ${DEFAULT_VERIFY_INTERVAL}] [--revision <git sha>]
       ferry verify --changed-since <git ref>
${VERIFY_RECORD_HELP}

Polls GET <argocd-url>/api/v1/applications/<service>-<env> (the first time with ?refresh=normal)
until the Application is Synced and Healthy, no sync operation runs and every Argo Rollout in it
is Healthy (a blue-green Rollout paused for promotion is Suspended: still waiting). The token is
read from the environment variable ARGOCD_AUTH_TOKEN (an Argo CD account token with
'applications, get'); the URL from --argocd-url or ARGOCD_URL. Plain http is refused except to
loopback (a port-forward) unless FERRY_ARGOCD_INSECURE=true. Progress goes to stderr.

Options:
  --env <env>              environment of the platform (the Application is <service>-<env>)
  --argocd-url <url>       Argo CD server, e.g. https://argocd.example.com (default: $ARGOCD_URL)
  --timeout <duration>     give up after this long (default ${DEFAULT_VERIFY_TIMEOUT}); units ms, s, m, h, e.g. 1m30s
  --interval <duration>    pause between polls (default ${DEFAULT_VERIFY_INTERVAL})
  --revision <git sha>     only judge once Argo CD has synced this commit (status.sync.revision)
  --changed-since <ref>    print, as JSON for a job matrix, the deployments whose tag or digest
                           changed between <ref> and the working tree, and exit 0 (no polling)

Exit codes:
  0  Synced and Healthy, rollout finished
  1  failed: the Application or a Rollout is Degraded (an aborted Rollout is), or the sync failed
  2  wrong usage: unknown flag, service or environment, no URL or token
  3  timeout: not Synced and Healthy within --timeout (nothing is known to have failed)
  4  Argo CD refused the request: 401 (token), 403 (permissions) or 404 (no such Application)
`,
  async run(argv, io) {
    if (argv[0] === 'record') return runVerifyRecord(argv.slice(1), io);
    const { values, positionals } = parseFlags(
      'verify',
      argv,
      {
        env: { type: 'string' },
        'argocd-url': { type: 'string' },
        timeout: { type: 'string', default: DEFAULT_VERIFY_TIMEOUT },
        interval: { type: 'string', default: DEFAULT_VERIFY_INTERVAL },
        revision: { type: 'string' },
        'changed-since': { type: 'string' },
      },
      true,
    );
    const platform = await loadPlatform(io.cwd);
    if (values['changed-since'] !== undefined) {
      if (positionals.length > 0 || values.env !== undefined) {
        throw new UsageError('ferry verify: --changed-since lists changed deployments; give it without <service> or --env');
      }
      io.out(`${JSON.stringify(changedDeployments(io.cwd, platform, values['changed-since']))}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`ferry verify: expected one <service>, got ${positionals.length}; see 'ferry verify --help'`);
    const service = positionals[0]!;
    if (values.env === undefined) throw new UsageError("ferry verify: --env <env> is required; see 'ferry verify --help'");
    const usage = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        throw new UsageError(`ferry verify: ${(e as Error).message}`);
      }
    };
    usage(() => platform.service(service));
    const env = usage(() => platform.environment(values.env!));
    const timeoutMs = usage(() => parseDuration(values.timeout!, '--timeout'));
    const intervalMs = usage(() => parseDuration(values.interval!, '--interval'));
    if (values.revision !== undefined && !isCommitId(values.revision)) {
      throw new UsageError(`ferry verify: --revision ${JSON.stringify(values.revision)} is not a git commit id (7 to 40 lowercase hex digits)`);
    }
    const rawUrl = values['argocd-url'] ?? io.env.ARGOCD_URL;
    if (!rawUrl) throw new UsageError(`ferry verify: no Argo CD URL; pass --argocd-url or set ARGOCD_URL (environment '${env.name}' runs on cluster '${env.cluster}')`);
    const allowInsecure = io.env.FERRY_ARGOCD_INSECURE === 'true';
    const url = usage(() => checkArgoCdUrl(rawUrl, values['argocd-url'] !== undefined ? '--argocd-url' : 'ARGOCD_URL', allowInsecure));
    const token = io.env.ARGOCD_AUTH_TOKEN;
    if (!token) throw new UsageError('ferry verify: ARGOCD_AUTH_TOKEN is not set; give it an Argo CD API token with applications, get');
    // One hanging request must not outlast --timeout by the default 30 s.
    const client = new ArgoCdClient({ url, token, allowInsecure, requestTimeoutMs: Math.min(30_000, timeoutMs) });
    return verify(io, client, `${service}-${env.name}`, timeoutMs, intervalMs, values.revision);
  },
};

async function verify(io: CliIO, client: ArgoCdClient, application: string, timeoutMs: number, intervalMs: number, revision?: string): Promise<number> {
  let first = true;
  try {
    const result = await waitForApplication({
      fetchStatus: () => {
        const refresh = first;
        first = false;
        return client.application(application, refresh);
      },
      timeoutMs,
      intervalMs,
      revision,
      clock: verifyRuntime.clock,
      onProgress: (elapsed, line) => io.err(`[${seconds(elapsed).padStart(4)}] ${application}: ${line}\n`),
    });
    const took = seconds(result.elapsedMs);
    if (result.outcome === 'healthy') {
      io.out(`${application}: ${result.reason} (after ${took}, ${result.polls} polls)\n`);
      return VERIFY_EXIT.healthy;
    }
    if (result.outcome === 'failed') {
      io.err(`ferry verify: ${application} failed: ${result.reason}\n`);
      return VERIFY_EXIT.failed;
    }
    io.err(`ferry verify: ${application} timed out: ${result.reason}\n`);
    return VERIFY_EXIT.timeout;
  } catch (e) {
    if (e instanceof FatalApiError) {
      io.err(`ferry verify: ${e.message}\n`);
      return VERIFY_EXIT.api;
    }
    throw e;
  }
}

/** Elapsed time as whole seconds, '75s'. */
function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

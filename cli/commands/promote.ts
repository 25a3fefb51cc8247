import { Git } from '../../lib/git/git.js';
import { loadPlatform } from '../../lib/loader/load-platform.js';
import { deliverPromotion } from '../../lib/promote/deliver.js';
import type { Delivery } from '../../model/gate.js';
import { LockedError } from '../../lib/promote/lock.js';
import { promotionReport } from '../../lib/promote/promotion-report.js';
import { PromotionError, PromotionRefused, type ImageRegistry, type PromotionRequest } from '../../lib/promote/promotion.js';
import type { Platform } from '../../model/platform.js';
import { OciImageRegistry } from '../../lib/registry/oci-image-registry.js';
import { STANDARD_GATES } from '../../lib/promote/standard-gates.js';
import { parseConfigSelection } from '../../lib/promote/config-promotion.js';
import { parseFlags, UsageError, type CliCommand, type CliIO } from '../command.js';

/** Flags shared by promote and rollback. */
export const DELIVERY_FLAGS = {
  commit: { type: 'boolean' },
  direct: { type: 'boolean' },
  push: { type: 'boolean' },
  pr: { type: 'boolean' },
  remote: { type: 'string' },
  'pin-digest': { type: 'boolean' },
  override: { type: 'string', multiple: true },
  reason: { type: 'string' },
  'registry-url': { type: 'string' },
} as const;

/** The delivery options' help; `kind` names the branch prefix (promote/... or rollback/...). */
export function deliveryHelp(kind: 'promote' | 'rollback'): string {
  return `  --commit              commit on a new branch ${kind}/<env>/<service>-<tag> (the checkout stays
                        on its branch)
  --direct              commit on the current branch instead (promote-dev); refused by the
                        'approval' gate for environments that require review on the default branch
  --push                push the commit; with --direct, when the push is rejected (the remote moved
                        or was locked by another push), fetch, reset to it, promote again and retry
                        with jittered backoff (12 attempts within 120 s: FERRY_PUSH_ATTEMPTS,
                        FERRY_PUSH_TIMEOUT_MS); a commit that was not pushed is undone, exit 1
  --pr                  push the branch and open a pull request with the review checklist
                        (needs GITHUB_TOKEN; GITHUB_API_URL overrides https://api.github.com,
                        GITHUB_REPOSITORY the owner/repo taken from the platform's repoURL)
  --remote <name>       remote to push to (default origin)
  --pin-digest          also write <project>:digests.<service>, so the overlay pins the digest
  --override <gate>     let the promotion pass a refusing gate (repeatable); needs --reason;
                        recorded in the commit trailer Gate-Overrides
  --reason "..."        why the gates are overridden
  --registry-url <url>  registry endpoint instead of https://<platform registry> (also
                        FERRY_REGISTRY_URL); credentials: FERRY_REGISTRY_USERNAME/PASSWORD,
                        else an ECR token (aws ecr get-login-password) for ECR hosts, else anonymous`;
}

/** The standard gates with their own descriptions, as `promote --help` lists them. */
function gatesHelp(): string {
  const width = Math.max(...STANDARD_GATES.map((g) => g.name.length));
  return STANDARD_GATES.map((g) => `  ${g.name.padEnd(width)}  ${g.description}`).join('\n');
}

export const promoteCommand: CliCommand = {
  name: 'promote',
  summary: 'Promote image tags to an environment through the gates (order, soak, approval, freeze, ...)',
  help: `Usage: ferry promote <service...|--all|--train <train>> --to <env> [--to <env>...] [--tag <tag> | --from <env>] [options]

Writes the tag into Pulumi.<env>.yaml (only that line changes), re-renders the overlay and prints
the diff. Every gate and the registry are checked before anything is written; a failure leaves the
working tree as it was. One promotion at a time per checkout (lock in .git/ferry-promote.lock).

Default tag: the one running now in the upstream environment of the promotion graph (ferry graph).
An environment with several upstreams takes the tag they all run; when they run different tags
the promotion is refused naming them: pick one with --from, or give --tag. Several --to (or a
glob, quoted: --to 'prod-*') promote every target in one commit, each from its own upstreams,
when every one is allowed; otherwise nothing is written and the refusals name the target.

Gates (per environment in platform/platform.ts; override with --override <gate> --reason "..."):
${gatesHelp()}

Options:
  --to <env>            environment to promote to (required; repeatable; globs like 'prod-*')
  --tag <tag>           tag to promote instead of the upstream's
  --from <env>          upstream to take the tag from (one of the target's upstreams)
  --all                 every service
  --train <train>       every member of a release train (platform releaseTrains), in one commit
                        with a Release-Train trailer; refused as a whole when one member is refused
  --release vX.Y.Z      re-tag the source image as vX.Y.Z in the registry (same digest, no rebuild)
                        and promote vX.Y.Z
  --config all|KEY,KEY  move config values (ferry:config.<service>) from the upstream: every key not
                        declared environmentSpecific, or the named ones; alone (only the gates that
                        apply to config run: approval, freeze) or with the image given --image
  --image               with --config: move the image too, in the same commit (implied by --tag
                        and --release)
  --chart               promote the chart version of chart services (ferry:charts.<service>.version)
                        instead of the image tag; gates: all but tag-format, image, verified (docs/helm.md)
  --chart-version <v>   the chart version to promote instead of the upstream's (implies --chart)
  --dry-run             check everything and print the diff; write nothing
  --waves <waves>       promote region by region instead of --to: ',' between waves, '+' between the
                        environments of one wave (globs allowed), e.g. 'prod-us,prod-eu+prod-asia';
                        each run promotes the first wave not running the tags yet (one commit), once
                        every earlier wave runs them and the previous wave has run them for --soak
  --soak <duration>     how long the previous wave must have run the tags: 2h, 30m, 1h30m (default 0)
${deliveryHelp('promote')}

Environment: FERRY_NOW (ISO time) sets the clock of the soak and freeze gates, for rehearsals and tests.

Examples:
  ferry promote api --to stage
  ferry promote api web --to prod --commit --pr
  ferry promote api --to 'prod-*' --commit --pr
  ferry promote api --to prod --from ab-test-a
  ferry promote --train checkout --to stage --commit
  ferry promote api --waves 'prod-us,prod-eu+prod-asia' --soak 2h --commit --pr
  ferry promote api --to prod --release v1.2.0 --pin-digest --commit
  ferry promote api --to dev --tag sha-1a2b3c4d --direct --push
  ferry promote api --to prod --override soak --reason "hotfix INC-42" --commit
  ferry promote api --to stage --config CHECKOUT_V2 --commit
  ferry promote api --to prod --config all --image --commit --pr
  ferry promote catalog --to stage --chart --commit
`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      'promote',
      argv,
      {
        to: { type: 'string', multiple: true },
        tag: { type: 'string' },
        from: { type: 'string' },
        all: { type: 'boolean' },
        release: { type: 'string' },
        chart: { type: 'boolean' },
        'chart-version': { type: 'string' },
        'dry-run': { type: 'boolean' },
        config: { type: 'string' },
        image: { type: 'boolean' },
        train: { type: 'string' },
        waves: { type: 'string' },
        soak: { type: 'string' },
        ...DELIVERY_FLAGS,
      },
      true,
    );
    if (values.waves !== undefined && values.to !== undefined) throw new UsageError('ferry promote: --waves names the target environments; give either --waves or --to, not both');
    if (values.soak !== undefined && values.waves === undefined) throw new UsageError('ferry promote: --soak is the soak between waves; it needs --waves');
    if (values.train !== undefined && (positionals.length > 0 || values.all)) throw new UsageError(`ferry promote: --train ${values.train} promotes the train's members; give no service names and no --all`);
    if ((!values.to || values.to.length === 0) && values.waves === undefined) throw new UsageError("ferry promote: --to <env> is required; see 'ferry promote --help'");
    if (values.tag !== undefined && values.from !== undefined) throw new UsageError('ferry promote: give either --tag or --from, not both');
    if (values.all && positionals.length > 0) throw new UsageError('ferry promote: give either service names or --all, not both');
    if (values.release !== undefined && values.tag !== undefined) throw new UsageError('ferry promote: --release re-tags the source environment\'s image; use --from, not --tag');
    if (values.image && values.config === undefined) throw new UsageError('ferry promote: --image goes with --config (without --config the image is what moves)');
    let config;
    try {
      config = values.config === undefined ? undefined : parseConfigSelection(values.config);
    } catch (e) {
      throw new UsageError(`ferry promote: ${(e as Error).message}`);
    }
    if (config !== undefined && values['pin-digest'] && !values.image) throw new UsageError('ferry promote: --pin-digest pins the image; with --config add --image');
    return runPromotion(io, {
      config,
      image: config === undefined ? undefined : values.image === true || values.tag !== undefined || values.release !== undefined,
      kind: 'promotion',
      services: positionals,
      all: values.all,
      to: values.to === undefined ? [] : values.to.length === 1 ? values.to[0]! : values.to,
      tag: values.tag,
      from: values.from,
      release: values.release,
      train: values.train,
      waves: values.waves === undefined ? undefined : { text: values.waves, soak: values.soak },
      chart: values.chart || values['chart-version'] !== undefined,
      chartVersion: values['chart-version'],
      dryRun: values['dry-run'],
      flags: values,
      command: `promote ${argv.join(' ')}`,
    });
  },
};

/** Parsed flags common to promote and rollback. */
export interface DeliveryFlags {
  readonly commit?: boolean;
  readonly direct?: boolean;
  readonly push?: boolean;
  readonly pr?: boolean;
  readonly remote?: string;
  readonly 'pin-digest'?: boolean;
  readonly override?: string[];
  readonly reason?: string;
  readonly 'registry-url'?: string;
}

/** Runs a promotion or rollback for the CLI: builds the request, delivers, prints. */
export async function runPromotion(
  io: CliIO,
  args: Omit<PromotionRequest, 'delivery' | 'overrides' | 'reason' | 'pinDigest' | 'now'> & { dryRun?: boolean; flags: DeliveryFlags; waves?: { text: string; soak?: string } },
): Promise<number> {
  const { flags } = args;
  const command = args.kind === 'rollback' ? 'rollback' : 'promote';
  // A service given after `--` (as the workflows pass it) is never read as an option; one that
  // looks like an option is refused rather than taken as a service name or silently as --all.
  for (const service of args.services ?? []) {
    if (service.startsWith('-')) {
      throw new UsageError(`ferry ${command}: service ${JSON.stringify(service)} starts with '-'; service names are DNS labels (use --all for every service, and put service names after the options or after '--')`);
    }
  }
  if (flags.commit && flags.direct) throw new UsageError(`ferry ${args.kind === 'rollback' ? 'rollback' : 'promote'}: give either --commit (new branch) or --direct (current branch), not both`);
  const delivery: Delivery = flags.direct ? 'direct' : flags.commit || flags.push || flags.pr ? 'branch' : 'working-tree';
  const now = io.env.FERRY_NOW ? new Date(io.env.FERRY_NOW) : undefined;
  if (now && Number.isNaN(now.getTime())) throw new UsageError(`FERRY_NOW '${io.env.FERRY_NOW}' is not an ISO time like 2026-01-02T15:04:05Z`);
  // git answers whether this is a repository (and where its .git is) while the platform loads;
  // the promotion's own checks then find the answer instead of waiting for a git process.
  const probe = new Git(io.cwd, io.env).isRepositoryAsync();
  const platform = await loadPlatform(io.cwd);
  await probe;
  const registry = OciImageRegistry.forPlatform(platform, { url: flags['registry-url'], env: io.env });
  let request: PromotionRequest = {
    kind: args.kind,
    services: args.services,
    all: args.all,
    to: args.to,
    tag: args.tag,
    from: args.from,
    release: args.release,
    train: args.train,
    chart: args.chart,
    chartVersion: args.chartVersion,
    pinDigest: flags['pin-digest'],
    delivery,
    overrides: flags.override,
    reason: flags.reason,
    now,
    command: args.command,
    config: args.config,
    image: args.image,
  };
  try {
    if (args.waves) {
      const wave = await waveOf(io, platform, request, registry, args.waves);
      if (wave === undefined) return 0;
      request = { ...request, to: wave };
    }
    if (args.dryRun) {
      if (flags.commit || flags.direct || flags.push || flags.pr) throw new UsageError('--dry-run writes nothing; it cannot be combined with --commit, --direct, --push or --pr');
      const { planFiles, planPromotion } = await import('../../lib/promote/promotion.js');
      const plan = await planPromotion(io.cwd, platform, request, registry, { env: io.env });
      const files = planFiles(plan);
      io.out(promotionReport({ plan, files, commit: undefined, branch: undefined, pushed: false, attempts: 1 }, { dryRun: true }));
      return 0;
    }
    const result = await deliverPromotion(io.cwd, platform, request, registry, {
      push: flags.push,
      pr: flags.pr,
      remote: flags.remote,
      env: io.env,
      log: (line) => io.err(line),
    });
    io.out(promotionReport(result));
    return 0;
  } catch (e) {
    if (e instanceof PromotionRefused || e instanceof PromotionError || e instanceof LockedError) {
      io.err(`ferry ${args.kind === 'rollback' ? 'rollback' : 'promote'}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** For `--waves`: the environments of the wave this run promotes (printed), or undefined when every wave runs the tags. */
async function waveOf(io: CliIO, platform: Platform, request: PromotionRequest, registry: ImageRegistry, waves: { text: string; soak?: string }): Promise<readonly string[] | undefined> {
  const { chooseWave, parseSoak, parseWaves } = await import('../../lib/promote/waves.js');
  let parsed;
  let soakHours;
  try {
    parsed = parseWaves(platform, waves.text);
    soakHours = parseSoak(waves.soak ?? '0');
  } catch (e) {
    throw new UsageError(`ferry promote: ${(e as Error).message}`);
  }
  const choice = await chooseWave(io.cwd, platform, request, registry, parsed, soakHours, io.env);
  if ('done' in choice) {
    io.out(`${choice.done}\n`);
    return undefined;
  }
  io.out(`${choice.text}\n`);
  return choice.to;
}

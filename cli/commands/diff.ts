import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { computeDiff } from '../../lib/diff/compute-diff.js';
import { Git } from '../../lib/git/git.js';
import { formatJson } from '../../lib/diff/format-json.js';
import { formatMarkdown } from '../../lib/diff/format-markdown.js';
import { formatTerminal } from '../../lib/diff/format-terminal.js';
import type { PreviewRequest } from '../../lib/diff/preview.js';
import { hasChanges, type DiffReport } from '../../lib/diff/report.js';
import { loadPlatform } from '../../lib/loader/load-platform.js';
import { parseFlags, parseHosts, UsageError, type CliCommand } from '../command.js';
import { buildCacheEnabled, KUSTOMIZE_CACHE_ENV, NO_CACHE_FLAG } from '../kustomize-cache-flag.js';

const FORMATS = ['terminal', 'markdown', 'json'] as const;
type Format = (typeof FORMATS)[number];

export const diffCommand: CliCommand = {
  name: 'diff',
  summary: 'Show what each environment receives: base revision vs working tree, object by object after kustomize',
  help: `Usage: ferry diff [--base <git-ref>] [--format terminal|markdown|json] [--exit-code]
                  [--output <file>] [--output-url <url>] [--expand]
                  [--preview <pr-number> [--preview-sha <sha>] [--labels <a,b,...>]
                   [--preview-branch <name>] [--preview-target-branch <name>]
                   [--preview-service <service>]]
                  [--allow-remote <host,...>] [--no-cache] [--full]

Renders the base revision and the working tree, builds every overlay whose inputs differ with
kubectl kustomize on both sides, and compares the objects by kind/namespace/name, grouped by
environment and Argo CD Application (<service>-<env>); manifests/argocd/<cluster>/ objects are
grouped under "argocd". On top: one summary line per environment and the risk flags.

Options:
  --base <ref>        base revision (default: merge base of HEAD with origin/HEAD, origin/main or main)
  --format <f>        terminal (default; coloured on a terminal), markdown (a pull-request comment,
                      capped below GitHub's 65,536-character limit) or json
  --exit-code         exit 1 when anything differs (default: exit 0 either way)
  --output <file>     also write the full, uncapped diff in the chosen format to <file>
  --output-url <url>  where readers find the --output file (named in the markdown truncation note)
  --expand            terminal: show added and removed objects whole
  --preview <n>       also show what platform pull request <n>'s preview-<n> environment will
                      contain, as the preview ApplicationSet generates it (the working tree's
                      manifests, the first environment's images, namespace preview-<n>)
  --preview-sha <sha> head commit of the pull request (default: HEAD)
  --labels <list>     the pull request's labels, comma-separated: with --preview, show the preview
                      only when they include the platform's preview label
  --preview-branch <name>, --preview-target-branch <name>
                      the pull request's head and base branches, the generator's branch and
                      target_branch (default: $GITHUB_HEAD_REF and $GITHUB_BASE_REF, else empty)
  --allow-remote <hosts> comma-separated hosts whose remote resources (URLs, git references, Helm
                      chart repositories) kustomizations may reference; any other is refused
  --preview-service <service>
                      instead, pull request <n> of the service's sourceRepository: preview-<service>-<n>
                      with the service at pr-<n>-<sha8> (--preview-sha is then required)
  --no-cache          build every overlay; neither read nor write the kustomize build cache
                      (<git dir>/ferry/kustomize-builds/, which also serves validate; also
                      ${KUSTOMIZE_CACHE_ENV}=0)
  --full              render every folder on both sides even when only image tags or digests
                      moved (by default such a change renders only its services; the report is
                      the same)
`,
  async run(argv, io) {
    const { values } = parseFlags('diff', argv, {
      base: { type: 'string' },
      format: { type: 'string' },
      'exit-code': { type: 'boolean' },
      output: { type: 'string' },
      'output-url': { type: 'string' },
      expand: { type: 'boolean' },
      preview: { type: 'string' },
      'preview-sha': { type: 'string' },
      labels: { type: 'string' },
      'preview-branch': { type: 'string' },
      'preview-target-branch': { type: 'string' },
      'allow-remote': { type: 'string' },
      'preview-service': { type: 'string' },
      ...NO_CACHE_FLAG,
      full: { type: 'boolean' },
    });
    const buildCache = buildCacheEnabled('diff', values['no-cache'], io.env);
    const format = (values.format ?? 'terminal') as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`ferry diff: --format '${values.format}' is not one of ${FORMATS.join(', ')}`);
    for (const flag of ['preview-sha', 'labels', 'preview-branch', 'preview-target-branch', 'preview-service'] as const) {
      if (values[flag] !== undefined && values.preview === undefined) throw new UsageError(`ferry diff: --${flag} needs --preview <pr-number>`);
    }

    let preview: PreviewRequest | undefined;
    const notes: string[] = [];
    if (values.preview !== undefined) {
      if (!/^[1-9]\d*$/.test(values.preview)) throw new UsageError(`ferry diff: --preview '${values.preview}' is not a pull-request number`);
      const platform = await loadPlatform(io.cwd);
      const service = values['preview-service'];
      if (service !== undefined) {
        if (platform.service(service).sourceRepository === undefined) throw new UsageError(`ferry diff: --preview-service '${service}' has no 'sourceRepository', so its pull requests get no preview`);
        if (values['preview-sha'] === undefined) throw new UsageError(`ferry diff: --preview-service needs --preview-sha <head commit of the pull request in ${platform.service(service).sourceRepository}>`);
      }
      const label = platform.previews?.label;
      const labels = values.labels?.split(',').map((l) => l.trim()).filter(Boolean);
      if (!label) {
        // The workflow always passes --preview with --labels; a platform without previews just says so.
        if (!labels) throw new UsageError("ferry diff: --preview: the platform has no previews; set 'previews' in platform/platform.ts");
        notes.push(`preview-${values.preview} is not shown: the platform has no previews.`);
      } else if (labels && !labels.includes(label)) {
        notes.push(`preview-${values.preview} is not shown: the pull request lacks the '${label}' label.`);
      } else {
        preview = {
          number: Number(values.preview),
          headSha: values['preview-sha'] ?? new Git(io.cwd).run(['rev-parse', 'HEAD']).trim(),
          branch: values['preview-branch'] ?? io.env.GITHUB_HEAD_REF ?? '',
          targetBranch: values['preview-target-branch'] ?? io.env.GITHUB_BASE_REF ?? '',
          // The generator only yields pull requests carrying the preview label.
          labels: labels ?? [label],
          ...(service !== undefined ? { service } : {}),
        };
      }
    }

    const kustomize = { allowedRemoteHosts: parseHosts(values['allow-remote']) };
    const computed = await computeDiff({ root: io.cwd, base: values.base, preview, kustomize, buildCache, full: values.full });
    const report: DiffReport = { ...computed, notes: [...computed.notes, ...notes] };
    const output = values.output === undefined ? undefined : resolve(io.cwd, values.output);
    const color = format === 'terminal' && io.isTTY && !io.env.NO_COLOR;
    const text = (full: boolean) => {
      if (format === 'json') return formatJson(report);
      if (format === 'markdown') {
        return formatMarkdown(report, full ? { limit: Infinity } : { fullDiffFile: values.output, fullDiffUrl: values['output-url'] });
      }
      return formatTerminal(report, { color: full ? false : color, expand: full || values.expand });
    };
    if (output) writeFileSync(output, text(true));
    io.out(text(false));
    return values['exit-code'] && hasChanges(report) ? 1 : 0;
  },
};

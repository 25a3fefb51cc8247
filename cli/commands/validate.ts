import { verifyRenderedTree } from '../../lib/render/verify-tree.js';
import { parseFlags, parseHosts, type CliCommand } from '../command.js';
import { buildCacheEnabled, KUSTOMIZE_CACHE_ENV, NO_CACHE_FLAG } from '../kustomize-cache-flag.js';

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'Build every overlay with kubectl kustomize and check each object against the schemas and secure defaults',
  help: `Usage: ferry validate [--allow-remote <host,...>] [--no-cache]

Builds every manifests/overlays/<env>/<service> with \`kubectl kustomize\` and validates each
object it yields, and every object under manifests/argocd/, against the real OpenAPI schemas of
Kubernetes, Argo CD and Argo Rollouts. Also checks the secure defaults every workload must keep:
explicit immutable image tags, non-root, read-only root filesystem, no privilege escalation,
capabilities dropped, probes, requests and limits, no service-account token.

Helm-chart services: their Applications are checked against the Argo CD schema, and every
$values/... value file must be in the tree and be a YAML mapping (and every values file under
manifests/helm/ must have its Application). The charts themselves are templated by the cluster's
Argo CD, never here: their objects are not built or checked (docs/helm.md).

Kustomizations that reference remote resources (URLs, git references, Helm chart repositories)
are refused before anything is built, unless --allow-remote names their hosts.

Inside a git work tree each built overlay is kept in <git dir>/ferry/kustomize-builds/ (at most
64 MiB) and reused while every file it reads is unchanged; an overlay whose inputs cannot be known
for sure (remote references, helmCharts, paths leaving its folders) is built every time.

Options:
  --allow-remote <hosts>  comma-separated hosts whose remote resources kustomize may fetch
  --no-cache              build every overlay; neither read nor write the build cache
                          (also ${KUSTOMIZE_CACHE_ENV}=0)

Exit codes: 0 valid, 1 problems found (each listed with its folder and object).
Needs kubectl (Debian: apt-get install kubernetes-client).
`,
  async run(argv, io) {
    const { values } = parseFlags('validate', argv, { 'allow-remote': { type: 'string' }, ...NO_CACHE_FLAG });
    const allowedRemoteHosts = parseHosts(values['allow-remote']);
    const buildCache = buildCacheEnabled('validate', values['no-cache'], io.env);
    const { overlays, objects, problems } = await verifyRenderedTree(io.cwd, { kustomize: { allowedRemoteHosts }, buildCache });
    // Checking nothing is not a pass: a missing render must not go green.
    if (overlays === 0) {
      io.err(`no overlays under manifests/overlays/ in ${io.cwd}: nothing to validate; run \`ferry render\` first\n`);
      return 1;
    }
    if (problems.length === 0) {
      io.out(`${overlays} overlays and ${objects} objects are valid\n`);
      return 0;
    }
    io.err(`${problems.length} problem(s):\n${problems.map((p) => `  ${p.where}: ${p.object}: ${p.message}`).join('\n')}\n`);
    return 1;
  },
};

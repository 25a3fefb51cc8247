/**
 * The hardening rules every GitHub Actions workflow of the platform must follow, as a pure
 * function of the file text, so a test (and anyone) can check a workflow and be told which file,
 * job and step breaks which rule.
 */
import YAML, { isScalar, type Document, type Node } from 'yaml';

/** The rules, by name. */
export const WORKFLOW_RULES = {
  'top-permissions': "top-level 'permissions' must be {}; each job asks for what it needs",
  'job-permissions': "every job declares its own 'permissions' (least privilege), never read-all or write-all",
  'id-token': "'id-token: write' only in a job that assumes an AWS role (aws-actions/configure-aws-credentials)",
  'pinned-action': 'every action is pinned by a full 40-hex commit SHA with its version in a comment',
  'persist-credentials': "actions/checkout sets 'persist-credentials: false'; jobs that push pass a token explicitly",
  'untrusted-checkout': "pull_request_target and workflow_run never check out the pull request's code: not with actions/checkout (a ref from the event, or from env), not by hand (git fetch/checkout of pull/<n>/head, gh pr checkout)",
  'untrusted-artifact': 'workflow_run and pull_request_target never run what they downloaded as an artifact (it was built by the pull request); they only read it',
  'expression-injection':
    "no ${{ github.event.* }} (also as github['event'] or inside format()), ${{ inputs.* }}, ${{ github.head_ref }}, ${{ env.* }} or ${{ steps.*.outputs / needs.*.outputs }} inside 'run:' or a github-script 'script:' (pass them through env: and use the variable)",
  'dispatch-types':
    "a repository_dispatch trigger lists its event 'types:' (any holder of a token with contents: write can send any event type; its client_payload is untrusted input and reaches scripts only through env:)",
  'promotion-concurrency': "a job that runs 'ferry promote' or 'ferry rollback' is in a concurrency group 'ferry-promote-<environment>...' with cancel-in-progress: false",
} as const;

export type WorkflowRule = keyof typeof WORKFLOW_RULES;

/** One broken rule, located as precisely as the rule allows. */
export interface Violation {
  readonly rule: WorkflowRule;
  readonly file: string;
  /** Job id, when the rule is about a job. */
  readonly job?: string;
  /** Step name (or id, `uses`, or `#<n>`), when the rule is about a step. */
  readonly step?: string;
  /** What is wrong, with the offending value. */
  readonly detail: string;
  /** `<file>: job '<job>' step '<step>': <detail> [<rule>]` */
  readonly message: string;
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const VERSION_COMMENT = /^#\s*v?\d+(\.\d+)*\S*/;
/** Contexts whose values an attacker may write (or that carry such values on): never expanded into a script. */
const UNTRUSTED = /(^|[^\w.])(github\.event\b|inputs\.|github\.head_ref\b|env\.|steps\.[\w-]+\.outputs\b|needs\.[\w-]+\.outputs\b)/;
const UNTRUSTED_REF = /(github\.event\.(pull_request|workflow_run)\b|github\.head_ref\b|refs\/pull\/)/;
/** A script that checks out a pull request's code by hand. */
const MANUAL_CHECKOUT = /\bgh\s+pr\s+checkout\b|\bgit\s+(?:-\S+\s+)*(?:fetch|checkout|switch|pull|worktree|clone|reset)\b[^\n]*(?:\bpull\/|refs\/pull\/|\bFETCH_HEAD\b|merge_group)/;
/** A git command in a script, whose arguments may come from a variable holding an untrusted ref. */
const GIT_FETCH_LIKE = /\bgit\s+(?:-\S+\s+)*(?:fetch|checkout|switch|pull|worktree|clone|reset)\b[^\n]*/g;
/** A script that runs something (a file, an interpreter, a package manager) rather than only reading files. */
const EXECUTES = /(?:^|[\s;&|(`])(?:\.\/|bash\s|sh\s|zsh\s|source\s|\.\s+\S|node\s|npm\s|npx\s|yarn\b|pnpm\b|python3?\s|make\b|chmod\s+\+x|eval\s|unzip\s[^\n]*&&\s*\.\/)/m;

/**
 * The expressions `${{ ... }}` of a text, each as written and normalised: `github['event']['x']`
 * becomes `github.event.x`, so the index form cannot hide a context. The end is the first `}}`
 * outside a string literal, so `format('{0}', github.event.x)` is one expression.
 */
export function expressionsOf(text: string): { readonly raw: string; readonly inner: string }[] {
  const out: { raw: string; inner: string }[] = [];
  let start = text.indexOf('${{');
  while (start >= 0) {
    let i = start + 3;
    let inString = false;
    for (; i < text.length; i++) {
      if (inString) {
        if (text[i] === "'") {
          if (text[i + 1] === "'") i++;
          else inString = false;
        }
      } else if (text[i] === "'") inString = true;
      else if (text[i] === '}' && text[i + 1] === '}') break;
    }
    const end = Math.min(i + 2, text.length);
    const inner = text
      .slice(start + 3, i)
      .replace(/\[\s*(['"])([A-Za-z_][\w-]*)\1\s*\]/g, '.$2')
      .replace(/\s*\.\s*/g, '.');
    out.push({ raw: text.slice(start, end), inner });
    start = text.indexOf('${{', end);
  }
  return out;
}

/** The first expression of `text` that reads an untrusted context, or undefined. */
function untrustedExpression(text: string): string | undefined {
  return expressionsOf(text).find((e) => UNTRUSTED.test(e.inner))?.raw;
}

/** Whether a text holds an expression that reads the pull request's (or triggering run's) ref or repository. */
function untrustedRef(text: string): boolean {
  return expressionsOf(text).some((e) => UNTRUSTED_REF.test(e.inner)) || /refs\/pull\//.test(text);
}

/** `env:` of a workflow, job or step as a mapping. */
function envOf(node: unknown): Record<string, unknown> {
  const env = node && typeof node === 'object' ? (node as Json).env : undefined;
  return env && typeof env === 'object' && !Array.isArray(env) ? (env as Record<string, unknown>) : {};
}
const PROMOTION_COMMAND = /\bferry(\.js)?\s+(promote|rollback)\b|\bnpm\s+run\s+(--silent\s+)?ferry\s+--\s+(promote|rollback)\b/;

type Json = Record<string, unknown>;

function violation(rule: WorkflowRule, file: string, detail: string, job?: string, step?: string): Violation {
  const where = [job !== undefined ? `job '${job}'` : undefined, step !== undefined ? `step '${step}'` : undefined].filter(Boolean).join(' ');
  return { rule, file, job, step, detail, message: `${file}: ${where ? `${where}: ` : ''}${detail} [${rule}]` };
}

function stepName(step: Json, index: number): string {
  for (const key of ['name', 'id', 'uses'] as const) if (typeof step[key] === 'string' && step[key] !== '') return step[key] as string;
  return `#${index + 1}`;
}

/** Trigger names of `on:` (a string, a list or a mapping). */
function triggers(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.filter((t): t is string => typeof t === 'string');
  if (on && typeof on === 'object') return Object.keys(on);
  return [];
}

/** The comment after the `uses:` value on its line, from the source text. */
function trailingComment(doc: Document, text: string, path: (string | number)[]): string | undefined {
  const node = doc.getIn(path, true) as Node | undefined;
  if (!node || !isScalar(node) || !node.range) return undefined;
  const end = node.range[1];
  const lineEnd = text.indexOf('\n', end);
  const rest = text.slice(end, lineEnd === -1 ? undefined : lineEnd).trim();
  return rest.startsWith('#') ? rest : undefined;
}

function checkUses(uses: string, comment: string | undefined): string | undefined {
  if (uses.startsWith('./')) return undefined;
  if (uses.startsWith('docker://')) {
    return /@sha256:[0-9a-f]{64}$/.test(uses) ? undefined : `'${uses}' is not pinned by digest (docker://image@sha256:<64 hex>)`;
  }
  const at = uses.lastIndexOf('@');
  const ref = at === -1 ? '' : uses.slice(at + 1);
  if (!FULL_SHA.test(ref)) return `'${uses}' is not pinned by a full 40-hex commit SHA`;
  if (!comment || !VERSION_COMMENT.test(comment)) return `'${uses}' has no version comment like '# v4.2.2' after the SHA`;
  return undefined;
}

/** Checks one workflow; `file` is how violations name it (e.g. '.github/workflows/pr.yaml'). */
export function checkWorkflow(file: string, text: string): Violation[] {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${file}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const workflow = (doc.toJS() ?? {}) as Json;
  const out: Violation[] = [];

  // top-permissions
  const top = workflow.permissions;
  if (!(top && typeof top === 'object' && !Array.isArray(top) && Object.keys(top).length === 0)) {
    out.push(violation('top-permissions', file, `top-level 'permissions' must be {}, found ${top === undefined ? 'none' : JSON.stringify(top)}`));
  }

  const on = triggers(workflow.on);
  // dispatch-types
  if (on.includes('repository_dispatch')) {
    const dispatch = workflow.on && typeof workflow.on === 'object' && !Array.isArray(workflow.on) ? (workflow.on as Json).repository_dispatch : undefined;
    const types = dispatch && typeof dispatch === 'object' ? (dispatch as Json).types : undefined;
    if (!Array.isArray(types) || types.length === 0 || !types.every((t) => typeof t === 'string' && t !== '')) {
      out.push(violation('dispatch-types', file, `'repository_dispatch' must list the event types it handles (types: [...]), found ${types === undefined ? 'none' : JSON.stringify(types)}`));
    }
  }
  const dangerousTrigger = on.find((t) => t === 'pull_request_target' || t === 'workflow_run');
  const jobs = (workflow.jobs && typeof workflow.jobs === 'object' ? workflow.jobs : {}) as Record<string, Json>;
  const workflowConcurrency = workflow.concurrency;
  const workflowEnv = envOf(workflow);

  for (const [jobId, job] of Object.entries(jobs)) {
    if (!job || typeof job !== 'object') continue;
    const steps = (Array.isArray(job.steps) ? job.steps : []) as Json[];

    // job-permissions
    const permissions = job.permissions;
    if (permissions === undefined) {
      out.push(violation('job-permissions', file, "no 'permissions'; declare the least the job needs, e.g. { contents: read }", jobId));
    } else if (typeof permissions === 'string') {
      out.push(violation('job-permissions', file, `'permissions: ${permissions}' grants everything; list each permission the job needs`, jobId));
    }

    // id-token
    const assumesAws = steps.some((s) => typeof s?.uses === 'string' && s.uses.startsWith('aws-actions/configure-aws-credentials@'));
    const idToken = permissions && typeof permissions === 'object' ? (permissions as Json)['id-token'] : undefined;
    if (idToken === 'write' && !assumesAws) {
      out.push(violation('id-token', file, "'id-token: write' but no step assumes an AWS role with aws-actions/configure-aws-credentials", jobId));
    }

    // job-level reusable workflow call
    if (typeof job.uses === 'string') {
      const problem = checkUses(job.uses, trailingComment(doc, text, ['jobs', jobId, 'uses']));
      if (problem) out.push(violation('pinned-action', file, problem, jobId));
    }

    let runsPromotion = false;
    let downloaded: string | undefined;
    const jobEnv = { ...workflowEnv, ...envOf(job) };
    steps.forEach((step, index) => {
      if (!step || typeof step !== 'object') return;
      const name = stepName(step, index);
      const uses = typeof step.uses === 'string' ? step.uses : undefined;
      const withs = (step.with && typeof step.with === 'object' ? step.with : {}) as Json;
      const env = { ...jobEnv, ...envOf(step) };
      /** Names of the variables (and env.* contexts) that hold the pull request's ref or repository. */
      const untrustedVars = Object.entries(env).filter(([, v]) => typeof v === 'string' && untrustedRef(v)).map(([k]) => k);

      if (uses !== undefined) {
        const problem = checkUses(uses, trailingComment(doc, text, ['jobs', jobId, 'steps', index, 'uses']));
        if (problem) out.push(violation('pinned-action', file, problem, jobId, name));
      }

      if (uses?.startsWith('actions/checkout@')) {
        const persist = withs['persist-credentials'];
        if (persist !== false && persist !== 'false') {
          out.push(violation('persist-credentials', file, `actions/checkout without 'persist-credentials: false'${persist === undefined ? '' : ` (found ${JSON.stringify(persist)})`}`, jobId, name));
        }
        if (dangerousTrigger) {
          const ref = `${withs.ref ?? ''} ${withs.repository ?? ''}`;
          const fromEnv = expressionsOf(ref).find((e) => /(^|[^\w.])env\.([\w-]+)/.test(e.inner));
          const envName = fromEnv ? /(^|[^\w.])env\.([\w-]+)/.exec(fromEnv.inner)![2]! : undefined;
          if (untrustedRef(ref)) {
            out.push(violation('untrusted-checkout', file, `checks out pull request code (${ref.trim()}) in a '${dangerousTrigger}' workflow, which runs with the base repository's secrets`, jobId, name));
          } else if (envName !== undefined && (untrustedVars.includes(envName) || !(envName in env))) {
            // An env value set from the event, or at run time through $GITHUB_ENV, is as untrusted as the event.
            out.push(violation('untrusted-checkout', file, `checks out a ref from env (${ref.trim()}) in a '${dangerousTrigger}' workflow; env.${envName} ${envName in env ? `is ${JSON.stringify(env[envName])}` : 'is set at run time'}, which may name the pull request's code`, jobId, name));
          }
        }
      }

      if (dangerousTrigger && typeof step.run === 'string') {
        const script = step.run;
        const manual = MANUAL_CHECKOUT.exec(script)?.[0] ?? [...script.matchAll(GIT_FETCH_LIKE)].map((m) => m[0]).find((cmd) => untrustedVars.some((v) => new RegExp(`\\$\\{?${v}\\b`).test(cmd)));
        if (manual) {
          out.push(violation('untrusted-checkout', file, `checks out pull request code by hand ('${manual.trim()}') in a '${dangerousTrigger}' workflow, which runs with the base repository's secrets`, jobId, name));
        }
      }

      // untrusted-artifact: what a pull request built may be read, never run, where secrets are.
      if (dangerousTrigger) {
        const downloads =
          uses?.startsWith('actions/download-artifact@') ||
          uses?.startsWith('dawidd6/action-download-artifact@') ||
          (typeof step.run === 'string' && /\bgh\s+run\s+download\b/.test(step.run)) ||
          (uses?.startsWith('actions/github-script@') && typeof withs.script === 'string' && /downloadArtifact/.test(withs.script));
        if (typeof step.run === 'string' && downloaded !== undefined) {
          const executes = EXECUTES.exec(step.run);
          if (executes) {
            out.push(violation('untrusted-artifact', file, `runs '${executes[0].trim()}' after downloading an artifact (step '${downloaded}') in a '${dangerousTrigger}' workflow; the artifact may hold the pull request's code — only read it`, jobId, name));
          }
        }
        if (downloads) downloaded = name;
      }

      const scripts: [string, unknown][] = [['run', step.run]];
      if (uses?.startsWith('actions/github-script@')) scripts.push(['script', withs.script]);
      for (const [key, script] of scripts) {
        if (typeof script !== 'string') continue;
        const match = untrustedExpression(script);
        if (match) out.push(violation('expression-injection', file, `'${key}:' expands ${match}; pass it through env: and use the variable`, jobId, name));
      }
      if (typeof step.run === 'string' && PROMOTION_COMMAND.test(step.run)) runsPromotion = true;
    });

    // promotion-concurrency
    if (runsPromotion) {
      const concurrency = job.concurrency ?? workflowConcurrency;
      const group = typeof concurrency === 'string' ? concurrency : (concurrency as Json | undefined)?.group;
      const cancel = typeof concurrency === 'object' && concurrency !== null ? (concurrency as Json)['cancel-in-progress'] : undefined;
      if (typeof group !== 'string' || !/^ferry-promote-\S/.test(group)) {
        out.push(violation('promotion-concurrency', file, `runs a promotion outside a 'ferry-promote-<environment>' concurrency group (found ${group === undefined ? 'none' : JSON.stringify(group)})`, jobId));
      } else if (cancel !== false) {
        out.push(violation('promotion-concurrency', file, `concurrency group '${group}' must set 'cancel-in-progress: false' so promotions queue (found ${JSON.stringify(cancel ?? null)})`, jobId));
      }
    }
  }
  return out;
}

/** Convenience for tests and scripts: every violation's message, one per line. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => v.message).join('\n');
}

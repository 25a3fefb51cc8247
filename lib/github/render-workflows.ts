/**
 * The GitHub Actions workflows of a platform repository, rendered from the promotion graph so that
 * adding an environment needs no hand edit: which stacks `pulumi up` runs and where, which
 * environments the manual promotion offers, which one a release goes to.
 *
 * The workflows are templates (templates/workflows/*.yaml of ferry, or of the platform repository,
 * which wins by file name) holding `__NAME__` tokens; every token must be known, so a template
 * never ships half-rendered.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Platform } from '../../model/platform.js';

/** Where render writes the workflows, relative to the repository root. */
export const WORKFLOWS_DIR = '.github/workflows';

/** Folder of workflow templates, in ferry's package and in a platform repository. */
export const WORKFLOW_TEMPLATES_DIR = 'templates/workflows';

/** What the workflows need to know of the graph. */
export interface WorkflowGraphFacts {
  /** Environments whose promotions need no review, in graph order. */
  readonly unreviewed: readonly string[];
  /** Environments whose promotions need a reviewed pull request (they run in GitHub environment `production`). */
  readonly reviewed: readonly string[];
  /** Every environment a promotion can target: all but the graph's sources, in graph order. */
  readonly promotionTargets: readonly string[];
  /** Where every published image goes first: the first source of the graph. */
  readonly first: string;
  /** Every source of the graph (no upstreams), in graph order: promote-dev promotes to each. */
  readonly sources: readonly string[];
  /** Where a release (`vX.Y.Z`) goes: the first reviewed environment, else the last. */
  readonly release: string;
  /** The upstream of the release one (the first declared, when several), where release candidates go (the release one itself if it is a source). */
  readonly prerelease: string;
}

export function workflowGraphFacts(platform: Platform): WorkflowGraphFacts {
  const order = platform.topologicalOrder();
  const sources = platform.sources().map((e) => e.name);
  const reviewed = order.filter((e) => e.requiresReview).map((e) => e.name);
  const release = reviewed[0] ?? order[order.length - 1]!.name;
  return {
    unreviewed: order.filter((e) => !e.requiresReview).map((e) => e.name),
    reviewed,
    promotionTargets: order.filter((e) => !sources.includes(e.name)).map((e) => e.name),
    first: sources[0]!,
    sources: order.filter((e) => sources.includes(e.name)).map((e) => e.name),
    release,
    // With several upstreams, release candidates go to the first one declared.
    prerelease: platform.upstreamsOf(release)[0]?.name ?? release,
  };
}

/** A GitHub expression that is true when `inputs.environment` is one of `names`. */
function environmentIn(names: readonly string[]): string {
  if (names.length === 0) return 'false';
  if (names.length === 1) return `inputs.environment == '${names[0]}'`;
  return `contains(fromJSON('${JSON.stringify(names)}'), inputs.environment)`;
}

/** A GitHub expression that is true when `inputs.environment` is none of `names` (a plain `!` would start a YAML tag). */
function environmentNotIn(names: readonly string[]): string {
  if (names.length === 0) return 'true';
  if (names.length === 1) return `inputs.environment != '${names[0]}'`;
  return `\${{ !contains(fromJSON('${JSON.stringify(names)}'), inputs.environment) }}`;
}

/** The value of every token, for a platform and the command that runs ferry there. */
export function workflowTokens(facts: WorkflowGraphFacts, ferryCommand: string): Readonly<Record<string, string>> {
  // An empty matrix is an error on GitHub: an unused job gets a placeholder and never runs.
  const list = (names: readonly string[]) => (names.length > 0 ? names.join(', ') : 'none');
  return {
    FERRY: ferryCommand,
    UNREVIEWED_ENVIRONMENTS: list(facts.unreviewed),
    REVIEWED_ENVIRONMENTS: list(facts.reviewed),
    PROMOTION_TARGETS: list(facts.promotionTargets),
    IF_REVIEWED: environmentIn(facts.reviewed),
    IF_NOT_REVIEWED: environmentNotIn(facts.reviewed),
    FIRST_ENVIRONMENT: facts.first,
    SOURCE_ENVIRONMENTS: facts.sources.join(', '),
    // Shell words, for `for environment in ...` (environment names are DNS labels).
    SOURCE_ENVIRONMENT_WORDS: facts.sources.join(' '),
    // `--to a --to b`: one commit to every source, or none (each source takes the published tag).
    TO_SOURCE_ENVIRONMENTS: facts.sources.map((s) => `--to ${s}`).join(' '),
    RELEASE_ENVIRONMENT: facts.release,
    PRERELEASE_ENVIRONMENT: facts.prerelease,
  };
}

/** Replaces every `__NAME__` token; an unknown token is an error naming the template and the token. */
export function fillTemplate(template: string, tokens: Readonly<Record<string, string>>, where: string): string {
  return template.replace(/__([A-Z][A-Z_]*[A-Z])__/g, (match, name: string) => {
    const value = tokens[name];
    if (value === undefined) throw new Error(`${where}: unknown token ${match}; known: ${Object.keys(tokens).map((t) => `__${t}__`).join(', ')}`);
    return value;
  });
}

/** ferry's own templates, beside its compiled or source modules. */
export function engineTemplatesDir(): string {
  for (const relative of ['../../../templates/workflows', '../../templates/workflows']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error(`ferry's workflow templates (${WORKFLOW_TEMPLATES_DIR}) are missing from its package`);
}

/** Whether the repository at `root` is ferry's own checkout (its engine renders the platform there). */
export function isEngineCheckout(root: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string };
    return pkg.name === 'ferry' && existsSync(join(root, 'bin/ferry.js'));
  } catch {
    return false; // no package.json: the installed package
  }
}

/** How workflows run ferry in the repository at `root`: its own CLI in ferry's checkout, else the installed package. */
export function ferryCommandFor(root: string): string {
  return isEngineCheckout(root) ? 'node bin/ferry.js' : 'npx ferry';
}

/**
 * The workflow files of the repository at `root`: path (under .github/workflows) -> content.
 * A template of the repository's own templates/workflows replaces ferry's of the same name.
 */
export function renderWorkflows(root: string, platform: Platform, templatesDir = engineTemplatesDir()): Map<string, string> {
  const tokens = workflowTokens(workflowGraphFacts(platform), ferryCommandFor(root));
  const own = join(root, WORKFLOW_TEMPLATES_DIR);
  const names = new Set(readdirSync(templatesDir).filter((f) => /\.ya?ml$/.test(f)));
  if (existsSync(own) && own !== templatesDir) for (const f of readdirSync(own)) if (/\.ya?ml$/.test(f)) names.add(f);
  const files = new Map<string, string>();
  for (const name of [...names].sort()) {
    const source = existsSync(join(own, name)) ? join(own, name) : join(templatesDir, name);
    const where = source === join(own, name) ? `${WORKFLOW_TEMPLATES_DIR}/${name}` : `ferry's ${WORKFLOW_TEMPLATES_DIR}/${name}`;
    files.set(`${WORKFLOWS_DIR}/${name}`, fillTemplate(readFileSync(source, 'utf8'), tokens, where));
  }
  return files;
}

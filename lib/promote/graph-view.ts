/** The promotion graph of a platform as text (`ferry graph`) and as a Mermaid flowchart. */
import type { Environment, Platform } from '../../model/platform.js';
import { formatTable } from './deployment-status.js';

/** One environment of the graph, as `ferry graph --format json` prints it. */
export interface GraphNode {
  readonly environment: string;
  readonly upstreams: readonly string[];
  readonly downstreams: readonly string[];
  /** Only meaningful with several upstreams. */
  readonly fanIn: 'all' | 'any';
  readonly soakHours: number;
  readonly requiresReview: boolean;
}

/** Every environment, each after its upstreams. */
export function graphNodes(platform: Platform): GraphNode[] {
  return platform.topologicalOrder().map((e) => ({
    environment: e.name,
    upstreams: platform.upstreamsOf(e.name).map((u) => u.name),
    downstreams: platform.downstreamsOf(e.name).map((d) => d.name),
    fanIn: e.fanIn,
    soakHours: e.soakHours,
    requiresReview: e.requiresReview,
  }));
}

/**
 * ENV UPSTREAMS FAN-IN SOAK REVIEW, each environment after its upstreams, then the edges:
 *
 *     ENV       UPSTREAMS        FAN-IN  SOAK  REVIEW
 *     dev       (source)         -       0h    no
 */
export function formatGraphText(platform: Platform): string {
  const nodes = graphNodes(platform);
  const table = formatTable(
    ['ENV', 'UPSTREAMS', 'FAN-IN', 'SOAK', 'REVIEW'],
    nodes.map((n) => [n.environment, n.upstreams.length === 0 ? '(source)' : n.upstreams.join(', '), n.upstreams.length > 1 ? n.fanIn : '-', `${n.soakHours}h`, n.requiresReview ? 'yes' : 'no']),
  );
  return `${table}\n\n${platform.promotionOrder()}\n`;
}

/** Mermaid node id of an environment (DNS labels hold no '_'). */
function nodeId(name: string): string {
  return name.replace(/-/g, '_');
}

function nodeLabel(e: Environment): string {
  const facts = [e.soakHours > 0 ? `soak ${e.soakHours}h` : undefined, e.requiresReview ? 'review' : undefined].filter((f) => f !== undefined);
  return facts.length > 0 ? `${e.name}<br/>${facts.join(', ')}` : e.name;
}

/**
 * `flowchart LR`, one node per environment and one edge per promotion; the edges into a fan-in
 * are labelled `all` or `any` (dashed).
 */
export function formatGraphMermaid(platform: Platform): string {
  const lines = ['flowchart LR'];
  const order = platform.topologicalOrder();
  for (const e of order) lines.push(`  ${nodeId(e.name)}["${nodeLabel(e)}"]`);
  for (const e of order) {
    const ups = platform.upstreamsOf(e.name);
    for (const u of ups) {
      const arrow = ups.length < 2 ? '-->' : e.fanIn === 'any' ? '-. any .->' : '-->|all|';
      lines.push(`  ${nodeId(u.name)} ${arrow} ${nodeId(e.name)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

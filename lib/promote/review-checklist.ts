import { formatTime } from '../../model/gate.js';
import { hasChanges, type PromotionPlan, type TargetPlan } from './promotion.js';

/**
 * The pull-request body of a promotion: what changes, the gates' verdicts, and the review
 * checklist of the target environment (tag matches upstream, upstream stable for the soak time,
 * rollback plan).
 */
export function reviewChecklist(plan: PromotionPlan, now: Date = new Date()): string {
  const parts = plan.targets.filter(hasChanges);
  const sections = (parts.length > 0 ? parts : plan.targets).map((t) => targetChecklist(plan, t, now));
  const lines: string[] = [sections.join('\n\n')];
  const overridden = [...plan.services.flatMap((s) => s.overridden), ...plan.config.flatMap((c) => c.overridden)];
  if (overridden.length > 0) {
    lines.push('', '### Gate overrides', '', `Reason: ${plan.request.reason ?? ''}`, '');
    for (const o of overridden) lines.push(`- ${o.service}: ${o.message}`);
  }
  lines.push('', `_Opened by \`ferry ${plan.request.kind === 'rollback' ? 'rollback' : 'promote'}\`; the commit carries the Gate-Overrides and image trailers._`);
  return `${lines.join('\n')}\n`;
}

function targetChecklist(plan: PromotionPlan, t: TargetPlan, now: Date): string {
  const env = t.target;
  const source = t.sources.length > 0 ? t.sources.map((e) => e.name).join(', ') : undefined;
  const rollback = plan.request.kind === 'rollback';
  const lines: string[] = [];
  lines.push(rollback ? `## Rollback in \`${env.name}\`` : `## Promotion to \`${env.name}\`${source ? ` from \`${source}\`` : ''}`, '');
  lines.push('| service | now | new | image | digest |', '| --- | --- | --- | --- | --- |');
  for (const s of t.services) {
    const image = s.chart ? `chart ${s.chart} ${s.tag}` : s.releaseOf ? `${s.releaseOf} re-tagged as ${s.tag}` : s.sourceTag;
    lines.push(`| ${s.service} | ${s.previousTag ?? '-'} | ${s.tag} | ${image} | ${s.chart ? '-' : s.digest ? `\`${s.digest}\`` : 'unknown'} |`);
  }
  if (t.config.length > 0) {
    lines.push('', '| service | config key | now | new |', '| --- | --- | --- | --- |');
    for (const c of t.config) for (const k of c.keys) lines.push(`| ${c.service} | ${k.key} | \`${k.before}\` | \`${k.after}\` |`);
  }
  lines.push('', '### Review checklist', '');
  for (const c of t.config) lines.push(`- [ ] ${c.service}: the config values ${c.keys.map((k) => k.key).join(', ')} from ${source ?? 'upstream'} suit ${env.name}`);
  for (const s of t.services) {
    if (s.chart) {
      // A chart version: its own history, and it goes back by promoting the earlier version.
      if (source) lines.push(`- [ ] ${s.service}: the chart version matches ${source}: ${s.chart} ${s.sourceTag} is what runs (or ran) there`);
      if (source && env.soakHours > 0) lines.push(`- [ ] ${s.service}: ${source} has been stable with chart ${s.sourceTag} for at least ${env.soakHours}h (checked at ${formatTime(now)})`);
      lines.push(`- [ ] ${s.service}: rollback plan: \`ferry promote ${s.service} --to ${env.name} --chart-version ${s.previousTag ?? '<version>'}\``);
      continue;
    }
    if (rollback) {
      lines.push(`- [ ] ${s.service}: ${s.tag} ran in ${env.name} before; the reason to leave ${s.previousTag ?? 'the current tag'} is understood`);
    } else if (source) {
      lines.push(`- [ ] ${s.service}: the tag matches ${source}: ${s.sourceTag} is what runs (or ran) there${s.releaseOf ? `, released as ${s.tag} with the same digest` : ''}`);
      if (env.soakHours > 0) lines.push(`- [ ] ${s.service}: ${source} has been stable with ${s.sourceTag} for at least ${env.soakHours}h (checked at ${formatTime(now)})`);
    }
    lines.push(`- [ ] ${s.service}: rollback plan: \`ferry rollback ${s.service} --env ${env.name}${s.previousTag ? ` --to ${s.previousTag}` : ''}\``);
  }
  if (!env.syncPolicy.automated) lines.push(`- [ ] someone syncs the Argo CD Applications in ${env.name} after the merge and watches the rollout`);
  return lines.join('\n');
}

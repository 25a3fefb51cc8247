import type { DeliveryResult } from './deliver.js';
import { unifiedDiff } from './text-diff.js';
import { hasChanges } from './promotion.js';

/** What `ferry promote` / `ferry rollback` print: one line per service, the rendered diff, where it went. */
export function promotionReport(result: DeliveryResult, options: { readonly dryRun?: boolean } = {}): string {
  const { plan } = result;
  const lines: string[] = [];
  const verb = plan.request.kind === 'rollback' ? 'roll back' : 'promote';
  for (const t of plan.targets) {
    for (const u of t.unchanged) lines.push(`${u.service}: ${t.target.name} already runs ${u.tag}; nothing to ${verb}`);
  }
  for (const t of plan.targets) {
    for (const s of t.services) {
      const from = t.sources.length > 0 ? ` from ${t.sources.map((e) => e.name).join(', ')}` : plan.request.kind === 'rollback' ? ' (rollback)' : '';
      const release = s.releaseOf ? ` (${s.releaseOf} re-tagged as ${s.tag})` : '';
      const digest = s.chart ? '' : s.digest ? `, digest ${s.digest}` : ', digest unknown';
      const what = s.chart ? ` chart ${s.chart}` : '';
      lines.push(`${s.service}${what}: ${s.previousTag ?? '(none)'} -> ${s.tag} in ${t.target.name}${from}${release}${digest}`);
      if (s.unpinned) lines.push(`${s.service}: the pinned digest was removed: the digest of ${s.tag} is unknown (image gate overridden)`);
      for (const o of s.overridden) lines.push(`${s.service}: OVERRIDDEN ${o.message.replace(/; override with .*$/, '')}`);
    }
  }
  for (const t of plan.targets) {
    if (plan.request.config !== undefined && t.config.length === 0) lines.push(`config: ${t.target.name} already has the selected values${t.sources.length > 0 ? ` of ${t.sources.map((e) => e.name).join(', ')}` : ''}; nothing to promote`);
    for (const c of t.config) {
      for (const k of c.keys) lines.push(`${c.service}: config ${k.key} ${k.before} -> ${k.after} in ${t.target.name}${t.sources.length > 0 ? ` from ${t.sources.map((e) => e.name).join(', ')}` : ''}`);
      for (const o of c.overridden) lines.push(`${c.service}: OVERRIDDEN ${o.message.replace(/; override with .*$/, '')}`);
    }
  }
  const exempt = /^Freeze-Exempt: (.*)$/m.exec(plan.message)?.[1];
  if (exempt !== undefined && hasChanges(plan)) lines.push(`inside a freeze window: ${exempt}`);
  if (!hasChanges(plan)) return `${lines.join('\n')}\n`;
  lines.push('');
  for (const file of result.files) {
    const diff = unifiedDiff(file.path, file.before, file.after);
    if (diff) lines.push(diff.trimEnd());
  }
  lines.push('');
  const count = result.files.length;
  if (options.dryRun) {
    lines.push(`dry run: would write ${count} file(s); nothing written`);
  } else if (result.commit === undefined) {
    lines.push(`wrote ${count} file${count === 1 ? '' : 's'}; nothing committed (use --commit to commit on ${plan.branch})`);
  } else {
    lines.push(`committed ${result.commit.slice(0, 12)} on ${result.branch}: ${plan.message.split('\n')[0]}`);
    if (result.pushed) lines.push(`pushed ${result.branch}${result.attempts > 1 ? ` (after ${result.attempts} attempts)` : ''}`);
    if (result.pullRequest) lines.push(`opened pull request #${result.pullRequest.number}: ${result.pullRequest.url}`);
  }
  return `${lines.join('\n')}\n`;
}

import { COMMENT_MARKER, formatMarkdown, GITHUB_COMMENT_LIMIT } from '../../lib/diff/format-markdown.js';
import { formatTerminal } from '../../lib/diff/format-terminal.js';
import { countChanges, diffObjects, type ManifestObject } from '../../lib/diff/object-diff.js';
import type { DiffReport, EnvironmentDiff } from '../../lib/diff/report.js';
import { environmentSummary, summaryLine } from '../../lib/diff/summary.js';

const configMap = (env: string, i: number, value: string): ManifestObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: `settings-${i}`, namespace: env },
  data: Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`key-${k}`, `${value}-${k}`])),
});

function report(services: number, envs: readonly string[]): DiffReport {
  const environments: EnvironmentDiff[] = envs.map((env) => {
    const applications = Array.from({ length: services }, (_, i) => ({
      name: `svc${i}-${env}`,
      service: `svc${i}`,
      changes: diffObjects([configMap(env, i, 'old')], [configMap(env, i, 'new'), { ...configMap(env, i, 'x'), metadata: { name: `extra-${i}`, namespace: env } }]),
      before: undefined,
      after: undefined,
    }));
    const counts = countChanges(applications.flatMap((a) => a.changes));
    return { name: env, kind: 'environment', status: 'present', applications, counts, summary: environmentSummary(applications, counts) };
  });
  const counts = environments.map((e) => e.counts).reduce((a, b) => ({ added: a.added + b.added, changed: a.changed + b.changed, removed: a.removed + b.removed }));
  return {
    base: { ref: 'merge-base(HEAD, origin/main)', commit: '0123456789abcdef0123', renderedWith: 'working-tree code' },
    environments,
    summaryLines: environments.map(summaryLine),
    risks: [],
    counts,
    notes: [],
    stats: { overlaysBuilt: 0, overlaysSkipped: 0, kustomizeRuns: 0, rendered: 'everything' },
  };
}

test('a small change is complete: marker, summary, a collapsible section per environment', () => {
  const text = formatMarkdown(report(1, ['dev']));
  expect(text.split('\n').slice(0, 9)).toEqual([
    COMMENT_MARKER,
    '### ferry diff',
    '',
    'Base `merge-base(HEAD, origin/main)` (`0123456789ab`) → this pull request.',
    '',
    '**Summary**',
    '',
    '- dev: 1 added, 1 changed, 0 removed',
    '',
  ]);
  expect(text).toContain('<details><summary><b>dev</b>: 1 added, 1 changed, 0 removed</summary>');
  expect(text).toContain(['```diff', '~ ConfigMap/dev/settings-0', '  data.key-0:', '-   old-0', '+   new-0'].join('\n'));
  expect(text).not.toContain('Truncated');
});

test('a huge change stays under the comment limit and says what it left out and where the rest is', () => {
  const huge = report(300, ['dev', 'stage', 'prod']);
  const text = formatMarkdown(huge, { fullDiffFile: 'ferry-diff.md', fullDiffUrl: 'https://github.com/o/r/actions/runs/1' });
  expect(text.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(60_000);
  const note = text.trimEnd().split('\n').at(-1)!;
  const omitted = /left out the details of (\d+) objects \(dev: (\d+), stage: (\d+), prod: (\d+)\)/.exec(note);
  expect(omitted).not.toBeNull();
  const shown = (text.match(/^[~+] ConfigMap\//gm) ?? []).length + (text.match(/<code>\+ ConfigMap/g) ?? []).length;
  expect(shown + Number(omitted![1])).toBe(1800);
  expect(Number(omitted![2]) + Number(omitted![3]) + Number(omitted![4])).toBe(Number(omitted![1]));
  expect(note).toContain("to stay under GitHub's 65,536-character comment limit. See [the full diff](https://github.com/o/r/actions/runs/1) (`ferry-diff.md`).");
  // Every summary line stays, whatever is cut.
  for (const line of huge.summaryLines) expect(text).toContain(`- ${line}`);
  // Without a limit nothing is left out.
  expect(formatMarkdown(huge, { limit: Infinity })).not.toContain('Truncated');
});

test('terminal: plain without colour, ANSI colours when asked', () => {
  const r = report(1, ['dev']);
  expect(formatTerminal(r)).not.toContain('\u001b[');
  expect(formatTerminal(r, { color: true })).toContain('\u001b[32m');
  expect(formatTerminal(r).split('\n').slice(0, 4)).toEqual(['ferry diff: merge-base(HEAD, origin/main) (0123456789ab) → working tree', '', 'Summary', '  dev: 1 added, 1 changed, 0 removed']);
});

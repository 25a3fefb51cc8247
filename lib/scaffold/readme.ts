/** README.md of a new platform repository. */
import type { InitOptions } from './init-options.js';
import { INITIAL_TAG } from './stack-files.js';

/** The text of README.md. */
export function readme(options: InitOptions): string {
  const [first] = options.environments;
  const second = options.environments[1];
  const last = options.environments.at(-1)!;
  const service = options.service;
  // A single environment is production: it takes reviewed pull requests only.
  const promotions: [string, string][] =
    second === undefined
      ? [[`npx ferry promote ${service} --to ${first} --tag v0.2.0 --pr`, 'a pull request with the review checklist']]
      : [
          [`npx ferry promote ${service} --to ${first} --tag sha-1a2b3c4d --direct`, `a new build lands in ${first}`],
          [`npx ferry promote ${service} --to ${second}`, `the tag ${first} runs, once the gates pass`],
        ];
  promotions.push(['npx ferry status', 'environment x service -> tag']);
  const width = Math.max(...promotions.map(([command]) => command.length));
  const promoteBlock = promotions.map(([command, comment]) => `${command.padEnd(width)}   # ${comment}`).join('\n');
  return `# ${options.name} platform

The delivery platform of ${options.name}, as code, with [ferry](node_modules/ferry/README.md):
\`platform/platform.ts\` names the services and the environments they are promoted through
(${options.environments.join(' -> ')}); \`Pulumi.<env>.yaml\` holds the image tag each environment runs;
\`npm run render\` writes the Kubernetes manifests Argo CD syncs (\`manifests/\`) and
\`.github/CODEOWNERS\`. **A promotion is a one-line change of a stack file**, reviewed and
recorded in git.

\`\`\`sh
npm install          # ferry and its dependencies (Node >=22.18)
npm run render       # platform/platform.ts + Pulumi.<env>.yaml -> manifests/
npm test             # the platform loads, the graph is as intended, manifests/ is up to date
\`\`\`

Commit \`manifests/\` with the change that produced it: the test fails when they differ.
\`npm run validate\` also builds every overlay with \`kubectl kustomize\` and checks each object
against the Kubernetes, Argo CD and Argo Rollouts schemas (needs kubectl); \`.ci/run\` is the CI
entry point that installs what is missing and runs both.

## What is here

| path | what it is |
|---|---|
| \`platform/platform.ts\` | services, registry, git URL and the promotion graph |
| \`Pulumi.<env>.yaml\` | per environment: the deployed tag of every service (starts at \`${INITIAL_TAG}\`), overrides |
| \`manifests/\` | rendered, never edited: \`base/<service>\`, \`overlays/<env>/<service>\`, \`argocd/<cluster>\` |
| \`Pulumi.yaml\`, \`stacks/index.ts\` | the Pulumi project: registry, cluster hosts, CI identity per environment |
| \`test/platform.test.ts\` | this platform's tests (\`node --test\`) |
| \`.ci/run\` | what CI runs |

## Promote

\`\`\`sh
${promoteBlock}
\`\`\`

Each promotion passes gates first (tag format, order, soak, approval, freeze windows, the image
exists in the registry) and commits the stack file with its re-rendered overlay. ${last} requires
a reviewed pull request; its approvers in \`platform/platform.ts\` are a placeholder
(\`@${options.name}/release-managers\`): set your GitHub team.

## Add an environment

One line in the graph in \`platform/platform.ts\`, where it belongs in the order:

\`\`\`ts
    Environment.of('uat', Profiles.staging()),
\`\`\`

then a \`Pulumi.uat.yaml\` with the tag of every service (copy the one before it), add \`uat\` to the
expected order in \`test/platform.test.ts\`, \`npm run render\` and commit. The overlays, the Argo CD
ApplicationSet and CODEOWNERS follow.

## Add a service

One entry in \`services\` in \`platform/platform.ts\` (\`{ name: 'worker', port: 8080 }\`; see
\`ServiceProps\` for health paths, host and environment variables), its tag under
\`${options.name}:images\` in every \`Pulumi.<env>.yaml\`, then \`npm run render\` and commit.

## More

\`npx ferry <command> --help\` documents each command. The engine's guides ship with it:
[promotion](node_modules/ferry/docs/promotion.md), [pull-request diffs](node_modules/ferry/docs/diff.md),
[infrastructure](node_modules/ferry/docs/infrastructure.md) (\`pulumi up -s <env>\`),
[CI/CD](node_modules/ferry/docs/ci-cd.md), and [ferry's README](node_modules/ferry/README.md).
`;
}

/**
 * platform/platform.ts of a new platform repository: one service and the promotion graph, with
 * comments that say where the next service or environment goes.
 */
import type { InitOptions } from './init-options.js';

/** The profile an environment starts with, by its place in the promotion order. */
export type ScaffoldProfile = 'development' | 'staging' | 'production';

/**
 * The first environment is where builds land (development), the last runs production (so a
 * single environment is production), every one between is staging.
 */
export function profileAt(index: number, count: number): ScaffoldProfile {
  if (index === count - 1) return 'production';
  return index === 0 ? 'development' : 'staging';
}

/** The placeholder release approvers of the production environment: a team of the platform's GitHub owner. */
export function placeholderApprovers(options: InitOptions): string {
  return `@${options.name}/release-managers`;
}

function environmentLine(options: InitOptions, name: string, index: number): string {
  const profile = profileAt(index, options.environments.length);
  if (profile !== 'production') return `    Environment.of('${name}', Profiles.${profile}()),`;
  return [
    '    // Production promotions go through a reviewed pull request; CODEOWNERS makes these approvers',
    '    // its reviewers. TODO: replace the placeholder with your GitHub team or users.',
    `    Environment.of('${name}', Profiles.production({ approvers: ['${placeholderApprovers(options)}'] })),`,
  ].join('\n');
}

/** The text of platform/platform.ts. */
export function platformSource(options: InitOptions): string {
  const order = options.environments.join(' -> ');
  return `/**
 * The ${options.name} platform: the services this repository delivers and the environments they are
 * promoted through, ${order}. Edit it, run \`npm run render\` and commit the result.
 * The tag each environment runs lives in Pulumi.<env>.yaml and changes with \`npx ferry promote\`.
 */
// 'ferry/model' keeps promote and status from loading the construct library; import constructs
// from 'ferry/constructs' when a service needs one.
import { Environment, Platform, Profiles } from 'ferry/model';

export const platform = new Platform({
  name: '${options.name}',
  // The git repository Argo CD reads manifests/ from: this repository.
  repoURL: '${options.repoUrl}',
  registry: '${options.registry}',
  // Add a service: one entry here (see ServiceProps for port, paths, host, env) and its tag under
  // '${options.name}:images' in every Pulumi.<env>.yaml, then \`npm run render\`.
  services: [
    { name: '${options.service}', port: 8080, healthPath: '/healthz', readinessPath: '/readyz' },
  ],
  // The promotion graph: each environment is promoted from the one before it. Add an environment:
  // one line where it belongs in the order, e.g. Environment.of('uat', Profiles.staging()), and a
  // Pulumi.uat.yaml with the tag of every service; update the order in test/platform.test.ts.
  environments: [
${options.environments.map((name, i) => environmentLine(options, name, i)).join('\n')}
  ],
});
`;
}

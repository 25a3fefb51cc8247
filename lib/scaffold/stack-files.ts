/**
 * Pulumi.<env>.yaml of a new platform repository: the deployed state of each environment, which
 * `ferry promote` changes one tag line at a time, in the conflict-free layout `ferry fmt` keeps.
 */
import { stackFileName } from '../../model/stack-config.js';
import type { InitOptions } from './init-options.js';
import { profileAt, type ScaffoldProfile } from './platform-source.js';

/** The tag every environment starts at: a release tag, which every profile (production too) accepts. */
export const INITIAL_TAG = 'v0.1.0';

/** Region of the AWS resources when the registry does not name one. */
export const DEFAULT_REGION = 'eu-west-1';

/** The AWS region of an ECR registry host, else DEFAULT_REGION: the stacks create the registry there. */
export function regionOf(registry: string): string {
  return /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/.exec(registry)?.[1] ?? DEFAULT_REGION;
}

function headline(env: string, profile: ScaffoldProfile, upstream: string | undefined): string {
  const from = upstream === undefined ? '' : ` from ${upstream}`;
  switch (profile) {
    case 'development':
      return `${env}: where builds land first (\`ferry promote <service> --to ${env} --tag <tag> --direct\`); automated sync.`;
    case 'staging':
      return `${env}: promoted${from} after a 1 h soak (\`ferry promote <service> --to ${env}\`); automated sync.`;
    case 'production':
      return `${env}: promoted${from} through a reviewed pull request (\`ferry promote <service> --to ${env} --pr\`); blue-green, manual sync.`;
  }
}

/** Stack file name -> text, one per environment. */
export function stackFiles(options: InitOptions): Map<string, string> {
  const files = new Map<string, string>();
  options.environments.forEach((env, i) => {
    const text = [
      `# ${headline(env, profileAt(i, options.environments.length), options.environments[i - 1])}`,
      'config:',
      `  aws:region: ${regionOf(options.registry)}`,
      // The conflict-free layout of `ferry fmt`: one service per paragraph, a digests entry ('' pins
      // nothing) for each, so promotion pull requests change existing lines that never touch.
      `  ${options.name}:images:`,
      `    ${options.service}: ${INITIAL_TAG}`,
      `  ${options.name}:digests:`,
      `    ${options.service}: ''`,
      '',
    ].join('\n');
    files.set(stackFileName(env), text);
  });
  return files;
}

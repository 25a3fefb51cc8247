/** The CI role's trust and permission documents, as pure functions. */
import { ECR_PUSH_ACTIONS } from './ecr-policies.js';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from './naming.js';

const PINNED_SUBJECT = /^repo:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+:[^*?]+$/;

/**
 * Only GitHub's OIDC tokens for sts.amazonaws.com whose `sub` is one of `subjects` (each pinned to
 * one repository, no wildcards) may assume the role.
 */
export function githubOidcTrustPolicy(providerArn: string, subjects: readonly string[]) {
  if (subjects.length === 0) throw new Error('githubOidcTrustPolicy: subjects must not be empty');
  for (const subject of subjects) {
    if (!PINNED_SUBJECT.test(subject)) {
      throw new Error(`githubOidcTrustPolicy: subject ${JSON.stringify(subject)} must be 'repo:<owner>/<repo>:<context>' without wildcards`);
    }
  }
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GithubActionsOfOneRepository',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: [...subjects],
          },
        },
      },
    ],
  };
}

/** Push to these repositories, and nothing more (the token call has no resource-level scope). */
export function ecrPushPolicy(repositoryArns: readonly string[]) {
  if (repositoryArns.length === 0) throw new Error('ecrPushPolicy: repositoryArns must not be empty');
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'RegistryLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Sid: 'PushServiceImages', Effect: 'Allow', Action: [...ECR_PUSH_ACTIONS], Resource: [...repositoryArns] },
    ],
  };
}

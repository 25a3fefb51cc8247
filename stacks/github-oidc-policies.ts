/** The GitHub OIDC roles' trust and permission documents, as pure functions. */
import { ECR_PUSH_ACTIONS } from './ecr-policies.js';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from './naming.js';

const PINNED_SUBJECT = /^repo:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+:[^*?]+$/;
/** `<owner>/<repo>/.github/workflows/<file>@<ref>`: owner, repo and file literal; the ref may be `*` (any pinned ref). */
const PINNED_WORKFLOW_REF = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/\.github\/workflows\/[A-Za-z0-9_.-]+\.ya?ml@(\*|[^*?]+)$/;

function checkSubjects(fn: string, subjects: readonly string[]): void {
  if (subjects.length === 0) throw new Error(`${fn}: subjects must not be empty`);
  for (const subject of subjects) {
    if (!PINNED_SUBJECT.test(subject)) {
      throw new Error(`${fn}: subject ${JSON.stringify(subject)} must be 'repo:<owner>/<repo>:<context>' without wildcards`);
    }
  }
}

/**
 * Only GitHub's OIDC tokens for sts.amazonaws.com whose `sub` is one of `subjects` (each pinned to
 * one repository, no wildcards) may assume the role.
 */
export function githubOidcTrustPolicy(providerArn: string, subjects: readonly string[]) {
  checkSubjects('githubOidcTrustPolicy', subjects);
  return oidcTrustPolicy('GithubActionsOfOneRepository', providerArn, {
    StringEquals: {
      [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
      [`${GITHUB_OIDC_HOST}:sub`]: [...subjects],
    },
  });
}

/** A trust policy with one statement: GitHub's OIDC provider may assume the role under `condition`. */
function oidcTrustPolicy(sid: string, providerArn: string, condition: Record<string, Record<string, string | string[]>>) {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition }],
  };
}

/**
 * Only GitHub's OIDC tokens for sts.amazonaws.com whose `sub` is one of `subjects` AND whose job
 * runs the workflow `jobWorkflowRef` (`<owner>/<repo>/.github/workflows/<file>@<ref or *>`) may
 * assume the role. IAM ANDs the keys of one statement, so a listed repository gets credentials only
 * inside that workflow (for a reusable workflow, `sub` is the caller's and `job_workflow_ref` the
 * called workflow's), and no other repository gets them even when it calls the same workflow.
 * StringLike for both: `sub` carries no wildcard (checked), the workflow ref only in its ref part.
 */
export function githubOidcWorkflowTrustPolicy(providerArn: string, subjects: readonly string[], jobWorkflowRef: string) {
  checkSubjects('githubOidcWorkflowTrustPolicy', subjects);
  if (!PINNED_WORKFLOW_REF.test(jobWorkflowRef)) {
    throw new Error(
      `githubOidcWorkflowTrustPolicy: jobWorkflowRef ${JSON.stringify(jobWorkflowRef)} must be '<owner>/<repo>/.github/workflows/<file>@<ref>' with a wildcard at most as the whole ref`,
    );
  }
  return oidcTrustPolicy('GithubActionsThroughOneWorkflow', providerArn, {
    StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE },
    StringLike: {
      [`${GITHUB_OIDC_HOST}:sub`]: [...subjects],
      [`${GITHUB_OIDC_HOST}:job_workflow_ref`]: jobWorkflowRef,
    },
  });
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

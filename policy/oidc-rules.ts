import type { ResourceValidationPolicy } from '@pulumi/policy';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from '../stacks/naming.js';
import { conditionValues, iamStatements, principalValues } from './policy-documents.js';

/** `repo:<owner>/<repo>:<context>`: owner and repo literal; a wildcard is only allowed in the context. */
const PINNED = /^repo:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+:.+$/;

/**
 * `<owner>/<repo>/.github/workflows/<file>@<ref>`: owner, repo and workflow file literal; a wildcard
 * is only allowed in the ref (callers pin `uses:` to a commit).
 */
const PINNED_WORKFLOW = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/\.github\/workflows\/[A-Za-z0-9_.-]+\.ya?ml@.+$/;

export const githubOidcTrustPinned: ResourceValidationPolicy = {
  name: 'github-oidc-trust-pinned',
  description:
    "IAM roles trusting GitHub's OIDC provider must pin the audience to STS and the subject to named repositories; a job_workflow_ref condition, when present, must pin one repository's workflow file.",
  enforcementLevel: 'mandatory',
  validateResource(args, reportViolation) {
    if (args.type !== 'aws:iam/role:Role') return;
    const statements = iamStatements(args.props.assumeRolePolicy);
    if (!statements) {
      reportViolation('IAM role: assumeRolePolicy is missing or not a readable IAM policy document');
      return;
    }
    statements.forEach((statement, i) => {
      if (statement.Effect !== 'Allow') return;
      if (!principalValues(statement.Principal, 'Federated').some((p) => p.endsWith(GITHUB_OIDC_HOST))) return;
      const where = `IAM role: Statement[${i}] trusts GitHub Actions`;
      const audiences = conditionValues(statement, ['StringEquals'], `${GITHUB_OIDC_HOST}:aud`);
      if (!audiences || audiences.length === 0) {
        reportViolation(`${where} without a StringEquals condition on ${GITHUB_OIDC_HOST}:aud; require '${GITHUB_OIDC_AUDIENCE}'`);
      } else if (audiences.some((a) => a !== GITHUB_OIDC_AUDIENCE)) {
        reportViolation(`${where} for audience ${JSON.stringify(audiences)}; allow only '${GITHUB_OIDC_AUDIENCE}'`);
      }
      // Optional (the CI roles have none), but a condition that is present must narrow: a wildcard
      // in owner, repo or file would let any repository's (or any) workflow through.
      const workflows = conditionValues(statement, ['StringEquals', 'StringLike'], `${GITHUB_OIDC_HOST}:job_workflow_ref`);
      if (workflows !== undefined) {
        const loose = workflows.filter((w) => !PINNED_WORKFLOW.test(w));
        if (workflows.length === 0 || loose.length > 0) {
          reportViolation(
            `${where} with job_workflow_ref ${JSON.stringify(workflows.length === 0 ? workflows : loose)} not pinned to one workflow file; use '<owner>/<repo>/.github/workflows/<file>@<ref>' with a wildcard at most in the ref`,
          );
        }
      }
      const subjects = conditionValues(statement, ['StringEquals', 'StringLike'], `${GITHUB_OIDC_HOST}:sub`);
      if (!subjects || subjects.length === 0) {
        reportViolation(`${where} without a condition on ${GITHUB_OIDC_HOST}:sub, so any repository on GitHub can assume it; pin 'repo:<owner>/<repo>:<context>'`);
        return;
      }
      const unpinned = subjects.filter((s) => !PINNED.test(s));
      if (unpinned.length > 0) {
        reportViolation(`${where} with subject ${JSON.stringify(unpinned)} not pinned to one repository; use 'repo:<owner>/<repo>:<context>' without wildcards in owner or repo`);
      }
    });
  },
};

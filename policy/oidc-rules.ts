import type { ResourceValidationPolicy } from '@pulumi/policy';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from '../stacks/naming.js';
import { conditionValues, iamStatements, principalValues } from './policy-documents.js';

/** `repo:<owner>/<repo>:<context>`: owner and repo literal; a wildcard is only allowed in the context. */
const PINNED = /^repo:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+:.+$/;

export const githubOidcTrustPinned: ResourceValidationPolicy = {
  name: 'github-oidc-trust-pinned',
  description: "IAM roles trusting GitHub's OIDC provider must pin the audience to STS and the subject to one repository.",
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

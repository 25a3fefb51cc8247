import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ecrPushPolicy, githubOidcTrustPolicy, githubOidcWorkflowTrustPolicy } from './github-oidc-policies.js';

/** IAM's default quota for a role trust policy (without whitespace). */
const MAX_TRUST_POLICY_CHARS = 2048;

export interface GithubOidcRoleProps {
  /** IAM role name; fixed, because the registry's repository policy names it. */
  readonly roleName: string;
  /** ARN of the account's GitHub OIDC provider; a plain string, so the trust policy is known at preview. */
  readonly providerArn: string;
  /** `sub` claims allowed to assume the role, each `repo:<owner>/<repo>:<context>`. */
  readonly subjects: readonly string[];
  /**
   * Also require the job to run this workflow (`job_workflow_ref`, `<owner>/<repo>/.github/workflows/<file>@<ref or *>`):
   * for roles that other repositories' workflows assume through a reusable workflow.
   * @default - any workflow of the subjects' repositories
   */
  readonly jobWorkflowRef?: string;
  /** ECR repositories the role may push to. */
  readonly repositoryArns: readonly string[];
  /**
   * Longest session a workflow gets, in seconds.
   * @default 3600
   */
  readonly maxSessionDurationSeconds?: number;
  /**
   * Tags of the role.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A role only the named repositories' workflows (and, with jobWorkflowRef, only through that workflow)
 * can assume, allowed to push images and nothing more.
 */
export class GithubOidcRole extends pulumi.ComponentResource {
  public readonly roleArn: pulumi.Output<string>;
  public readonly roleName: pulumi.Output<string>;

  public constructor(name: string, props: GithubOidcRoleProps, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:ci:GithubOidcRole', name, {}, opts);
    const maxSessionDuration = props.maxSessionDurationSeconds ?? 3600;
    if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 900 || maxSessionDuration > 43200) {
      throw new Error(`GithubOidcRole '${name}': 'maxSessionDurationSeconds' ${maxSessionDuration} must be from 900 to 43200`);
    }
    const names = [...new Set(props.subjects.map((s) => s.split(':')[1]))];
    // IAM descriptions are at most 1000 characters; a long list of publishers is counted instead.
    const repositories = names.join(', ').length > 600 ? `${names.length} repositories` : names.join(', ');
    const trust =
      props.jobWorkflowRef === undefined
        ? githubOidcTrustPolicy(props.providerArn, props.subjects)
        : githubOidcWorkflowTrustPolicy(props.providerArn, props.subjects, props.jobWorkflowRef);
    const trustDocument = JSON.stringify(trust);
    if (trustDocument.length > MAX_TRUST_POLICY_CHARS) {
      throw new Error(
        `GithubOidcRole '${name}': its trust policy is ${trustDocument.length} characters; IAM allows ${MAX_TRUST_POLICY_CHARS} by default: list fewer subjects (${props.subjects.length} now)`,
      );
    }
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: props.roleName,
        description:
          props.jobWorkflowRef === undefined
            ? `GitHub Actions of ${repositories}: push images to ECR`
            : `GitHub Actions of ${repositories} through ${props.jobWorkflowRef}: push images to ECR`,
        assumeRolePolicy: trustDocument,
        maxSessionDuration,
        tags: props.tags ?? {},
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(`${name}-ecr-push`, { role: role.id, policy: JSON.stringify(ecrPushPolicy(props.repositoryArns)) }, { parent: this });
    this.roleArn = role.arn;
    this.roleName = role.name;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}

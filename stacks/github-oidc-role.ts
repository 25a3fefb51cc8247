import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ecrPushPolicy, githubOidcTrustPolicy } from './github-oidc-policies.js';

export interface GithubOidcRoleProps {
  /** IAM role name; fixed, because the registry's repository policy names it. */
  readonly roleName: string;
  /** ARN of the account's GitHub OIDC provider; a plain string, so the trust policy is known at preview. */
  readonly providerArn: string;
  /** `sub` claims allowed to assume the role, each `repo:<owner>/<repo>:<context>`. */
  readonly subjects: readonly string[];
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

/** A role only the platform repository's workflows can assume, allowed to push images and nothing more. */
export class GithubOidcRole extends pulumi.ComponentResource {
  public readonly roleArn: pulumi.Output<string>;
  public readonly roleName: pulumi.Output<string>;

  public constructor(name: string, props: GithubOidcRoleProps, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:ci:GithubOidcRole', name, {}, opts);
    const maxSessionDuration = props.maxSessionDurationSeconds ?? 3600;
    if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 900 || maxSessionDuration > 43200) {
      throw new Error(`GithubOidcRole '${name}': 'maxSessionDurationSeconds' ${maxSessionDuration} must be from 900 to 43200`);
    }
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: props.roleName,
        description: `GitHub Actions of ${[...new Set(props.subjects.map((s) => s.split(':')[1]))].join(', ')}: push images to ECR`,
        assumeRolePolicy: JSON.stringify(githubOidcTrustPolicy(props.providerArn, props.subjects)),
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

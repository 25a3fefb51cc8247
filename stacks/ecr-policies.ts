/** The ECR policy documents, as pure functions so tests (and readers) see exactly what is granted. */

/** Days before an untagged image (a layer left behind by a re-push) expires. */
export const UNTAGGED_EXPIRY_DAYS = 7;
/** Days before a pull-request build (`pr-*` tag) expires; previews are short-lived. */
export const PULL_REQUEST_EXPIRY_DAYS = 14;

export interface LifecycleRule {
  readonly rulePriority: number;
  readonly description: string;
  readonly selection: {
    readonly tagStatus: 'untagged' | 'tagged' | 'any';
    readonly tagPatternList?: readonly string[];
    readonly countType: 'sinceImagePushed' | 'imageCountMoreThan';
    readonly countUnit?: 'days';
    readonly countNumber: number;
  };
  readonly action: { readonly type: 'expire' };
}

/**
 * Untagged images expire after 7 days and `pr-*` images after 14. Release tags (`v*`) and the
 * promoted `sha-*` builds are kept: no rule selects them (ECR lifecycle rules only expire).
 */
export function ecrLifecyclePolicy(): { rules: LifecycleRule[] } {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${UNTAGGED_EXPIRY_DAYS} days`,
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: UNTAGGED_EXPIRY_DAYS },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `Expire pull-request builds (pr-*) after ${PULL_REQUEST_EXPIRY_DAYS} days`,
        selection: { tagStatus: 'tagged', tagPatternList: ['pr-*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: PULL_REQUEST_EXPIRY_DAYS },
        action: { type: 'expire' },
      },
    ],
  };
}

/** Days before any image of a `<repository>-preview` repository (pull-request builds) expires. */
export const PREVIEW_IMAGE_EXPIRY_DAYS = 7;

/**
 * Lifecycle of a `<repository>-preview` repository: untagged images expire after a day, every other
 * image (they are all `pr-*` builds) after {@link PREVIEW_IMAGE_EXPIRY_DAYS} days.
 */
export function ecrPreviewLifecyclePolicy(): { rules: LifecycleRule[] } {
  return {
    rules: [
      {
        rulePriority: 1,
        description: 'Expire untagged images after 1 day',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `Expire every pull-request build after ${PREVIEW_IMAGE_EXPIRY_DAYS} days`,
        selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: PREVIEW_IMAGE_EXPIRY_DAYS },
        action: { type: 'expire' },
      },
    ],
  };
}

/** What pulling an image takes. */
export const ECR_PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] as const;
/** What pushing an image takes (and nothing that deletes or reconfigures a repository). */
export const ECR_PUSH_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:CompleteLayerUpload',
  'ecr:InitiateLayerUpload',
  'ecr:PutImage',
  'ecr:UploadLayerPart',
] as const;
/** The writes the repository policy denies to everyone but the CI roles. */
export const ECR_WRITE_ACTIONS = ['ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart'] as const;

export interface RepositoryPolicyProps {
  /** AWS account of the registry. */
  readonly account: string;
  /** Roles that may pull: the cluster hosts. */
  readonly pullRoleArns: readonly string[];
  /** Roles that may push: the CI roles. */
  readonly pushRoleArns: readonly string[];
}

/**
 * Hosts pull, CI roles push, and an explicit deny stops every other principal from writing, even
 * one whose own IAM policy allows ecr:PutImage. Principals are matched on aws:PrincipalArn with the
 * account as principal, so the roles may be created later by other stacks (ECR rejects a policy
 * that names a role that does not exist yet).
 */
export function ecrRepositoryPolicy(props: RepositoryPolicyProps) {
  if (props.pullRoleArns.length === 0) throw new Error('ecrRepositoryPolicy: pullRoleArns must not be empty');
  if (props.pushRoleArns.length === 0) throw new Error('ecrRepositoryPolicy: pushRoleArns must not be empty');
  const account = { AWS: `arn:aws:iam::${props.account}:root` };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ClusterHostsPull',
        Effect: 'Allow',
        Principal: account,
        Action: [...ECR_PULL_ACTIONS],
        Condition: { ArnEquals: { 'aws:PrincipalArn': [...props.pullRoleArns] } },
      },
      {
        Sid: 'CiRolesPush',
        Effect: 'Allow',
        Principal: account,
        Action: [...ECR_PUSH_ACTIONS],
        Condition: { ArnEquals: { 'aws:PrincipalArn': [...props.pushRoleArns] } },
      },
      {
        Sid: 'OnlyCiRolesPush',
        Effect: 'Deny',
        Principal: '*',
        Action: [...ECR_WRITE_ACTIONS],
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': [...props.pushRoleArns] } },
      },
    ],
  };
}

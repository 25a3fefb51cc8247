import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ecrLifecyclePolicy, ecrPreviewLifecyclePolicy, ecrRepositoryPolicy } from './ecr-policies.js';

export interface ServiceRepositoriesProps {
  /** ECR repository names, one per service. */
  readonly repositories: readonly string[];
  /** AWS account of the registry; the repository policy names its roles. */
  readonly account: string;
  /** Roles that pull: the cluster hosts (they may not exist yet). */
  readonly pullRoleArns: readonly string[];
  /** Roles that push: the CI roles (they may not exist yet). */
  readonly pushRoleArns: readonly string[];
  /**
   * Pull-request build repositories (`<repository>-preview`): a short lifecycle, pulled only by
   * `previewPullRoleArns` and pushed only by `previewPushRoleArns` (never by the CI roles).
   * @default - none
   */
  readonly previewRepositories?: readonly string[];
  /** Roles that pull pull-request builds: the preview cluster's host. */
  readonly previewPullRoleArns?: readonly string[];
  /** Roles that push pull-request builds: the preview publisher. */
  readonly previewPushRoleArns?: readonly string[];
  /**
   * Customer-managed KMS key ARN.
   * @default - the AWS-managed aws/ecr KMS key
   */
  readonly kmsKeyArn?: string;
  /**
   * Tags of every repository.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * One ECR repository per service, secure by default: immutable tags (a promoted tag always means
 * the same image), scan on push, KMS encryption, a lifecycle policy and a repository policy that
 * lets the hosts pull and only the CI roles push.
 */
export class ServiceRepositories extends pulumi.ComponentResource {
  /** repository name → repository URL. */
  public readonly repositoryUrls: pulumi.Output<Record<string, string>>;
  public readonly repositories: Readonly<Record<string, aws.ecr.Repository>>;

  public constructor(name: string, props: ServiceRepositoriesProps, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:registry:ServiceRepositories', name, {}, opts);
    if (props.repositories.length === 0) throw new Error(`ServiceRepositories '${name}': 'repositories' must not be empty`);
    const tags = props.tags ?? {};
    const lifecyclePolicy = JSON.stringify(ecrLifecyclePolicy());
    const repositoryPolicy = JSON.stringify(
      ecrRepositoryPolicy({ account: props.account, pullRoleArns: props.pullRoleArns, pushRoleArns: props.pushRoleArns }),
    );
    const previewLifecyclePolicy = JSON.stringify(ecrPreviewLifecyclePolicy());
    const previewRepositories = props.previewRepositories ?? [];
    const previewRepositoryPolicy =
      previewRepositories.length === 0
        ? ''
        : JSON.stringify(
            ecrRepositoryPolicy({ account: props.account, pullRoleArns: props.previewPullRoleArns ?? [], pushRoleArns: props.previewPushRoleArns ?? [] }),
          );
    const repositories: Record<string, aws.ecr.Repository> = {};
    const all = [
      ...props.repositories.map((r) => ({ repositoryName: r, lifecycle: lifecyclePolicy, policy: repositoryPolicy, kind: 'ferry:service-repository' })),
      ...previewRepositories.map((r) => ({ repositoryName: r, lifecycle: previewLifecyclePolicy, policy: previewRepositoryPolicy, kind: 'ferry:preview-repository' })),
    ];
    for (const { repositoryName, lifecycle, policy, kind } of all) {
      const child = `${name}-${repositoryName.replace(/\//g, '-')}`;
      const repository = new aws.ecr.Repository(
        child,
        {
          name: repositoryName,
          imageTagMutability: 'IMMUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [props.kmsKeyArn ? { encryptionType: 'KMS', kmsKey: props.kmsKeyArn } : { encryptionType: 'KMS' }],
          // Deleting a repository with images must be a deliberate act (see docs/infrastructure.md).
          forceDelete: false,
          tags: { ...tags, [kind]: repositoryName },
        },
        { parent: this },
      );
      new aws.ecr.LifecyclePolicy(`${child}-lifecycle`, { repository: repository.name, policy: lifecycle }, { parent: this });
      new aws.ecr.RepositoryPolicy(`${child}-policy`, { repository: repository.name, policy }, { parent: this });
      repositories[repositoryName] = repository;
    }
    this.repositories = repositories;
    this.repositoryUrls = pulumi.all(Object.fromEntries(Object.entries(repositories).map(([k, r]) => [k, r.repositoryUrl])));
    this.registerOutputs({ repositoryUrls: this.repositoryUrls });
  }
}

/**
 * The whole Pulumi program as a function of (platform, environment, validated config), so tests
 * call it with any stack name and config. See model/ownership.ts for which stack creates what.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from '../model/stack-config.js';
import type { Platform } from '../model/platform.js';
import { DEFAULT_ARGOCD_NODE_PORT } from './cloud-init.js';
import { clusterUserData } from './cluster-user-data.js';
import { GithubOidcProvider } from './github-oidc-provider.js';
import { GithubOidcRole } from './github-oidc-role.js';
import { resolveInfraSettings } from './infra-settings.js';
import { MicroK8sHost } from './microk8s-host.js';
import {
  BUILD_IMAGE_WORKFLOW,
  ciRoleName,
  GITHUB_OIDC_HOST,
  githubOidcProviderArn,
  hostRoleName,
  imagePublisherRoleName,
  parseEcrRegistry,
  previewPublisherRoleName,
  repositoryArn,
  roleArn,
  workflowRefPattern,
} from './naming.js';
import { stackPlan } from '../model/ownership.js';
import { KUBE_API_PORT } from './security-group-rules.js';
import { ServiceRepositories } from './service-repositories.js';
import { ARGOCD_LOCAL_PORT, kubeconfigCommand, KUBE_API_LOCAL_PORT, portForwardCommand } from './ssm-commands.js';

export interface PlatformInfrastructureProps {
  readonly platform: Platform;
  /** The stack name, which is the environment name. */
  readonly environment: string;
  /** The stack's config, validated by parseStackConfig. */
  readonly config: StackConfig;
  /** Pulumi project name, for error messages. */
  readonly project: string;
}

export interface HostOutputs {
  readonly instanceId: pulumi.Output<string>;
  readonly publicIp: pulumi.Output<string>;
  /** Open after running argocdPortForwardCommand. */
  readonly argocdUrl: string;
  readonly argocdPortForwardCommand: pulumi.Output<string>;
  /** Writes kubeconfig-<cluster>; use it with kubeApiPortForwardCommand running. */
  readonly kubeconfigCommand: pulumi.Output<string>;
  readonly kubeApiPortForwardCommand: pulumi.Output<string>;
}

export interface PlatformInfrastructureOutputs {
  readonly environment: string;
  /** Stack that owns the ECR repositories. */
  readonly registryOwner: string;
  /** repository → URL. */
  readonly repositoryUrls: pulumi.Output<Record<string, string>> | Record<string, string>;
  readonly ciRoleArn: pulumi.Output<string>;
  /** Role application repositories pass as role-to-assume to build-image.yaml; only with imagePublishers. */
  readonly imagePublisherRoleArn?: pulumi.Output<string>;
  /** Role application repositories pass as preview-role-to-assume; only with services that have a sourceRepository. */
  readonly previewPublisherRoleArn?: pulumi.Output<string>;
  /** cluster → host, for the clusters this stack creates. */
  readonly hosts: Record<string, HostOutputs>;
}

export async function definePlatformInfrastructure(props: PlatformInfrastructureProps): Promise<PlatformInfrastructureOutputs> {
  const { platform, environment, config, project } = props;
  if (!platform.environments.some((e) => e.name === environment)) {
    throw new Error(`stack '${environment}' is not an environment of platform '${platform.name}'; each stack is one environment: ${platform.promotionOrder()}`);
  }
  const plan = stackPlan(platform, environment);
  const settings = resolveInfraSettings(platform, config, project);
  const registry = parseEcrRegistry(platform.registry);

  // The platform's registry is where the manifests say images live; deploying elsewhere would
  // leave every host pulling from a registry it has no rights to.
  const [identity, region] = await Promise.all([aws.getCallerIdentity({}), aws.getRegion({})]);
  if (identity.accountId !== registry.account || region.region !== registry.region) {
    throw new Error(
      `stack '${environment}' deploys to account ${identity.accountId} in ${region.region}, but platform 'registry' ${JSON.stringify(platform.registry)} is account ${registry.account} in ${registry.region}; set aws:region in ${config.file} or use credentials for account ${registry.account}`,
    );
  }

  const tags = { 'ferry:platform': platform.name, 'ferry:environment': environment };
  const hostRoleArns = platform.clusters().map((cluster) => roleArn(registry.account, hostRoleName(platform.name, cluster)));
  const ciRoleArns = platform.environments.map((env) => roleArn(registry.account, ciRoleName(platform.name, env.name)));
  const repositoryNames = [...new Set(platform.services.map((s) => s.repository))].sort();
  const repositoryArns = repositoryNames.map((name) => repositoryArn(registry, name));
  // The image-publisher role belongs to the registry: imagePublishers is refused in other stacks
  // (model/infra-keys.ts), and this guard keeps the repository policy and the role in step.
  const publishers = plan.ownsRegistry ? settings.imagePublishers : undefined;
  const publisherRoleName = publishers ? imagePublisherRoleName(platform.name) : undefined;
  const pushRoleArns = publisherRoleName ? [...ciRoleArns, roleArn(registry.account, publisherRoleName)] : ciRoleArns;
  // Pull-request builds of services with a sourceRepository: their own repositories and role.
  const previewServices = plan.ownsRegistry && platform.previews ? platform.services.filter((s) => s.sourceRepository !== undefined) : [];
  const previewRepositoryNames = [...new Set(previewServices.map((s) => platform.previewRepositoryOf(s)))].sort();
  const previewRoleName = previewServices.length > 0 ? previewPublisherRoleName(platform.name) : undefined;

  let repositoryUrls: PlatformInfrastructureOutputs['repositoryUrls'];
  let providerArn: string;
  const ciDependencies: pulumi.Resource[] = [];
  if (plan.ownsRegistry) {
    const repositories = new ServiceRepositories(`${platform.name}-registry`, {
      repositories: repositoryNames,
      account: registry.account,
      pullRoleArns: hostRoleArns,
      pushRoleArns,
      ...(previewRoleName && platform.previews
        ? {
            previewRepositories: previewRepositoryNames,
            previewPullRoleArns: [roleArn(registry.account, hostRoleName(platform.name, platform.previews.cluster))],
            previewPushRoleArns: [roleArn(registry.account, previewRoleName)],
          }
        : {}),
      kmsKeyArn: settings.ecrKmsKeyArn,
      tags,
    });
    repositoryUrls = repositories.repositoryUrls;
    // The provider's ARN is fixed by the account; using the string keeps the CI role's trust policy
    // known at preview, so the policy pack can check it before anything is created.
    const provider = new GithubOidcProvider(`${platform.name}-github`, { tags });
    providerArn = githubOidcProviderArn(registry.account);
    ciDependencies.push(provider);
  } else {
    const missing = `run 'pulumi up -s ${plan.registryOwner}' first: the ${plan.registryOwner} stack creates the ECR repositories and the GitHub OIDC provider`;
    const found = await Promise.all(
      repositoryNames.map((name) =>
        aws.ecr.getRepository({ name }).then(
          (repository) => [name, repository.repositoryUrl] as const,
          (e: unknown) => {
            throw new Error(`ECR repository '${name}' not found (${reason(e)}); ${missing}`);
          },
        ),
      ),
    );
    repositoryUrls = Object.fromEntries(found);
    providerArn = await aws.iam.getOpenIdConnectProvider({ url: `https://${GITHUB_OIDC_HOST}` }).then(
      (provider) => provider.arn,
      (e: unknown) => {
        throw new Error(`GitHub OIDC provider not found (${reason(e)}); ${missing}`);
      },
    );
  }

  const ci = new GithubOidcRole(
    `${platform.name}-ci-${environment}`,
    {
      roleName: ciRoleName(platform.name, environment),
      providerArn,
      subjects: settings.ciSubjects,
      repositoryArns,
      tags,
    },
    { dependsOn: ciDependencies },
  );

  // Application repositories get their own role rather than a second trust statement on the CI
  // role. Least privilege: the CI roles are per environment (prod's re-tags releases) and trusted
  // for any workflow of the platform repository, so app repositories get none of them; this role
  // trusts only their default-branch builds running the platform's build-image.yaml, can do
  // exactly what the CI role's push policy allows (ecrPushPolicy, the same function), is one per
  // registry, shows up under its own name in CloudTrail, and goes away by removing the key
  // without touching the platform's own CI.
  let imagePublisherRoleArn: pulumi.Output<string> | undefined;
  if (publishers && publisherRoleName) {
    const publisher = new GithubOidcRole(
      `${platform.name}-image-publisher`,
      {
        roleName: publisherRoleName,
        providerArn,
        subjects: publishers.subjects,
        jobWorkflowRef: publishers.jobWorkflowRef,
        repositoryArns,
        tags,
      },
      { dependsOn: ciDependencies },
    );
    imagePublisherRoleArn = publisher.roleArn;
  }

  // Pull requests of the services' own repositories build previews: this role trusts only their
  // pull_request runs of the platform's build workflow and may push only to <repository>-preview,
  // which no environment reads; the service repositories' policies deny it every write.
  let previewPublisherRoleArn: pulumi.Output<string> | undefined;
  if (previewRoleName) {
    const preview = new GithubOidcRole(
      `${platform.name}-preview-publisher`,
      {
        roleName: previewRoleName,
        providerArn,
        subjects: [...new Set(previewServices.map((s) => `repo:${s.sourceRepository}:pull_request`))].sort(),
        jobWorkflowRef: workflowRefPattern(settings.githubRepository, BUILD_IMAGE_WORKFLOW),
        repositoryArns: previewRepositoryNames.map((name) => repositoryArn(registry, name)),
        tags,
      },
      { dependsOn: ciDependencies },
    );
    previewPublisherRoleArn = preview.roleArn;
  }

  const hosts: Record<string, HostOutputs> = {};
  for (const cluster of plan.hostClusters) {
    const host = new MicroK8sHost(`${platform.name}-${cluster}`, {
      cluster,
      roleName: hostRoleName(platform.name, cluster),
      userData: clusterUserData(platform, cluster, settings.host),
      instanceType: settings.host.instanceType,
      diskSizeGb: settings.host.diskSizeGb,
      amiId: settings.host.amiId,
      network: settings.host.network,
      ingressCidrs: settings.host.ingressCidrs,
      adminCidrs: settings.host.adminCidrs,
      tags,
    });
    hosts[cluster] = {
      instanceId: host.instanceId,
      publicIp: host.publicIp,
      argocdUrl: `https://localhost:${ARGOCD_LOCAL_PORT}`,
      argocdPortForwardCommand: host.instanceId.apply((id) => portForwardCommand(id, registry.region, DEFAULT_ARGOCD_NODE_PORT, ARGOCD_LOCAL_PORT)),
      kubeconfigCommand: host.instanceId.apply((id) => kubeconfigCommand(id, registry.region, cluster)),
      kubeApiPortForwardCommand: host.instanceId.apply((id) => portForwardCommand(id, registry.region, KUBE_API_PORT, KUBE_API_LOCAL_PORT)),
    };
  }

  return {
    environment,
    registryOwner: plan.registryOwner,
    repositoryUrls,
    ciRoleArn: ci.roleArn,
    ...(imagePublisherRoleArn ? { imagePublisherRoleArn } : {}),
    ...(previewPublisherRoleArn ? { previewPublisherRoleArn } : {}),
    hosts,
  };
}

/** The first line of a failed lookup's error, whatever shape the SDK gave it. */
function reason(e: unknown): string {
  const err = e as { message?: string; details?: string } | undefined;
  return (err?.details || err?.message || String(e)).split('\n')[0]!;
}

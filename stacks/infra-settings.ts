/**
 * The infrastructure settings of one stack with every default resolved once. Input: the validated
 * StackConfig (same schema as the renderer), so a key means the same thing everywhere.
 */
import type { StackConfig } from '../model/stack-config.js';
import type { Platform } from '../model/platform.js';
import { DEFAULT_ARGOCD_VERSION, DEFAULT_ARGO_ROLLOUTS_VERSION, DEFAULT_MICROK8S_CHANNEL } from './cloud-init.js';
import { imagePublisherOf } from '../model/infra-keys.js';
import { BUILD_IMAGE_WORKFLOW, githubRepositoryOf, workflowRefPattern } from './naming.js';

export const DEFAULT_INSTANCE_TYPE = 't3.large';
export const DEFAULT_DISK_SIZE_GB = 40;
export const DEFAULT_VPC_CIDR = '10.64.0.0/16';
export const DEFAULT_INGRESS_CIDRS: readonly string[] = ['0.0.0.0/0'];
export const DEFAULT_ADMIN_CIDRS: readonly string[] = [];
/** GitHub environment whose workflows may assume the CI role of environments that require review. */
export const PRODUCTION_GITHUB_ENVIRONMENT = 'production';

/** Where the host runs: a VPC this stack creates, or an existing one. */
export type HostNetworkSettings =
  | { readonly kind: 'create'; readonly vpcCidr: string }
  | { readonly kind: 'existing'; readonly vpcId: string; readonly subnetId: string };

export interface HostSettings {
  readonly instanceType: string;
  readonly diskSizeGb: number;
  /** Pinned AMI, or undefined to look up the newest Ubuntu LTS image. */
  readonly amiId: string | undefined;
  readonly network: HostNetworkSettings;
  readonly ingressCidrs: readonly string[];
  readonly adminCidrs: readonly string[];
  readonly microk8sChannel: string;
  readonly argocdVersion: string;
  readonly argoRolloutsVersion: string;
}

export interface InfraSettings {
  readonly host: HostSettings;
  /** KMS key of the ECR repositories, or undefined for the AWS-managed key. */
  readonly ecrKmsKeyArn: string | undefined;
  /** owner/repo whose workflows may assume the CI role. */
  readonly githubRepository: string;
  /** Full `sub` claims allowed to assume the CI role, each `repo:<owner>/<repo>:<suffix>`. */
  readonly ciSubjects: readonly string[];
  /**
   * The image-publisher role's trust, from `imagePublishers`; undefined when the key is unset (no
   * role). Only the registry owner's stack accepts the key.
   */
  readonly imagePublishers:
    | {
      /** `sub` claims, each `repo:<app owner>/<app repo>:ref:refs/heads/<branch>`. */
      readonly subjects: readonly string[];
      /** `job_workflow_ref` pattern: the platform repository's build workflow at any ref. */
      readonly jobWorkflowRef: string;
    }
    | undefined;
}

/** Default CI subjects of an environment; see the ciSubjects key. */
export function defaultCiSubjects(platform: Platform, environment: string): string[] {
  const env = platform.environment(environment);
  if (env.requiresReview) return [`environment:${PRODUCTION_GITHUB_ENVIRONMENT}`];
  // No pull_request subject: the CI roles push to the repositories environments read, and
  // pull-request builds go to the <repository>-preview repositories through the preview publisher.
  return [`ref:refs/heads/${platform.targetRevision}`];
}

export function resolveInfraSettings(platform: Platform, config: StackConfig, project: string): InfraSettings {
  const infra = config.infra as Readonly<Record<string, unknown>>;
  const get = <T>(key: string): T | undefined => infra[key] as T | undefined;
  const where = (key: string) => `${config.file}: ${project}:${key}`;

  const vpcId = get<string>('vpcId');
  const subnetId = get<string>('subnetId');
  if ((vpcId === undefined) !== (subnetId === undefined)) {
    throw new Error(
      `${where(vpcId === undefined ? 'subnetId' : 'vpcId')}: ${JSON.stringify(vpcId ?? subnetId)} needs ${vpcId === undefined ? 'vpcId' : 'subnetId'} too; give both to use an existing network, or neither to create one`,
    );
  }
  if (vpcId !== undefined && get('vpcCidr') !== undefined) {
    throw new Error(`${where('vpcCidr')}: ${JSON.stringify(get('vpcCidr'))} has no effect with vpcId ${JSON.stringify(vpcId)}; remove one of them`);
  }
  const network: HostNetworkSettings =
    vpcId !== undefined && subnetId !== undefined
      ? { kind: 'existing', vpcId, subnetId }
      : { kind: 'create', vpcCidr: get<string>('vpcCidr') ?? DEFAULT_VPC_CIDR };

  const githubRepository = get<string>('githubRepository') ?? githubRepositoryOf(platform.repoURL);
  if (githubRepository === undefined) {
    throw new Error(
      `${where('githubRepository')}: missing; the platform's repoURL ${JSON.stringify(platform.repoURL)} is not on github.com, so set the repository whose workflows push images ('owner/repo')`,
    );
  }
  const suffixes = get<string[]>('ciSubjects') ?? defaultCiSubjects(platform, config.environment);
  const publishers = get<string[]>('imagePublishers');

  return {
    host: {
      instanceType: get<string>('instanceType') ?? DEFAULT_INSTANCE_TYPE,
      diskSizeGb: get<number>('diskSizeGb') ?? DEFAULT_DISK_SIZE_GB,
      amiId: get<string>('amiId'),
      network,
      ingressCidrs: get<string[]>('ingressCidrs') ?? DEFAULT_INGRESS_CIDRS,
      adminCidrs: get<string[]>('adminCidrs') ?? DEFAULT_ADMIN_CIDRS,
      microk8sChannel: get<string>('microk8sChannel') ?? DEFAULT_MICROK8S_CHANNEL,
      argocdVersion: get<string>('argocdVersion') ?? DEFAULT_ARGOCD_VERSION,
      argoRolloutsVersion: get<string>('argoRolloutsVersion') ?? DEFAULT_ARGO_ROLLOUTS_VERSION,
    },
    ecrKmsKeyArn: get<string>('ecrKmsKeyArn'),
    githubRepository,
    ciSubjects: suffixes.map((suffix) => `repo:${githubRepository}:${suffix}`),
    imagePublishers:
      publishers === undefined
        ? undefined
        : {
            subjects: publishers.map(imagePublisherOf).map(({ repository, branch }) => `repo:${repository}:ref:refs/heads/${branch}`),
            jobWorkflowRef: workflowRefPattern(githubRepository, BUILD_IMAGE_WORKFLOW),
          },
  };
}

/** arm64 for Graviton families (a 'g' after the generation digit: t4g, m7g, c6gn, r8g), else amd64. */
export function architectureOf(instanceType: string): 'arm64' | 'amd64' {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType) ? 'arm64' : 'amd64';
}

import type { ConfigSource, StackKeySpec } from './stack-key.js';
import { stackPlan } from './ownership.js';
import { isGitRef, RULES } from './names.js';

/** A snap channel pinned to a minor version, like '1.32/stable'. */
export const MICROK8S_CHANNEL = /^\d+\.\d+(-strict)?\/(stable|candidate|beta|edge)$/;
/** A release tag like 'v1.8.3'. */
export const RELEASE_VERSION = /^v\d+\.\d+\.\d+$/;

/** A parsed IPv4 or IPv6 CIDR block. */
const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-f:]*:[0-9a-f:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/i;
const OPEN_TO_ALL = ['0.0.0.0/0', '::/0'];
/** CIDRs MicroK8s uses inside the host (Calico pods, cluster services); a VPC must not overlap them. */
export const MICROK8S_INTERNAL_CIDRS = ['10.1.0.0/16', '10.152.183.0/24'] as const;

export function isCidr(value: string): boolean {
  return IPV4_CIDR.test(value) || IPV6_CIDR.test(value);
}

function ipv4Range(cidr: string): [number, number] {
  const [address, bits] = cidr.split('/') as [string, string];
  const start = address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  const base = start - (start % size);
  return [base, base + size - 1];
}

export function ipv4Overlaps(a: string, b: string): boolean {
  const [a0, a1] = ipv4Range(a);
  const [b0, b1] = ipv4Range(b);
  return a0 <= b1 && b0 <= a1;
}

function show(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function text(value: unknown, where: string, pattern: RegExp, allowed: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new Error(`${where}: ${show(value)} is not allowed; allowed: ${allowed}`);
  return value;
}

function cidrList(value: unknown, where: string, example: string): string[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list of CIDR blocks like ${example}, got ${show(value)}`);
  value.forEach((cidr, i) => {
    if (typeof cidr !== 'string' || !isCidr(cidr)) throw new Error(`${where}[${i}]: ${show(cidr)} is not a CIDR block; allowed: IPv4 or IPv6 CIDR like ${example}`);
  });
  if (new Set(value).size !== value.length) throw new Error(`${where}: ${show(value)} lists a CIDR block twice`);
  return [...(value as string[])];
}

/**
 * Host settings only mean something in the stack that creates the host; elsewhere they would be
 * silently ignored, so they are refused with a pointer to the right file.
 */
function hostKey(spec: Omit<StackKeySpec, 'parse'> & { parse(value: unknown, where: string): unknown }): StackKeySpec {
  return {
    ...spec,
    parse(value, where, source) {
      const parsed = spec.parse(value, where);
      const plan = stackPlan(source.platform, source.environment.name);
      if (plan.hostClusters.length === 0) {
        throw new Error(
          `${where}: ${show(value)} has no effect in this stack: environment '${plan.environment}' creates no cluster host (cluster '${plan.cluster}' is created by the '${plan.clusterOwner}' stack); set it in Pulumi.${plan.clusterOwner}.yaml`,
        );
      }
      return parsed;
    },
  };
}

function registryKey(spec: Omit<StackKeySpec, 'parse'> & { parse(value: unknown, where: string): unknown }): StackKeySpec {
  return {
    ...spec,
    parse(value, where, source: ConfigSource) {
      const parsed = spec.parse(value, where);
      const plan = stackPlan(source.platform, source.environment.name);
      if (!plan.ownsRegistry) {
        throw new Error(
          `${where}: ${show(value)} has no effect in this stack: the ECR repositories are created by the '${plan.registryOwner}' stack; set it in Pulumi.${plan.registryOwner}.yaml`,
        );
      }
      return parsed;
    },
  };
}

/** Branch of an application repository whose builds may push when `imagePublishers` names no branch. */
export const DEFAULT_PUBLISHER_BRANCH = 'main';
const GITHUB_NAME = '[A-Za-z0-9_.-]+';
/** `owner/repo` or `owner/repo@<branch>`: literal names (no wildcards), a branch of literal path segments. */
const IMAGE_PUBLISHER = new RegExp(`^(${GITHUB_NAME}/${GITHUB_NAME})(?:@(${GITHUB_NAME}(?:/${GITHUB_NAME})*))?$`);

/** An `imagePublishers` entry as repository and branch. */
export function imagePublisherOf(entry: string): { readonly repository: string; readonly branch: string } {
  const match = IMAGE_PUBLISHER.exec(entry);
  if (!match) throw new Error(`imagePublisherOf: ${show(entry)} is not 'owner/repo' or 'owner/repo@<branch>'`);
  return { repository: match[1]!, branch: match[2] ?? DEFAULT_PUBLISHER_BRANCH };
}

/**
 * Stack config keys read by the Pulumi infrastructure program (stacks/), validated by the same
 * schema as the rendering keys. Rendering ignores their values. Defaults are resolved in
 * stacks/infra-settings.ts.
 */
export const INFRA_KEYS: Readonly<Record<string, StackKeySpec>> = {
  instanceType: hostKey({
    description: "EC2 instance type of the cluster host(s) this stack creates (default 't3.large': 2 vCPU, 8 GiB). Graviton types (t4g, m7g, ...) get an arm64 image.",
    parse: (value, where) => text(value, where, /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an EC2 instance type like 't3.large' or 'm7g.large'"),
  }),
  diskSizeGb: hostKey({
    description: 'Size in GiB of the encrypted gp3 root volume of the cluster host(s) this stack creates (default 40).',
    parse(value, where) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 20 || value > 2048) {
        throw new Error(`${where}: ${show(value)} is not allowed; allowed: a whole number of GiB from 20 to 2048`);
      }
      return value;
    },
  }),
  amiId: hostKey({
    description: 'AMI of the cluster host(s), pinned (default: the newest Ubuntu 24.04 LTS image from Canonical, looked up on first create and then kept).',
    parse: (value, where) => text(value, where, /^ami-[0-9a-f]{8,17}$/, "an AMI id like 'ami-0123456789abcdef0'"),
  }),
  vpcId: hostKey({
    description: 'Existing VPC for the cluster host(s); requires subnetId (default: a new VPC with one public subnet).',
    parse: (value, where) => text(value, where, /^vpc-[0-9a-f]{8,17}$/, "a VPC id like 'vpc-0123456789abcdef0'"),
  }),
  subnetId: hostKey({
    description: 'Existing public subnet (routed to an internet gateway) of vpcId for the cluster host(s).',
    parse: (value, where) => text(value, where, /^subnet-[0-9a-f]{8,17}$/, "a subnet id like 'subnet-0123456789abcdef0'"),
  }),
  vpcCidr: hostKey({
    description: "CIDR of the VPC created for the cluster host(s) when no vpcId is given (default '10.64.0.0/16'); its first /24 is the subnet.",
    parse(value, where) {
      const cidr = text(value, where, IPV4_CIDR, "an IPv4 CIDR from /16 to /24 like '10.64.0.0/16'");
      const bits = Number(cidr.split('/')[1]);
      if (bits < 16 || bits > 24) throw new Error(`${where}: ${show(value)} is not allowed; allowed: an IPv4 CIDR from /16 to /24 like '10.64.0.0/16'`);
      for (const internal of MICROK8S_INTERNAL_CIDRS) {
        if (ipv4Overlaps(cidr, internal)) throw new Error(`${where}: ${show(value)} overlaps ${internal}, which MicroK8s uses inside the host; pick another range like '10.64.0.0/16'`);
      }
      return cidr;
    },
  }),
  ingressCidrs: hostKey({
    description: "CIDR blocks allowed to reach the ingress controller on ports 80 and 443 (default ['0.0.0.0/0']).",
    parse: (value, where) => cidrList(value, where, "['0.0.0.0/0']"),
  }),
  adminCidrs: hostKey({
    description: 'CIDR blocks allowed to reach the Kubernetes API on port 16443 (default none: reach the API through SSM port forwarding). Never 0.0.0.0/0 or ::/0.',
    parse(value, where) {
      const cidrs = cidrList(value, where, "['203.0.113.10/32']");
      const open = cidrs.find((c) => OPEN_TO_ALL.includes(c) || /\/0$/.test(c));
      if (open) {
        throw new Error(`${where}: ${show(open)} would open the Kubernetes API to the internet; allowed: narrow CIDR blocks like '203.0.113.10/32', or none (reach the API through SSM port forwarding)`);
      }
      return cidrs;
    },
  }),
  microk8sChannel: hostKey({
    description: "MicroK8s snap channel, pinned to a minor version (default '1.32/stable').",
    parse: (value, where) => text(value, where, MICROK8S_CHANNEL, "a pinned snap channel like '1.32/stable'"),
  }),
  argocdVersion: hostKey({
    description: "Argo CD release installed on the host(s) (default 'v3.1.9').",
    parse: (value, where) => text(value, where, RELEASE_VERSION, "a release tag like 'v3.1.9'"),
  }),
  argoRolloutsVersion: hostKey({
    description: "Argo Rollouts release installed on the host(s) (default 'v1.8.3').",
    parse: (value, where) => text(value, where, RELEASE_VERSION, "a release tag like 'v1.8.3'"),
  }),
  ecrKmsKeyArn: registryKey({
    description: 'Customer-managed KMS key that encrypts the ECR repositories (default: the AWS-managed aws/ecr KMS key).',
    parse: (value, where) => text(value, where, /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/, "a KMS key ARN like 'arn:aws:kms:eu-west-1:123456789012:key/<id>'"),
  }),
  imagePublishers: registryKey({
    description:
      "Application repositories ('owner/repo', or 'owner/repo@<branch>'; branch default 'main') whose builds on that branch may push images, only through the platform's reusable workflow .github/workflows/build-image.yaml; creates the role of stack output imagePublisherRoleArn (default: none, no such role).",
    parse(value, where) {
      const allowed = `'owner/repo' or 'owner/repo@<branch>' without wildcards, like 'example-org/api' or 'example-org/api@release'`;
      if (!Array.isArray(value) || value.length === 0) {
        throw new Error(`${where}: expected a non-empty list like ['example-org/api'], got ${show(value)}; remove the key to create no image-publisher role`);
      }
      const seen = new Map<string, number>();
      value.forEach((entry, i) => {
        if (typeof entry !== 'string' || !IMAGE_PUBLISHER.test(entry) || entry.split(/[/@]/).some((part) => /^\.+$/.test(part))) {
          throw new Error(`${where}[${i}]: ${show(entry)} is not allowed; allowed: ${allowed}`);
        }
        const { repository, branch } = imagePublisherOf(entry);
        if (!isGitRef(branch) || repository.startsWith('-')) throw new Error(`${where}[${i}]: ${show(entry)} is not allowed; allowed: ${allowed}; rule: ${RULES.gitRef}`);
        const key = `${repository.toLowerCase()}@${branch}`;
        if (seen.has(key)) throw new Error(`${where}[${i}]: ${show(entry)} repeats [${seen.get(key)}] (branch '${branch}'); list each repository and branch once`);
        seen.set(key, i);
      });
      return [...(value as string[])];
    },
  }),
  githubRepository: {
    description: "GitHub repository (owner/repo) whose workflows may assume this stack's CI role (default: taken from the platform's repoURL).",
    parse: (value, where) => text(value, where, /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "'owner/repo' without wildcards, like 'example-org/shop-platform'"),
  },
  ciSubjects: {
    description:
      "OIDC subjects (after 'repo:<owner>/<repo>:') allowed to assume this stack's CI role (default: ['environment:production'] where promotions need review; otherwise ['ref:refs/heads/<targetRevision>']; pull-request builds use the preview-publisher role instead).",
    parse(value, where) {
      if (!Array.isArray(value) || value.length === 0) {
        throw new Error(`${where}: expected a non-empty list like ['environment:production'], got ${show(value)}`);
      }
      value.forEach((subject, i) => {
        if (typeof subject !== 'string' || !/^(environment:[A-Za-z0-9_.-]+|ref:refs\/(heads|tags)\/[A-Za-z0-9_./-]+|pull_request)$/.test(subject)) {
          throw new Error(
            `${where}[${i}]: ${show(subject)} is not allowed; allowed: 'environment:<name>', 'ref:refs/heads/<branch>', 'ref:refs/tags/<tag>' or 'pull_request' (no wildcards; the repository prefix is added)`,
          );
        }
      });
      return [...(value as string[])];
    },
  },
};

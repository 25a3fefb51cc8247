import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { HostNetwork } from './host-network.js';
import { architectureOf, type HostNetworkSettings } from './infra-settings.js';
import { hostIngressRules } from './security-group-rules.js';

/** Canonical's AWS account: the only owner whose Ubuntu images are trusted. */
export const CANONICAL_OWNER_ID = '099720109477';
/** Ubuntu 24.04 LTS (noble) server images on gp3. */
export function ubuntuLtsImageName(architecture: 'amd64' | 'arm64'): string {
  return `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${architecture}-server-*`;
}
/** The only managed policies of the host role: SSM Session Manager and ECR pulls. */
export const HOST_MANAGED_POLICY_ARNS = {
  ssm: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
  ecrRead: 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
} as const;

export interface MicroK8sHostProps {
  /** Cluster the host runs. */
  readonly cluster: string;
  /** IAM role name; fixed, because the registry's repository policy names it. */
  readonly roleName: string;
  /** The cloud-init document (no secrets). */
  readonly userData: string;
  /**
   * EC2 instance type.
   * @default 't3.large'
   */
  readonly instanceType?: string;
  /**
   * Root volume size in GiB.
   * @default 40
   */
  readonly diskSizeGb?: number;
  /**
   * AMI id.
   * @default - the newest Ubuntu 24.04 LTS image from Canonical for the instance's architecture,
   * looked up when the host is created and then kept (a newer image never replaces the host)
   */
  readonly amiId?: string;
  /**
   * Network of the host.
   * @default { kind: 'create', vpcCidr: '10.64.0.0/16' }
   */
  readonly network?: HostNetworkSettings;
  /**
   * Who may reach ports 80 and 443.
   * @default ['0.0.0.0/0']
   */
  readonly ingressCidrs?: readonly string[];
  /**
   * Who may reach the Kubernetes API (16443).
   * @default [] - nobody; use SSM port forwarding
   */
  readonly adminCidrs?: readonly string[];
  /**
   * Tags of every resource.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * An EC2 instance running MicroK8s, reachable on 80/443 and administered through SSM only: no SSH
 * rule, no key pair, IMDSv2 with a hop limit of 1 (pods cannot borrow the instance role), an
 * encrypted gp3 root volume, detailed monitoring and an Elastic IP.
 */
export class MicroK8sHost extends pulumi.ComponentResource {
  public readonly instanceId: pulumi.Output<string>;
  public readonly publicIp: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;

  public constructor(name: string, props: MicroK8sHostProps, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:cluster:MicroK8sHost', name, {}, opts);
    const instanceType = props.instanceType ?? 't3.large';
    const diskSizeGb = props.diskSizeGb ?? 40;
    const network = props.network ?? { kind: 'create', vpcCidr: '10.64.0.0/16' };
    const tags = { ...(props.tags ?? {}), 'ferry:cluster': props.cluster };
    if (!Number.isInteger(diskSizeGb) || diskSizeGb < 20) throw new Error(`MicroK8sHost '${name}': 'diskSizeGb' ${diskSizeGb} must be a whole number of at least 20`);
    const rules = hostIngressRules({ ingressCidrs: props.ingressCidrs ?? ['0.0.0.0/0'], adminCidrs: props.adminCidrs ?? [] });

    let vpcId: pulumi.Input<string>;
    let subnetId: pulumi.Input<string>;
    const networkDependencies: pulumi.Resource[] = [];
    if (network.kind === 'create') {
      const created = new HostNetwork(`${name}-network`, { vpcCidr: network.vpcCidr, tags }, { parent: this });
      vpcId = created.vpcId;
      subnetId = created.subnetId;
      networkDependencies.push(created.internetRoute);
    } else {
      vpcId = network.vpcId;
      subnetId = network.subnetId;
    }

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId, description: `MicroK8s host of cluster ${props.cluster}: web ingress, no SSH`, tags: { ...tags, Name: `${name}-sg` } },
      { parent: this },
    );
    for (const rule of rules) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-${rule.name}`,
        {
          securityGroupId: securityGroup.id,
          description: rule.description,
          ipProtocol: 'tcp',
          fromPort: rule.port,
          toPort: rule.port,
          ...(rule.family === 'ipv6' ? { cidrIpv6: rule.cidr } : { cidrIpv4: rule.cidr }),
        },
        { parent: this },
      );
    }
    // The host downloads snaps, manifests and images, and talks to SSM and ECR.
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-egress`,
      { securityGroupId: securityGroup.id, description: 'Outbound to the internet', ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' },
      { parent: this },
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: props.roleName,
        description: `MicroK8s host of cluster ${props.cluster}: SSM Session Manager and ECR pulls only`,
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
        tags,
      },
      { parent: this },
    );
    for (const [purpose, policyArn] of Object.entries(HOST_MANAGED_POLICY_ARNS)) {
      new aws.iam.RolePolicyAttachment(`${name}-${purpose}`, { role: role.name, policyArn }, { parent: this });
    }
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags }, { parent: this });

    const ami =
      props.amiId ??
      aws.ec2
        .getAmiOutput(
          {
            owners: [CANONICAL_OWNER_ID],
            mostRecent: true,
            filters: [
              { name: 'name', values: [ubuntuLtsImageName(architectureOf(instanceType))] },
              { name: 'virtualization-type', values: ['hvm'] },
              { name: 'root-device-type', values: ['ebs'] },
            ],
          },
          { parent: this },
        )
        .apply((image) => image.id);

    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami,
        instanceType,
        subnetId,
        vpcSecurityGroupIds: [securityGroup.id],
        iamInstanceProfile: profile.name,
        // A public address from the first boot so cloud-init can download; the Elastic IP replaces it.
        associatePublicIpAddress: true,
        userData: props.userData,
        userDataReplaceOnChange: false,
        monitoring: true,
        ebsOptimized: true,
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' },
        rootBlockDevice: { volumeType: 'gp3', volumeSize: diskSizeGb, encrypted: true, deleteOnTermination: true, tags },
        tags: { ...tags, Name: name },
      },
      // A newer Ubuntu image must not replace a running cluster; pin amiId to move deliberately.
      { parent: this, ignoreChanges: props.amiId ? [] : ['ami'], dependsOn: networkDependencies },
    );
    const eip = new aws.ec2.Eip(
      `${name}-eip`,
      { domain: 'vpc', instance: instance.id, tags: { ...tags, Name: `${name}-eip` } },
      { parent: this, dependsOn: networkDependencies },
    );

    this.instanceId = instance.id;
    this.publicIp = eip.publicIp;
    this.roleArn = role.arn;
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({ instanceId: this.instanceId, publicIp: this.publicIp, roleArn: this.roleArn });
  }
}

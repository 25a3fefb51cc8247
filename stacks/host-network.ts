import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface HostNetworkProps {
  /** IPv4 CIDR of the VPC, /16 to /24; the subnet is its first /24. */
  readonly vpcCidr: string;
  /**
   * Availability zone of the subnet.
   * @default - chosen by AWS
   */
  readonly availabilityZone?: string;
  /**
   * Tags of every resource.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The first /24 of an IPv4 CIDR of /16 to /24. */
export function firstSubnetCidr(vpcCidr: string): string {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(vpcCidr);
  const bits = match ? Number(match[5]) : NaN;
  if (!match || bits < 16 || bits > 24) throw new Error(`firstSubnetCidr: 'vpcCidr' ${JSON.stringify(vpcCidr)} must be an IPv4 CIDR from /16 to /24`);
  const third = Number(match[3]) & ~((1 << (24 - bits)) - 1);
  return `${match[1]}.${match[2]}.${third}.0/24`;
}

/** A VPC with one public subnet routed to an internet gateway: the smallest network a host needs. */
export class HostNetwork extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly subnetId: pulumi.Output<string>;
  /** The default route; the Elastic IP waits for it. */
  public readonly internetRoute: aws.ec2.Route;

  public constructor(name: string, props: HostNetworkProps, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:network:HostNetwork', name, {}, opts);
    const tags = props.tags ?? {};
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: props.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: `${name}-vpc` } },
      { parent: this },
    );
    const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { ...tags, Name: `${name}-igw` } }, { parent: this });
    const subnet = new aws.ec2.Subnet(
      `${name}-public`,
      {
        vpcId: vpc.id,
        cidrBlock: firstSubnetCidr(props.vpcCidr),
        availabilityZone: props.availabilityZone,
        // Hosts ask for a public address explicitly; nothing else launched here gets one by accident.
        mapPublicIpOnLaunch: false,
        tags: { ...tags, Name: `${name}-public` },
      },
      { parent: this },
    );
    const routeTable = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, tags: { ...tags, Name: `${name}-public` } }, { parent: this });
    this.internetRoute = new aws.ec2.Route(
      `${name}-internet`,
      { routeTableId: routeTable.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: gateway.id },
      { parent: this },
    );
    new aws.ec2.RouteTableAssociation(`${name}-public`, { subnetId: subnet.id, routeTableId: routeTable.id }, { parent: this });
    this.vpcId = vpc.id;
    this.subnetId = subnet.id;
    this.registerOutputs({ vpcId: this.vpcId, subnetId: this.subnetId });
  }
}

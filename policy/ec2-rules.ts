import type { ResourceValidationPolicy } from '@pulumi/policy';
import { findSecrets } from '../stacks/cloud-init.js';
import { admitsPort, ingressPermissions, OPEN_CIDRS } from './policy-documents.js';

const INSTANCE = 'aws:ec2/instance:Instance';
const LAUNCH_TEMPLATE = 'aws:ec2/launchTemplate:LaunchTemplate';

export const ec2Imdsv2Required: ResourceValidationPolicy = {
  name: 'ec2-imdsv2-required',
  description: 'EC2 instances and launch templates must require IMDSv2 session tokens.',
  enforcementLevel: 'mandatory',
  validateResource(args, reportViolation) {
    if (args.type !== INSTANCE && args.type !== LAUNCH_TEMPLATE) return;
    const value = args.props.metadataOptions?.httpTokens;
    if (value !== 'required') {
      reportViolation(
        value === undefined
          ? "EC2: metadataOptions.httpTokens is not set (AWS may default to 'optional', which allows IMDSv1); set it to 'required'"
          : `EC2: metadataOptions.httpTokens is ${JSON.stringify(value)}; set it to 'required'`,
      );
    }
  },
};

export const ec2EncryptedVolumes: ResourceValidationPolicy = {
  name: 'ec2-encrypted-volumes',
  description: 'EC2 root and attached EBS volumes must be encrypted.',
  enforcementLevel: 'mandatory',
  validateResource(args, reportViolation) {
    if (args.type === 'aws:ebs/volume:Volume') {
      if (args.props.encrypted !== true) reportViolation(`EBS volume: encrypted is ${JSON.stringify(args.props.encrypted ?? null)}; set it to true`);
      return;
    }
    if (args.type !== INSTANCE) return;
    const root = args.props.rootBlockDevice;
    if (root?.encrypted !== true) {
      reportViolation(
        root === undefined || root.encrypted === undefined
          ? 'EC2 instance: rootBlockDevice.encrypted is not set (the account default may be unencrypted); set it to true'
          : `EC2 instance: rootBlockDevice.encrypted is ${JSON.stringify(root.encrypted)}; set it to true`,
      );
    }
    (Array.isArray(args.props.ebsBlockDevices) ? args.props.ebsBlockDevices : []).forEach((device: any, i: number) => {
      if (device?.encrypted !== true) reportViolation(`EC2 instance: ebsBlockDevices[${i}].encrypted is ${JSON.stringify(device?.encrypted ?? null)}; set it to true`);
    });
  },
};

export const ec2DetailedMonitoring: ResourceValidationPolicy = {
  name: 'ec2-detailed-monitoring',
  description: 'EC2 instances must have detailed (1-minute) CloudWatch monitoring.',
  enforcementLevel: 'mandatory',
  validateResource(args, reportViolation) {
    if (args.type !== INSTANCE) return;
    const value = args.props.monitoring;
    if (value !== true) {
      reportViolation(
        value === undefined ? 'EC2 instance: monitoring is not set (AWS defaults to basic 5-minute monitoring); set it to true' : `EC2 instance: monitoring is ${JSON.stringify(value)}; set it to true`,
      );
    }
  },
};

/** SSH and the Kubernetes API (upstream 6443, MicroK8s 16443). */
export const ADMIN_PORTS = [22, 6443, 16443] as const;

export const noPublicAdminIngress: ResourceValidationPolicy = {
  name: 'no-public-admin-ingress',
  description: 'No security group rule may open SSH (22) or the Kubernetes API (6443, 16443) to 0.0.0.0/0 or ::/0.',
  enforcementLevel: 'mandatory',
  validateResource(args, reportViolation) {
    ingressPermissions(args.type, args.props).forEach((permission, i) => {
      const open = permission.cidrs.filter((c) => (OPEN_CIDRS as readonly string[]).includes(c));
      if (open.length === 0) return;
      const ports = ADMIN_PORTS.filter((port) => admitsPort(permission, port));
      if (ports.length > 0) {
        const range = permission.fromPort === undefined || permission.toPort === undefined ? 'all ports (no port range set)' : `ports ${permission.fromPort}-${permission.toPort}`;
        reportViolation(`security group ingress[${i}]: ${range} (protocol ${JSON.stringify(permission.protocol ?? null)}) from ${open.join(', ')} opens ${ports.join(', ')} to the internet; use SSM Session Manager or narrow CIDRs`);
      }
    });
  },
};

function decodeBase64(value: unknown): string {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '';
}

export const noSecretsInUserData: ResourceValidationPolicy = {
  name: 'no-secrets-in-user-data',
  description: 'EC2 user data must not contain credentials (any instance can read its own user data, unencrypted).',
  enforcementLevel: 'mandatory',
  validateResource(args, reportViolation) {
    let text: string;
    if (args.type === INSTANCE) text = `${args.props.userData ?? ''}\n${decodeBase64(args.props.userDataBase64)}`;
    else if (args.type === LAUNCH_TEMPLATE) text = decodeBase64(args.props.userData);
    else return;
    // No user data holds no secret: the one rule here where a missing setting passes.
    const found = findSecrets(text);
    if (found.length > 0) reportViolation(`EC2 user data contains a ${found.join(', ')}; fetch credentials at run time from the instance role or a secret store`);
  },
};

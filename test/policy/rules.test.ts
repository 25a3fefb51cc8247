import { ec2DetailedMonitoring, ec2EncryptedVolumes, ec2Imdsv2Required, noPublicAdminIngress, noSecretsInUserData } from '../../policy/ec2-rules.js';
import { ecrImmutableTags, ecrKmsEncryption, ecrNoPublicAccess, ecrScanOnPush } from '../../policy/ecr-rules.js';
import { githubOidcTrustPinned } from '../../policy/oidc-rules.js';
import { FERRY_POLICIES } from '../../policy/policies.js';
import { violations } from './harness.js';

const REPOSITORY = 'aws:ecr/repository:Repository';
const INSTANCE = 'aws:ec2/instance:Instance';
const ROLE = 'aws:iam/role:Role';
const INGRESS_RULE = 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule';

test('every rule is mandatory and has a unique name', () => {
  expect(FERRY_POLICIES.map((p) => p.enforcementLevel)).toEqual(FERRY_POLICIES.map(() => 'mandatory'));
  expect(new Set(FERRY_POLICIES.map((p) => p.name)).size).toBe(FERRY_POLICIES.length);
  expect(FERRY_POLICIES.map((p) => p.name).sort()).toEqual([
    'ec2-detailed-monitoring',
    'ec2-encrypted-volumes',
    'ec2-imdsv2-required',
    'ecr-immutable-tags',
    'ecr-kms-encryption',
    'ecr-no-public-access',
    'ecr-scan-on-push',
    'github-oidc-trust-pinned',
    'no-public-admin-ingress',
    'no-secrets-in-user-data',
  ]);
});

describe('ecr-immutable-tags', () => {
  test('passes IMMUTABLE', async () => expect(await violations(ecrImmutableTags, REPOSITORY, { imageTagMutability: 'IMMUTABLE' })).toEqual([]));
  test('fails MUTABLE', async () =>
    expect(await violations(ecrImmutableTags, REPOSITORY, { imageTagMutability: 'MUTABLE' })).toEqual(["ECR repository: imageTagMutability is \"MUTABLE\"; set it to 'IMMUTABLE'"]));
  test('fails when missing', async () =>
    expect(await violations(ecrImmutableTags, REPOSITORY, {})).toEqual(["ECR repository: imageTagMutability is not set (AWS defaults to MUTABLE); set it to 'IMMUTABLE'"]));
  test('ignores other types', async () => expect(await violations(ecrImmutableTags, INSTANCE, {})).toEqual([]));
});

describe('ecr-scan-on-push', () => {
  test('passes true', async () => expect(await violations(ecrScanOnPush, REPOSITORY, { imageScanningConfiguration: { scanOnPush: true } })).toEqual([]));
  test('fails false', async () =>
    expect(await violations(ecrScanOnPush, REPOSITORY, { imageScanningConfiguration: { scanOnPush: false } })).toEqual([
      'ECR repository: imageScanningConfiguration.scanOnPush is false; set it to true',
    ]));
  test('fails when missing', async () =>
    expect(await violations(ecrScanOnPush, REPOSITORY, {})).toEqual(['ECR repository: imageScanningConfiguration.scanOnPush is not set (AWS defaults to false); set it to true']));
});

describe('ecr-kms-encryption', () => {
  test('passes KMS', async () => expect(await violations(ecrKmsEncryption, REPOSITORY, { encryptionConfigurations: [{ encryptionType: 'KMS' }] })).toEqual([]));
  test('fails AES256', async () =>
    expect(await violations(ecrKmsEncryption, REPOSITORY, { encryptionConfigurations: [{ encryptionType: 'AES256' }] })).toEqual([
      "ECR repository: encryptionType is \"AES256\"; set 'KMS' (optionally with kmsKey)",
    ]));
  test('fails when missing', async () =>
    expect(await violations(ecrKmsEncryption, REPOSITORY, {})).toEqual(["ECR repository: encryptionConfigurations is not set (AWS defaults to AES256); set [{ encryptionType: 'KMS' }]"]));
});

describe('ecr-no-public-access', () => {
  const POLICY = 'aws:ecr/repositoryPolicy:RepositoryPolicy';
  const doc = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
  test('passes an account principal and a public Deny', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: ['ecr:BatchGetImage'] },
        { Effect: 'Deny', Principal: '*', Action: ['ecr:PutImage'] },
      ],
    });
    expect(await violations(ecrNoPublicAccess, POLICY, { repository: 'api', policy })).toEqual([]);
  });
  test.each([['*'], [{ AWS: '*' }], [{ AWS: ['arn:aws:iam::123456789012:root', '*'] }]])('fails an Allow for %j', async (principal) => {
    expect(await violations(ecrNoPublicAccess, POLICY, { policy: doc({ Effect: 'Allow', Principal: principal, Action: 'ecr:BatchGetImage' }) })).toEqual([
      `ECR policy: Statement[0] allows principal ${JSON.stringify(principal)}, which is everyone; name the roles or the account instead`,
    ]);
  });
  test('fails when the policy is missing or unreadable', async () => {
    const message = "ECR policy: 'policy' is missing or not a readable IAM policy document, so it cannot be shown to be private";
    expect(await violations(ecrNoPublicAccess, POLICY, {})).toEqual([message]);
    expect(await violations(ecrNoPublicAccess, POLICY, { policy: '{not json' })).toEqual([message]);
  });
  test('fails any ECR Public repository', async () =>
    expect(await violations(ecrNoPublicAccess, 'aws:ecrpublic/repository:Repository', {})).toEqual([
      'ECR Public repository: images of this platform must stay private; use a private aws.ecr.Repository',
    ]));
});

describe('ec2-imdsv2-required', () => {
  test('passes required', async () => expect(await violations(ec2Imdsv2Required, INSTANCE, { metadataOptions: { httpTokens: 'required' } })).toEqual([]));
  test('fails optional', async () =>
    expect(await violations(ec2Imdsv2Required, INSTANCE, { metadataOptions: { httpTokens: 'optional' } })).toEqual([
      "EC2: metadataOptions.httpTokens is \"optional\"; set it to 'required'",
    ]));
  test('fails when missing, on instances and launch templates', async () => {
    const message = "EC2: metadataOptions.httpTokens is not set (AWS may default to 'optional', which allows IMDSv1); set it to 'required'";
    expect(await violations(ec2Imdsv2Required, INSTANCE, {})).toEqual([message]);
    expect(await violations(ec2Imdsv2Required, 'aws:ec2/launchTemplate:LaunchTemplate', { metadataOptions: {} })).toEqual([message]);
  });
});

describe('ec2-encrypted-volumes', () => {
  test('passes an encrypted root and data volume', async () =>
    expect(await violations(ec2EncryptedVolumes, INSTANCE, { rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ encrypted: true }] })).toEqual([]));
  test('fails an unencrypted root and data volume', async () =>
    expect(await violations(ec2EncryptedVolumes, INSTANCE, { rootBlockDevice: { encrypted: false }, ebsBlockDevices: [{ encrypted: false }] })).toEqual([
      'EC2 instance: rootBlockDevice.encrypted is false; set it to true',
      'EC2 instance: ebsBlockDevices[0].encrypted is false; set it to true',
    ]));
  test('fails when missing', async () => {
    const message = 'EC2 instance: rootBlockDevice.encrypted is not set (the account default may be unencrypted); set it to true';
    expect(await violations(ec2EncryptedVolumes, INSTANCE, {})).toEqual([message]);
    expect(await violations(ec2EncryptedVolumes, INSTANCE, { rootBlockDevice: { volumeSize: 40 } })).toEqual([message]);
    expect(await violations(ec2EncryptedVolumes, 'aws:ebs/volume:Volume', {})).toEqual(['EBS volume: encrypted is null; set it to true']);
  });
});

describe('ec2-detailed-monitoring', () => {
  test('passes true', async () => expect(await violations(ec2DetailedMonitoring, INSTANCE, { monitoring: true })).toEqual([]));
  test('fails false', async () => expect(await violations(ec2DetailedMonitoring, INSTANCE, { monitoring: false })).toEqual(['EC2 instance: monitoring is false; set it to true']));
  test('fails when missing', async () =>
    expect(await violations(ec2DetailedMonitoring, INSTANCE, {})).toEqual(['EC2 instance: monitoring is not set (AWS defaults to basic 5-minute monitoring); set it to true']));
});

describe('no-public-admin-ingress', () => {
  test('passes 443 from anywhere and 16443 from an admin CIDR', async () => {
    expect(await violations(noPublicAdminIngress, INGRESS_RULE, { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' })).toEqual([]);
    expect(await violations(noPublicAdminIngress, INGRESS_RULE, { ipProtocol: 'tcp', fromPort: 16443, toPort: 16443, cidrIpv4: '203.0.113.10/32' })).toEqual([]);
  });
  test('fails SSH from 0.0.0.0/0 on a vpc ingress rule', async () =>
    expect(await violations(noPublicAdminIngress, INGRESS_RULE, { ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' })).toEqual([
      'security group ingress[0]: ports 22-22 (protocol "tcp") from 0.0.0.0/0 opens 22 to the internet; use SSM Session Manager or narrow CIDRs',
    ]));
  test('fails the Kubernetes API from ::/0 in an inline security group rule', async () =>
    expect(
      await violations(noPublicAdminIngress, 'aws:ec2/securityGroup:SecurityGroup', {
        ingress: [
          { protocol: 'tcp', fromPort: 80, toPort: 80, cidrBlocks: ['0.0.0.0/0'] },
          { protocol: 'tcp', fromPort: 16000, toPort: 17000, ipv6CidrBlocks: ['::/0'] },
        ],
      }),
    ).toEqual(['security group ingress[1]: ports 16000-17000 (protocol "tcp") from ::/0 opens 16443 to the internet; use SSM Session Manager or narrow CIDRs']));
  test('fails an all-protocols rule from anywhere on a legacy security group rule', async () =>
    expect(
      await violations(noPublicAdminIngress, 'aws:ec2/securityGroupRule:SecurityGroupRule', { type: 'ingress', protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }),
    ).toEqual(['security group ingress[0]: ports 0-0 (protocol "-1") from 0.0.0.0/0 opens 22, 6443, 16443 to the internet; use SSM Session Manager or narrow CIDRs']));
  test('fails when the port range and protocol are missing (treated as every port)', async () =>
    expect(await violations(noPublicAdminIngress, INGRESS_RULE, { cidrIpv4: '0.0.0.0/0' })).toEqual([
      'security group ingress[0]: all ports (no port range set) (protocol null) from 0.0.0.0/0 opens 22, 6443, 16443 to the internet; use SSM Session Manager or narrow CIDRs',
    ]));
  test('ignores egress rules', async () =>
    expect(await violations(noPublicAdminIngress, 'aws:ec2/securityGroupRule:SecurityGroupRule', { type: 'egress', protocol: '-1', cidrBlocks: ['0.0.0.0/0'] })).toEqual([]));
});

describe('no-secrets-in-user-data', () => {
  test('passes user data without credentials', async () =>
    expect(await violations(noSecretsInUserData, INSTANCE, { userData: '#cloud-config\nruncmd:\n  - [echo, hello]\n' })).toEqual([]));
  test('fails an access key in userData', async () =>
    expect(await violations(noSecretsInUserData, INSTANCE, { userData: 'export AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP' })).toEqual([
      'EC2 user data contains a AWS access key id; fetch credentials at run time from the instance role or a secret store',
    ]));
  test('fails a token in base64 user data of a launch template', async () =>
    expect(
      await violations(noSecretsInUserData, 'aws:ec2/launchTemplate:LaunchTemplate', { userData: Buffer.from(`git clone https://x:ghp_${'a'.repeat(36)}@github.com/o/r`).toString('base64') }),
    ).toEqual(['EC2 user data contains a GitHub token, credentials in a URL; fetch credentials at run time from the instance role or a secret store']));
  test('missing user data holds no secret, so it passes (the only rule where missing passes)', async () =>
    expect(await violations(noSecretsInUserData, INSTANCE, {})).toEqual([]));
});

describe('github-oidc-trust-pinned', () => {
  const trust = (condition: object | undefined) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          ...(condition ? { Condition: condition } : {}),
        },
      ],
    });
  const AUD = 'token.actions.githubusercontent.com:aud';
  const SUB = 'token.actions.githubusercontent.com:sub';

  test('passes a role pinned to one repository and STS', async () => {
    expect(
      await violations(githubOidcTrustPinned, ROLE, {
        assumeRolePolicy: trust({ StringEquals: { [AUD]: 'sts.amazonaws.com', [SUB]: ['repo:example-org/shop-platform:environment:production'] } }),
      }),
    ).toEqual([]);
    expect(
      await violations(githubOidcTrustPinned, ROLE, {
        assumeRolePolicy: trust({ StringEquals: { [AUD]: 'sts.amazonaws.com' }, StringLike: { [SUB]: 'repo:example-org/shop-platform:*' } }),
      }),
    ).toEqual([]);
  });
  test('fails a wildcard repository', async () =>
    expect(
      await violations(githubOidcTrustPinned, ROLE, { assumeRolePolicy: trust({ StringEquals: { [AUD]: 'sts.amazonaws.com' }, StringLike: { [SUB]: 'repo:example-org/*' } }) }),
    ).toEqual([
      "IAM role: Statement[0] trusts GitHub Actions with subject [\"repo:example-org/*\"] not pinned to one repository; use 'repo:<owner>/<repo>:<context>' without wildcards in owner or repo",
    ]));
  test('fails a missing subject and audience condition', async () =>
    expect(await violations(githubOidcTrustPinned, ROLE, { assumeRolePolicy: trust(undefined) })).toEqual([
      "IAM role: Statement[0] trusts GitHub Actions without a StringEquals condition on token.actions.githubusercontent.com:aud; require 'sts.amazonaws.com'",
      "IAM role: Statement[0] trusts GitHub Actions without a condition on token.actions.githubusercontent.com:sub, so any repository on GitHub can assume it; pin 'repo:<owner>/<repo>:<context>'",
    ]));
  describe('with a job_workflow_ref condition (application repositories through the platform build workflow)', () => {
    const WORKFLOW = 'token.actions.githubusercontent.com:job_workflow_ref';
    const APPS = ['repo:example-org/api:ref:refs/heads/main', 'repo:example-org/web:ref:refs/heads/release'];
    const publisher = (like: Record<string, unknown>) => trust({ StringEquals: { [AUD]: 'sts.amazonaws.com' }, StringLike: like });
    const notPinned = (values: unknown[]) =>
      `IAM role: Statement[0] trusts GitHub Actions with job_workflow_ref ${JSON.stringify(values)} not pinned to one workflow file; use '<owner>/<repo>/.github/workflows/<file>@<ref>' with a wildcard at most in the ref`;

    test('passes subjects pinned to the listed repositories and the platform workflow at any ref or a pinned commit', async () => {
      expect(await violations(githubOidcTrustPinned, ROLE, { assumeRolePolicy: publisher({ [SUB]: APPS, [WORKFLOW]: 'example-org/shop-platform/.github/workflows/build-image.yaml@*' }) })).toEqual([]);
      expect(
        await violations(githubOidcTrustPinned, ROLE, {
          assumeRolePolicy: trust({
            StringEquals: { [AUD]: 'sts.amazonaws.com', [SUB]: APPS, [WORKFLOW]: 'example-org/shop-platform/.github/workflows/build-image.yml@0123456789abcdef0123456789abcdef01234567' },
          }),
        }),
      ).toEqual([]);
    });
    test.each([
      ['*'],
      ['example-org/*'],
      ['*/shop-platform/.github/workflows/build-image.yaml@*'],
      ['example-org/*/.github/workflows/build-image.yaml@*'],
      ['example-org/shop-platform/.github/workflows/*@*'],
      ['example-org/shop-platform/.github/workflows/build-image.yaml'],
    ])('fails a workflow ref with a wildcard outside the ref, or no ref: %s', async (loose) => {
      expect(await violations(githubOidcTrustPinned, ROLE, { assumeRolePolicy: publisher({ [SUB]: APPS, [WORKFLOW]: loose }) })).toEqual([notPinned([loose])]);
    });
    test('fails when one of several workflow refs is loose, or the list is empty', async () => {
      const ok = 'example-org/shop-platform/.github/workflows/build-image.yaml@*';
      expect(await violations(githubOidcTrustPinned, ROLE, { assumeRolePolicy: publisher({ [SUB]: APPS, [WORKFLOW]: [ok, 'example-org/*'] }) })).toEqual([notPinned(['example-org/*'])]);
      expect(await violations(githubOidcTrustPinned, ROLE, { assumeRolePolicy: publisher({ [SUB]: APPS, [WORKFLOW]: [] }) })).toEqual([notPinned([])]);
    });
    test('a pinned workflow does not excuse a missing or wildcard subject (any repository can call a public reusable workflow)', async () => {
      const ok = 'example-org/shop-platform/.github/workflows/build-image.yaml@*';
      expect(await violations(githubOidcTrustPinned, ROLE, { assumeRolePolicy: publisher({ [WORKFLOW]: ok }) })).toEqual([
        "IAM role: Statement[0] trusts GitHub Actions without a condition on token.actions.githubusercontent.com:sub, so any repository on GitHub can assume it; pin 'repo:<owner>/<repo>:<context>'",
      ]);
      expect(await violations(githubOidcTrustPinned, ROLE, { assumeRolePolicy: publisher({ [SUB]: ['repo:*'], [WORKFLOW]: ok }) })).toEqual([
        "IAM role: Statement[0] trusts GitHub Actions with subject [\"repo:*\"] not pinned to one repository; use 'repo:<owner>/<repo>:<context>' without wildcards in owner or repo",
      ]);
    });
    test('a pinned workflow does not excuse a missing audience', async () => {
      expect(
        await violations(githubOidcTrustPinned, ROLE, {
          assumeRolePolicy: trust({ StringLike: { [SUB]: APPS, [WORKFLOW]: 'example-org/shop-platform/.github/workflows/build-image.yaml@*' } }),
        }),
      ).toEqual(["IAM role: Statement[0] trusts GitHub Actions without a StringEquals condition on token.actions.githubusercontent.com:aud; require 'sts.amazonaws.com'"]);
    });
  });
  test('fails a missing trust policy', async () =>
    expect(await violations(githubOidcTrustPinned, ROLE, {})).toEqual(['IAM role: assumeRolePolicy is missing or not a readable IAM policy document']));
  test('ignores roles that do not trust GitHub', async () =>
    expect(
      await violations(githubOidcTrustPinned, ROLE, {
        assumeRolePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      }),
    ).toEqual([]));
});

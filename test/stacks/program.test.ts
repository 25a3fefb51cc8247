/** The Pulumi program under strict mocks, per sample stack: which resources, with which security-relevant inputs. */
import { platform } from '../fixtures/shop/platform/platform.js';
import { Platform } from '../../model/platform.js';
import { clusterUserData } from '../../stacks/cluster-user-data.js';
import { ECR_PUSH_ACTIONS, ecrLifecyclePolicy } from '../../stacks/ecr-policies.js';
import { DEFAULT_ARGOCD_VERSION, DEFAULT_ARGO_ROLLOUTS_VERSION, DEFAULT_MICROK8S_CHANNEL } from '../../stacks/cloud-init.js';
import { AMI_ID, named, ofType, only, runProgram, sampleStackConfig, type ProgramRun, type RecordedResource } from './mocks.js';

const REPO = 'example-org/shop-platform';
const SUB = 'token.actions.githubusercontent.com:sub';
const AUD = 'token.actions.githubusercontent.com:aud';
const arn = (role: string) => `arn:aws:iam::123456789012:role/${role}`;

const COMPONENTS_AND_RESOURCES = {
  registry: [
    ['ferry:registry:ServiceRepositories', 'shop-registry'],
    ['aws:ecr/repository:Repository', 'shop-registry-api'],
    ['aws:ecr/repository:Repository', 'shop-registry-web'],
    ['aws:ecr/lifecyclePolicy:LifecyclePolicy', 'shop-registry-api-lifecycle'],
    ['aws:ecr/lifecyclePolicy:LifecyclePolicy', 'shop-registry-web-lifecycle'],
    ['aws:ecr/repositoryPolicy:RepositoryPolicy', 'shop-registry-api-policy'],
    ['aws:ecr/repositoryPolicy:RepositoryPolicy', 'shop-registry-web-policy'],
    ['ferry:ci:GithubOidcProvider', 'shop-github'],
    ['aws:iam/openIdConnectProvider:OpenIdConnectProvider', 'shop-github-provider'],
  ],
  ci: (env: string) => [
    ['ferry:ci:GithubOidcRole', `shop-ci-${env}`],
    ['aws:iam/role:Role', `shop-ci-${env}-role`],
    ['aws:iam/rolePolicy:RolePolicy', `shop-ci-${env}-ecr-push`],
  ],
  host: (c: string) => [
    ['ferry:cluster:MicroK8sHost', `shop-${c}`],
    ['ferry:network:HostNetwork', `shop-${c}-network`],
    ['aws:ec2/vpc:Vpc', `shop-${c}-network-vpc`],
    ['aws:ec2/internetGateway:InternetGateway', `shop-${c}-network-igw`],
    ['aws:ec2/subnet:Subnet', `shop-${c}-network-public`],
    ['aws:ec2/routeTable:RouteTable', `shop-${c}-network-public`],
    ['aws:ec2/route:Route', `shop-${c}-network-internet`],
    ['aws:ec2/routeTableAssociation:RouteTableAssociation', `shop-${c}-network-public`],
    ['aws:ec2/securityGroup:SecurityGroup', `shop-${c}-sg`],
    ['aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', `shop-${c}-http-0`],
    ['aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', `shop-${c}-https-0`],
    ['aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule', `shop-${c}-egress`],
    ['aws:iam/role:Role', `shop-${c}-role`],
    ['aws:iam/rolePolicyAttachment:RolePolicyAttachment', `shop-${c}-ssm`],
    ['aws:iam/rolePolicyAttachment:RolePolicyAttachment', `shop-${c}-ecrRead`],
    ['aws:iam/instanceProfile:InstanceProfile', `shop-${c}-profile`],
    ['aws:ec2/instance:Instance', `shop-${c}-instance`],
    ['aws:ec2/eip:Eip', `shop-${c}-eip`],
  ],
};

const EXPECTED: Record<string, string[][]> = {
  dev: [...COMPONENTS_AND_RESOURCES.registry, ...COMPONENTS_AND_RESOURCES.ci('dev'), ...COMPONENTS_AND_RESOURCES.host('nonprod')],
  stage: [...COMPONENTS_AND_RESOURCES.ci('stage')],
  prod: [...COMPONENTS_AND_RESOURCES.ci('prod'), ...COMPONENTS_AND_RESOURCES.host('prod')],
};

const EXPECTED_SUBJECTS: Record<string, string[]> = {
  // No pull_request subject (changed on purpose): pull-request builds go to <repository>-preview through the preview publisher.
  dev: [`repo:${REPO}:ref:refs/heads/main`],
  stage: [`repo:${REPO}:ref:refs/heads/main`],
  prod: [`repo:${REPO}:environment:production`],
};

const EXPECTED_CALLS: Record<string, string[]> = {
  dev: ['aws:ec2/getAmi:getAmi', 'aws:index/getCallerIdentity:getCallerIdentity', 'aws:index/getRegion:getRegion'],
  stage: [
    'aws:ecr/getRepository:getRepository',
    'aws:ecr/getRepository:getRepository',
    'aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider',
    'aws:index/getCallerIdentity:getCallerIdentity',
    'aws:index/getRegion:getRegion',
  ],
  prod: [
    'aws:ec2/getAmi:getAmi',
    'aws:ecr/getRepository:getRepository',
    'aws:ecr/getRepository:getRepository',
    'aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider',
    'aws:index/getCallerIdentity:getCallerIdentity',
    'aws:index/getRegion:getRegion',
  ],
};

const sortPairs = (pairs: string[][]) => pairs.map((p) => p.join(' ')).sort();
const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);

/** Whether an ingress rule admits TCP port `port`. */
function admits(rule: RecordedResource, port: number): boolean {
  const i = rule.inputs;
  if (i.ipProtocol === '-1' || i.ipProtocol === 'all') return true;
  return (i.fromPort ?? 0) <= port && port <= (i.toPort ?? 65535);
}

const runs: Record<string, ProgramRun> = {};

beforeAll(async () => {
  for (const stack of ['dev', 'stage', 'prod']) runs[stack] = await runProgram({ stack, config: sampleStackConfig(stack) });
});

describe.each(['dev', 'stage', 'prod'])('stack %s', (stack) => {
  test('creates exactly the expected components and resources', () => {
    expect(sortPairs(runs[stack]!.resources.map((r) => [r.type, r.name]))).toEqual(sortPairs(EXPECTED[stack]!));
  });

  test('makes only the expected data-source calls', () => {
    expect(runs[stack]!.calls.map((c) => c.token).sort()).toEqual(EXPECTED_CALLS[stack]);
  });

  test('its CI role trusts only the platform repository, with the pinned subjects', () => {
    const role = named(runs[stack]!, `shop-ci-${stack}-role`);
    expect(role.inputs.name).toBe(`shop-ci-${stack}`);
    expect(role.inputs.maxSessionDuration).toBe(3600);
    const trust = json(role.inputs.assumeRolePolicy);
    expect(trust.Statement).toHaveLength(1);
    const statement = trust.Statement[0];
    expect(statement.Effect).toBe('Allow');
    expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(statement.Principal).toEqual({ Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' });
    expect(statement.Condition).toEqual({ StringEquals: { [AUD]: 'sts.amazonaws.com', [SUB]: EXPECTED_SUBJECTS[stack] } });
  });

  test('its CI role may push to the service repositories and nothing more', () => {
    const policy = json(named(runs[stack]!, `shop-ci-${stack}-ecr-push`).inputs.policy);
    expect(policy.Statement).toEqual([
      { Sid: 'RegistryLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'PushServiceImages',
        Effect: 'Allow',
        Action: [...ECR_PUSH_ACTIONS],
        Resource: ['arn:aws:ecr:eu-west-1:123456789012:repository/api', 'arn:aws:ecr:eu-west-1:123456789012:repository/web'],
      },
    ]);
    for (const action of ECR_PUSH_ACTIONS) expect(action).not.toMatch(/Delete|Policy|Create|\*/);
  });

  test('nothing opens SSH: no ingress rule admits port 22, no key pair, no inline security group rules', () => {
    const run = runs[stack]!;
    for (const rule of ofType(run, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule')) expect(admits(rule, 22)).toBe(false);
    expect(ofType(run, 'aws:ec2/securityGroupRule:SecurityGroupRule')).toEqual([]);
    for (const group of ofType(run, 'aws:ec2/securityGroup:SecurityGroup')) expect(group.inputs.ingress ?? []).toEqual([]);
    for (const instance of ofType(run, 'aws:ec2/instance:Instance')) expect(instance.inputs.keyName).toBeUndefined();
    expect(ofType(run, 'aws:ec2/keyPair:KeyPair')).toEqual([]);
  });

  test('exports the repository URLs', () => {
    expect(runs[stack]!.outputs.repositoryUrls).toEqual({
      api: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/api',
      web: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web',
    });
    expect(runs[stack]!.outputs.registryOwner).toBe('dev');
    expect(runs[stack]!.outputs.ciRoleArn).toBe(arn(`shop-ci-${stack}`));
  });

  test('changing an image tag changes no AWS resource', async () => {
    const config = sampleStackConfig(stack);
    const images = JSON.parse(config['ferry:images']!);
    const changed = { ...images, api: stack === 'prod' ? 'v9.9.9' : 'sha-0000aaaa' };
    expect(changed).not.toEqual(images);
    const rerun = await runProgram({ stack, config: { ...config, 'ferry:images': JSON.stringify(changed) } });
    const key = (r: RecordedResource) => `${r.type} ${r.name}`;
    const byKey = (run: ProgramRun) => Object.fromEntries(run.resources.map((r) => [key(r), r.inputs]));
    expect(byKey(rerun)).toEqual(byKey(runs[stack]!));
  });
});

describe('registry (created by dev, the first environment)', () => {
  test.each(['api', 'web'])('repository %s: immutable tags, scan on push, KMS encryption, no force delete', (service) => {
    const repository = named(runs.dev!, `shop-registry-${service}`);
    expect(repository.inputs.name).toBe(service);
    expect(repository.inputs.imageTagMutability).toBe('IMMUTABLE');
    expect(repository.inputs.imageScanningConfiguration).toEqual({ scanOnPush: true });
    expect(repository.inputs.encryptionConfigurations).toEqual([{ encryptionType: 'KMS' }]);
    expect(repository.inputs.forceDelete).toBe(false);
  });

  test.each(['api', 'web'])('repository %s: lifecycle policy expires untagged after 7 days and pr-* after 14, keeps v*', (service) => {
    const lifecycle = named(runs.dev!, `shop-registry-${service}-lifecycle`);
    expect(lifecycle.inputs.repository).toBe(service);
    const policy = json(lifecycle.inputs.policy);
    expect(policy).toEqual(ecrLifecyclePolicy());
    expect(policy.rules.map((r: any) => [r.selection.tagStatus, r.selection.tagPatternList, r.selection.countNumber, r.action.type])).toEqual([
      ['untagged', undefined, 7, 'expire'],
      ['tagged', ['pr-*'], 14, 'expire'],
    ]);
  });

  test.each(['api', 'web'])('repository %s: hosts pull, only the CI roles push', (service) => {
    const policy = json(named(runs.dev!, `shop-registry-${service}-policy`).inputs.policy);
    const [pull, push, deny] = policy.Statement;
    const hostRoles = [arn('shop-nonprod-host'), arn('shop-prod-host')];
    const ciRoles = [arn('shop-ci-dev'), arn('shop-ci-stage'), arn('shop-ci-prod')];
    expect(pull).toEqual({
      Sid: 'ClusterHostsPull',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Condition: { ArnEquals: { 'aws:PrincipalArn': hostRoles } },
    });
    expect(push.Effect).toBe('Allow');
    expect(push.Principal).toEqual({ AWS: 'arn:aws:iam::123456789012:root' });
    expect(push.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': ciRoles } });
    expect(deny).toEqual({
      Sid: 'OnlyCiRolesPush',
      Effect: 'Deny',
      Principal: '*',
      Action: ['ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart'],
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': ciRoles } },
    });
    expect(policy.Statement).toHaveLength(3);
  });

  test('the GitHub OIDC provider accepts only tokens for STS', () => {
    const provider = named(runs.dev!, 'shop-github-provider');
    expect(provider.inputs.url).toBe('https://token.actions.githubusercontent.com');
    expect(provider.inputs.clientIdLists).toEqual(['sts.amazonaws.com']);
  });

  test('stage and prod look the registry up instead of creating it', () => {
    for (const stack of ['stage', 'prod']) {
      expect(ofType(runs[stack]!, 'aws:ecr/repository:Repository')).toEqual([]);
      expect(runs[stack]!.calls.filter((c) => c.token === 'aws:ecr/getRepository:getRepository').map((c) => c.inputs.name).sort()).toEqual(['api', 'web']);
      expect(runs[stack]!.calls.find((c) => c.token === 'aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider')!.inputs.url).toBe(
        'https://token.actions.githubusercontent.com',
      );
    }
  });
});

describe.each([
  ['dev', 'nonprod'],
  ['prod', 'prod'],
])('%s stack: MicroK8s host of cluster %s', (stack, cluster) => {
  const run = () => runs[stack]!;

  test('instance: IMDSv2 required with hop limit 1, encrypted gp3 root, detailed monitoring, Ubuntu AMI, default size', () => {
    const instance = named(run(), `shop-${cluster}-instance`);
    expect(instance.inputs.metadataOptions).toEqual({ httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' });
    expect(instance.inputs.rootBlockDevice).toMatchObject({ volumeType: 'gp3', volumeSize: 40, encrypted: true, deleteOnTermination: true });
    expect(instance.inputs.monitoring).toBe(true);
    expect(instance.inputs.instanceType).toBe('t3.large');
    expect(instance.inputs.ami).toBe(AMI_ID);
    expect(instance.inputs.iamInstanceProfile).toBe(named(run(), `shop-${cluster}-profile`).inputs.name ?? `shop-${cluster}-profile-0a1b2c`);
    expect(instance.inputs.vpcSecurityGroupIds).toEqual([`shop-${cluster}-sg-id`]);
    expect(instance.inputs.subnetId).toBe(`shop-${cluster}-network-public-id`);
  });

  test('the AMI is the newest Ubuntu 24.04 LTS image owned by Canonical', () => {
    const call = run().calls.find((c) => c.token === 'aws:ec2/getAmi:getAmi')!;
    expect(call.inputs.owners).toEqual(['099720109477']);
    expect(call.inputs.mostRecent).toBe(true);
    expect(call.inputs.filters).toContainEqual({ name: 'name', values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*'] });
  });

  test('user data is the cluster cloud-init document with pinned versions', () => {
    const userData = named(run(), `shop-${cluster}-instance`).inputs.userData as string;
    expect(userData).toBe(
      clusterUserData(platform, cluster, {
        microk8sChannel: DEFAULT_MICROK8S_CHANNEL,
        argocdVersion: DEFAULT_ARGOCD_VERSION,
        argoRolloutsVersion: DEFAULT_ARGO_ROLLOUTS_VERSION,
      } as never),
    );
    expect(userData).toContain(`readonly CLUSTER='${cluster}'`);
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
  });

  test('security group: 80 and 443 from the internet, nothing else in, no Kubernetes API by default', () => {
    const rules = ofType(run(), 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').map((r) => ({
      port: [r.inputs.fromPort, r.inputs.toPort],
      protocol: r.inputs.ipProtocol,
      cidr: r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6,
      group: r.inputs.securityGroupId,
    }));
    expect(rules).toEqual([
      { port: [80, 80], protocol: 'tcp', cidr: '0.0.0.0/0', group: `shop-${cluster}-sg-id` },
      { port: [443, 443], protocol: 'tcp', cidr: '0.0.0.0/0', group: `shop-${cluster}-sg-id` },
    ]);
    expect(rules.some((r) => r.port[0] <= 16443 && 16443 <= r.port[1])).toBe(false);
    expect(named(run(), `shop-${cluster}-sg`).inputs.vpcId).toBe(`shop-${cluster}-network-vpc-id`);
  });

  test('instance role: assumed by EC2 only, SSM core and ECR read-only, nothing else', () => {
    const role = named(run(), `shop-${cluster}-role`);
    expect(role.inputs.name).toBe(`shop-${cluster}-host`);
    expect(json(role.inputs.assumeRolePolicy).Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    const attachments = ofType(run(), 'aws:iam/rolePolicyAttachment:RolePolicyAttachment').map((a) => [a.inputs.role, a.inputs.policyArn]);
    expect(attachments.sort()).toEqual([
      [`shop-${cluster}-host`, 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly'],
      [`shop-${cluster}-host`, 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'],
    ]);
    expect(ofType(run(), 'aws:iam/rolePolicy:RolePolicy').filter((p) => p.inputs.role === `shop-${cluster}-host`)).toEqual([]);
    expect(named(run(), `shop-${cluster}-profile`).inputs.role).toBe(`shop-${cluster}-host`);
  });

  test('network: a VPC with one public subnet, and an Elastic IP on the instance', () => {
    expect(named(run(), `shop-${cluster}-network-vpc`).inputs.cidrBlock).toBe('10.64.0.0/16');
    expect(ofType(run(), 'aws:ec2/subnet:Subnet')[0]!.inputs).toMatchObject({ cidrBlock: '10.64.0.0/24', mapPublicIpOnLaunch: false });
    expect(named(run(), `shop-${cluster}-network-internet`).inputs).toMatchObject({ destinationCidrBlock: '0.0.0.0/0', gatewayId: `shop-${cluster}-network-igw-id` });
    expect(named(run(), `shop-${cluster}-eip`).inputs).toMatchObject({ domain: 'vpc', instance: `shop-${cluster}-instance-id` });
  });

  test('outputs: host id, public IP, Argo CD URL and the SSM commands', () => {
    const host = run().outputs.hosts[cluster];
    expect(Object.keys(run().outputs.hosts)).toEqual([cluster]);
    expect(host.instanceId).toBe(`shop-${cluster}-instance-id`);
    expect(host.publicIp).toBe('203.0.113.10');
    expect(host.argocdUrl).toBe('https://localhost:8443');
    expect(host.argocdPortForwardCommand).toBe(
      `aws ssm start-session --region eu-west-1 --target shop-${cluster}-instance-id --document-name AWS-StartPortForwardingSession --parameters portNumber=30443,localPortNumber=8443`,
    );
    expect(host.kubeconfigCommand).toBe(
      `id=$(aws ssm send-command --region eu-west-1 --instance-ids shop-${cluster}-instance-id --document-name AWS-RunShellScript --parameters 'commands=["microk8s config -l"]' --query Command.CommandId --output text) && aws ssm wait command-executed --region eu-west-1 --instance-id shop-${cluster}-instance-id --command-id "$id" && aws ssm get-command-invocation --region eu-west-1 --instance-id shop-${cluster}-instance-id --command-id "$id" --query StandardOutputContent --output text > kubeconfig-${cluster}`,
    );
  });
});

describe('infrastructure config keys through pulumi.Config', () => {
  const dev = () => sampleStackConfig('dev');

  test('adminCidrs opens 16443 to exactly those blocks', async () => {
    const run = await runProgram({ stack: 'dev', config: { ...dev(), 'ferry:adminCidrs': '["203.0.113.10/32","2001:db8::/64"]' } });
    const api = ofType(run, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').filter((r) => r.inputs.fromPort === 16443);
    expect(api.map((r) => [r.name, r.inputs.toPort, r.inputs.cidrIpv4, r.inputs.cidrIpv6])).toEqual([
      ['shop-nonprod-kube-api-0', 16443, '203.0.113.10/32', undefined],
      ['shop-nonprod-kube-api-1', 16443, undefined, '2001:db8::/64'],
    ]);
  });

  test('instance type, disk size and a Graviton AMI come from config', async () => {
    const run = await runProgram({ stack: 'dev', config: { ...dev(), 'ferry:instanceType': 'm7g.large', 'ferry:diskSizeGb': '80' } });
    const instance = only(run, 'aws:ec2/instance:Instance');
    expect(instance.inputs.instanceType).toBe('m7g.large');
    expect(instance.inputs.rootBlockDevice.volumeSize).toBe(80);
    expect(run.calls.find((c) => c.token === 'aws:ec2/getAmi:getAmi')!.inputs.filters).toContainEqual({
      name: 'name',
      values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*'],
    });
  });

  test('a pinned AMI skips the lookup', async () => {
    const run = await runProgram({ stack: 'dev', config: { ...dev(), 'ferry:amiId': 'ami-0123456789abcdef0' } });
    expect(only(run, 'aws:ec2/instance:Instance').inputs.ami).toBe('ami-0123456789abcdef0');
    expect(run.calls.map((c) => c.token)).not.toContain('aws:ec2/getAmi:getAmi');
  });

  test('an existing VPC creates no network', async () => {
    const run = await runProgram({ stack: 'prod', config: { ...sampleStackConfig('prod'), 'ferry:vpcId': 'vpc-0123456789abcdef0', 'ferry:subnetId': 'subnet-0123456789abcdef0' } });
    expect(ofType(run, 'aws:ec2/vpc:Vpc')).toEqual([]);
    expect(ofType(run, 'ferry:network:HostNetwork')).toEqual([]);
    expect(only(run, 'aws:ec2/securityGroup:SecurityGroup').inputs.vpcId).toBe('vpc-0123456789abcdef0');
    expect(only(run, 'aws:ec2/instance:Instance').inputs.subnetId).toBe('subnet-0123456789abcdef0');
  });

  test('a customer-managed KMS key encrypts the repositories', async () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const run = await runProgram({ stack: 'dev', config: { ...dev(), 'ferry:ecrKmsKeyArn': key } });
    for (const repository of ofType(run, 'aws:ecr/repository:Repository')) {
      expect(repository.inputs.encryptionConfigurations).toEqual([{ encryptionType: 'KMS', kmsKey: key }]);
    }
  });

  test.each([
    [
      'dev',
      { 'ferry:adminCidrs': '["0.0.0.0/0"]' },
      'Pulumi.dev.yaml: ferry:adminCidrs: "0.0.0.0/0" would open the Kubernetes API to the internet; allowed: narrow CIDR blocks like \'203.0.113.10/32\', or none (reach the API through SSM port forwarding)',
    ],
    [
      'stage',
      { 'ferry:instanceType': 't3.xlarge' },
      "Pulumi.stage.yaml: ferry:instanceType: \"t3.xlarge\" has no effect in this stack: environment 'stage' creates no cluster host (cluster 'nonprod' is created by the 'dev' stack); set it in Pulumi.dev.yaml",
    ],
    [
      'prod',
      { 'ferry:ecrKmsKeyArn': 'arn:aws:kms:eu-west-1:123456789012:key/abc' },
      'Pulumi.prod.yaml: ferry:ecrKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/abc" has no effect in this stack: the ECR repositories are created by the \'dev\' stack; set it in Pulumi.dev.yaml',
    ],
    ['dev', { 'ferry:vpcId': 'vpc-0123456789abcdef0' }, 'Pulumi.dev.yaml: ferry:vpcId: "vpc-0123456789abcdef0" needs subnetId too; give both to use an existing network, or neither to create one'],
    ['dev', { 'ferry:diskSizeGb': '8' }, 'Pulumi.dev.yaml: ferry:diskSizeGb: 8 is not allowed; allowed: a whole number of GiB from 20 to 2048'],
    ['dev', { 'ferry:vpcCidr': '10.1.0.0/16' }, 'Pulumi.dev.yaml: ferry:vpcCidr: "10.1.0.0/16" overlaps 10.1.0.0/16, which MicroK8s uses inside the host; pick another range like \'10.64.0.0/16\''],
    ['dev', { 'ferry:sshKey': 'x' }, 'Pulumi.dev.yaml: ferry:sshKey: unknown key; allowed keys: '],
  ])('%s with %j fails: %s', async (stack, extra, message) => {
    await expect(runProgram({ stack, config: { ...sampleStackConfig(stack), ...extra } })).rejects.toThrow(message);
  });

  test('a stack that is not an environment fails', async () => {
    await expect(runProgram({ stack: 'qa', config: dev() })).rejects.toThrow(
      "stack 'qa' is not an environment of platform 'shop'; each stack is one environment: dev → stage → prod",
    );
  });

  test('credentials for another account fail before creating anything', async () => {
    const run = runProgram({
      stack: 'dev',
      config: dev(),
      calls: { 'aws:index/getCallerIdentity:getCallerIdentity': () => ({ id: '999999999999', accountId: '999999999999', arn: 'x', userId: 'y' }) },
    });
    await expect(run).rejects.toThrow(
      "stack 'dev' deploys to account 999999999999 in eu-west-1, but platform 'registry' \"123456789012.dkr.ecr.eu-west-1.amazonaws.com\" is account 123456789012 in eu-west-1; set aws:region in Pulumi.dev.yaml or use credentials for account 123456789012",
    );
  });

  test('a missing registry in a later stack says which stack to bring up first', async () => {
    const run = runProgram({
      stack: 'stage',
      config: sampleStackConfig('stage'),
      calls: {
        'aws:ecr/getRepository:getRepository': () => {
          throw new Error('RepositoryNotFoundException');
        },
      },
    });
    await expect(run).rejects.toThrow(/ECR repository '(api|web)' not found \(.+\); run 'pulumi up -s dev' first: the dev stack creates the ECR repositories and the GitHub OIDC provider/);
  });
});

describe('image publishers: ferry:imagePublishers in the registry-owning dev stack', () => {
  const WORKFLOW_REF = 'token.actions.githubusercontent.com:job_workflow_ref';
  const PUBLISHERS = '["example-org/api","example-org/web@release"]';
  const withPublishers = () => ({ ...sampleStackConfig('dev'), 'ferry:imagePublishers': PUBLISHERS });
  let run: ProgramRun;

  beforeAll(async () => {
    run = await runProgram({ stack: 'dev', config: withPublishers() });
  });

  test('adds exactly the publisher role and its push policy to the dev resources', () => {
    expect(sortPairs(run.resources.map((r) => [r.type, r.name]))).toEqual(
      sortPairs([
        ...EXPECTED.dev!,
        ['ferry:ci:GithubOidcRole', 'shop-image-publisher'],
        ['aws:iam/role:Role', 'shop-image-publisher-role'],
        ['aws:iam/rolePolicy:RolePolicy', 'shop-image-publisher-ecr-push'],
      ]),
    );
    expect(run.calls.map((c) => c.token).sort()).toEqual(EXPECTED_CALLS.dev);
  });

  test('its trust: STS audience, the listed repositories on their branch, and only through the platform build workflow', () => {
    const role = named(run, 'shop-image-publisher-role');
    expect(role.inputs.name).toBe('shop-image-publisher');
    expect(role.inputs.maxSessionDuration).toBe(3600);
    expect(json(role.inputs.assumeRolePolicy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'GithubActionsThroughOneWorkflow',
          Effect: 'Allow',
          Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { [AUD]: 'sts.amazonaws.com' },
            StringLike: {
              [SUB]: ['repo:example-org/api:ref:refs/heads/main', 'repo:example-org/web:ref:refs/heads/release'],
              [WORKFLOW_REF]: `${REPO}/.github/workflows/build-image.yaml@*`,
            },
          },
        },
      ],
    });
  });

  test('its permissions: the same push-only policy as the CI role, on the service repositories', () => {
    const policy = named(run, 'shop-image-publisher-ecr-push');
    expect(policy.inputs.role).toBe('shop-image-publisher-role-id');
    expect(json(policy.inputs.policy)).toEqual(json(named(run, 'shop-ci-dev-ecr-push').inputs.policy));
    expect(json(policy.inputs.policy).Statement[1].Resource).toEqual([
      'arn:aws:ecr:eu-west-1:123456789012:repository/api',
      'arn:aws:ecr:eu-west-1:123456789012:repository/web',
    ]);
    expect(ofType(run, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment').filter((a) => a.inputs.role === 'shop-image-publisher')).toEqual([]);
  });

  test.each(['api', 'web'])('repository %s: the policy lets the publisher push and exempts it from the deny', (service) => {
    const [, push, deny] = json(named(run, `shop-registry-${service}-policy`).inputs.policy).Statement;
    const pushers = [arn('shop-ci-dev'), arn('shop-ci-stage'), arn('shop-ci-prod'), arn('shop-image-publisher')];
    expect(push.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': pushers } });
    expect(deny.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': pushers } });
  });

  test('nothing else changes: every other resource has the same inputs as without the key', () => {
    const policies = (r: RecordedResource) => r.type === 'aws:ecr/repositoryPolicy:RepositoryPolicy' || r.name.startsWith('shop-image-publisher');
    const byKey = (r: ProgramRun) => Object.fromEntries(r.resources.filter((x) => !policies(x)).map((x) => [`${x.type} ${x.name}`, x.inputs]));
    expect(byKey(run)).toEqual(byKey(runs.dev!));
  });

  test('exports the publisher role ARN; without the key there is no such output', () => {
    expect(run.outputs.imagePublisherRoleArn).toBe(arn('shop-image-publisher'));
    for (const stack of ['dev', 'stage', 'prod']) expect(Object.keys(runs[stack]!.outputs)).not.toContain('imagePublisherRoleArn');
  });

  test('changing an image tag changes no AWS resource', async () => {
    const config = withPublishers();
    const rerun = await runProgram({ stack: 'dev', config: { ...config, 'ferry:images': JSON.stringify({ api: 'sha-0000aaaa', web: 'sha-0000bbbb' }) } });
    const byKey = (r: ProgramRun) => Object.fromEntries(r.resources.map((x) => [`${x.type} ${x.name}`, x.inputs]));
    expect(byKey(rerun)).toEqual(byKey(run));
  });

  test.each([
    [
      'dev',
      '["example-org/*"]',
      "Pulumi.dev.yaml: ferry:imagePublishers[0]: \"example-org/*\" is not allowed; allowed: 'owner/repo' or 'owner/repo@<branch>' without wildcards, like 'example-org/api' or 'example-org/api@release'",
    ],
    [
      'dev',
      '["example-org/api@feature/*"]',
      "Pulumi.dev.yaml: ferry:imagePublishers[0]: \"example-org/api@feature/*\" is not allowed; allowed: 'owner/repo' or 'owner/repo@<branch>' without wildcards",
    ],
    ['dev', '[]', "Pulumi.dev.yaml: ferry:imagePublishers: expected a non-empty list like ['example-org/api'], got []; remove the key to create no image-publisher role"],
    ['dev', '"example-org/api"', 'Pulumi.dev.yaml: ferry:imagePublishers: expected a non-empty list like [\'example-org/api\'], got "example-org/api"'],
    [
      'dev',
      '["example-org/api","example-org/api@main"]',
      "Pulumi.dev.yaml: ferry:imagePublishers[1]: \"example-org/api@main\" repeats [0] (branch 'main'); list each repository and branch once",
    ],
    [
      'stage',
      '["example-org/api"]',
      "Pulumi.stage.yaml: ferry:imagePublishers: [\"example-org/api\"] has no effect in this stack: the ECR repositories are created by the 'dev' stack; set it in Pulumi.dev.yaml",
    ],
  ])('%s with %s fails: %s', async (stack, value, message) => {
    await expect(runProgram({ stack, config: { ...sampleStackConfig(stack), 'ferry:imagePublishers': value } })).rejects.toThrow(message);
  });
});

describe('preview publisher: services with a sourceRepository get pull-request repositories and a role', () => {
  const previewPlatform = new Platform({
    name: platform.name,
    repoURL: platform.repoURL,
    registry: platform.registry,
    services: [{ name: 'api', sourceRepository: 'example-org/shop-api' }, { name: 'web' }],
    environments: platform.environments,
    previews: { owner: 'example-org', repo: 'shop-platform' },
  });
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ stack: 'dev', config: sampleStackConfig('dev'), platform: previewPlatform });
  });

  test('adds the api-preview repository and the preview-publisher role to the dev resources', () => {
    expect(sortPairs(run.resources.map((r) => [r.type, r.name]))).toEqual(
      sortPairs([
        ...EXPECTED.dev!,
        ['aws:ecr/repository:Repository', 'shop-registry-api-preview'],
        ['aws:ecr/lifecyclePolicy:LifecyclePolicy', 'shop-registry-api-preview-lifecycle'],
        ['aws:ecr/repositoryPolicy:RepositoryPolicy', 'shop-registry-api-preview-policy'],
        ['ferry:ci:GithubOidcRole', 'shop-preview-publisher'],
        ['aws:iam/role:Role', 'shop-preview-publisher-role'],
        ['aws:iam/rolePolicy:RolePolicy', 'shop-preview-publisher-ecr-push'],
      ]),
    );
    expect(run.outputs.previewPublisherRoleArn).toBe(arn('shop-preview-publisher'));
    for (const stack of ['dev', 'stage', 'prod']) expect(Object.keys(runs[stack]!.outputs)).not.toContain('previewPublisherRoleArn');
  });

  test('the role trusts only pull requests of the source repository, through the platform build workflow', () => {
    const trust = json(named(run, 'shop-preview-publisher-role').inputs.assumeRolePolicy);
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { [AUD]: 'sts.amazonaws.com' },
      StringLike: {
        [SUB]: ['repo:example-org/shop-api:pull_request'],
        'token.actions.githubusercontent.com:job_workflow_ref': `${REPO}/.github/workflows/build-image.yaml@*`,
      },
    });
  });

  test('its policy allows pushes (pr-* builds) only to the preview repository', () => {
    const statements = json(named(run, 'shop-preview-publisher-ecr-push').inputs.policy).Statement as { Action: string | string[]; Resource: string | string[] }[];
    const pushing = statements.filter((s) => [s.Action].flat().some((a) => a === 'ecr:PutImage'));
    expect(pushing.map((s) => s.Resource)).toEqual([['arn:aws:ecr:eu-west-1:123456789012:repository/api-preview']]);
    for (const s of statements) expect(JSON.stringify(s.Resource)).not.toMatch(/repository\/(api|web)"/);
  });

  test('the real repositories deny it every write; the preview repository lets only it push and only the preview host pull', () => {
    for (const service of ['api', 'web']) {
      const [, push, deny] = json(named(run, `shop-registry-${service}-policy`).inputs.policy).Statement;
      expect(push.Condition.ArnEquals['aws:PrincipalArn']).not.toContain(arn('shop-preview-publisher'));
      expect(deny.Condition.ArnNotEquals['aws:PrincipalArn']).not.toContain(arn('shop-preview-publisher'));
    }
    const [pull, push, deny] = json(named(run, 'shop-registry-api-preview-policy').inputs.policy).Statement;
    expect(pull.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': [arn('shop-nonprod-host')] } });
    expect(push.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': [arn('shop-preview-publisher')] } });
    expect(deny.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': [arn('shop-preview-publisher')] } });
  });

  test('the preview repository is immutable and every image in it expires within a week', () => {
    const repository = named(run, 'shop-registry-api-preview');
    expect(repository.inputs.name).toBe('api-preview');
    expect(repository.inputs.imageTagMutability).toBe('IMMUTABLE');
    const rules = json(named(run, 'shop-registry-api-preview-lifecycle').inputs.policy).rules as { selection: { tagStatus: string; countNumber: number } }[];
    expect(rules.map((r) => [r.selection.tagStatus, r.selection.countNumber])).toEqual([['untagged', 1], ['any', 7]]);
  });
});

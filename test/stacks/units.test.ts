/** Pure pieces of the infrastructure program: ownership, naming, settings, rules, config schema. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { userDataOf } from '../../cli/commands/userdata.js';
import { INFRA_KEYS } from '../../model/infra-keys.js';
import { parseStackConfig, stackKeys } from '../../model/stack-config.js';
import { Environment, Platform, Profiles } from '../../model/platform.js';
import { platform } from '../fixtures/shop/platform/platform.js';
import { ecrLifecyclePolicy, ecrRepositoryPolicy } from '../../stacks/ecr-policies.js';
import { ecrPushPolicy, githubOidcTrustPolicy, githubOidcWorkflowTrustPolicy } from '../../stacks/github-oidc-policies.js';
import { firstSubnetCidr } from '../../stacks/host-network.js';
import { architectureOf, defaultCiSubjects, resolveInfraSettings } from '../../stacks/infra-settings.js';
import { ciRoleName, githubRepositoryOf, hostRoleName, parseEcrRegistry } from '../../stacks/naming.js';
import { infrastructureOwnership, stackPlan } from '../../model/ownership.js';
import { decodeConfigValue } from '../../stacks/pulumi-config.js';
import { hostIngressRules } from '../../stacks/security-group-rules.js';
import { kubeconfigCommand, portForwardCommand } from '../../stacks/ssm-commands.js';
import { cloudInitSchema } from './tools.js';
import { ROOT } from './mocks.js';

const source = (env: string, file = `Pulumi.${env}.yaml`) => ({ file, project: 'ferry', platform, environment: platform.environment(env) });
const images = (env: string) => (env === 'prod' ? { api: 'v1.0.0', web: 'v1.0.0' } : { api: 'sha-1a2b3c4d', web: 'sha-1a2b3c4d' });
const parse = (env: string, extra: Record<string, unknown>) => parseStackConfig({ images: images(env), ...extra }, source(env));

describe('ownership', () => {
  test('the first environment owns the registry; the first environment of each cluster owns its host', () => {
    expect(infrastructureOwnership(platform)).toEqual({ registryOwner: 'dev', clusterOwners: { nonprod: 'dev', prod: 'prod' } });
    expect(stackPlan(platform, 'dev')).toEqual({ environment: 'dev', ownsRegistry: true, registryOwner: 'dev', hostClusters: ['nonprod'], cluster: 'nonprod', clusterOwner: 'dev' });
    expect(stackPlan(platform, 'stage')).toEqual({ environment: 'stage', ownsRegistry: false, registryOwner: 'dev', hostClusters: [], cluster: 'nonprod', clusterOwner: 'dev' });
    expect(stackPlan(platform, 'prod')).toEqual({ environment: 'prod', ownsRegistry: false, registryOwner: 'dev', hostClusters: ['prod'], cluster: 'prod', clusterOwner: 'prod' });
  });

  test('a cluster only previews use is created by the first environment', () => {
    const other = new Platform({
      name: 'shop',
      repoURL: 'https://github.com/o/r.git',
      registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      services: [{ name: 'api' }],
      environments: [Environment.of('qa', Profiles.development({ cluster: 'qa' })), Environment.of('live', Profiles.production())],
      previews: { owner: 'o', repo: 'r', cluster: 'previews' },
    });
    expect(infrastructureOwnership(other)).toEqual({ registryOwner: 'qa', clusterOwners: { qa: 'qa', prod: 'live', previews: 'qa' } });
    expect(stackPlan(other, 'qa').hostClusters).toEqual(['qa', 'previews']);
  });
});

describe('naming', () => {
  test('parses an ECR registry host and rejects anything else', () => {
    expect(parseEcrRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toEqual({ host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', account: '123456789012', region: 'eu-west-1' });
    expect(() => parseEcrRegistry('ghcr.io/example')).toThrow(
      `platform 'registry' "ghcr.io/example" is not a private ECR registry host; allowed: <12-digit account>.dkr.ecr.<region>.amazonaws.com, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com`,
    );
  });

  test('role names are fixed and limited to 64 characters', () => {
    expect(hostRoleName('shop', 'nonprod')).toBe('shop-nonprod-host');
    expect(ciRoleName('shop', 'prod')).toBe('shop-ci-prod');
    const long = 'a'.repeat(40);
    expect(() => hostRoleName(long, 'b'.repeat(30))).toThrow(`cluster '${'b'.repeat(30)}' host role name '${long}-${'b'.repeat(30)}-host' is 76 characters; IAM allows 64`);
  });

  test.each([
    ['https://github.com/example-org/shop-platform.git', 'example-org/shop-platform'],
    ['git@github.com:example-org/shop-platform.git', 'example-org/shop-platform'],
    ['https://github.com/example-org/shop-platform', 'example-org/shop-platform'],
    ['https://gitlab.com/example-org/shop-platform.git', undefined],
  ])('githubRepositoryOf(%s) is %s', (url, expected) => expect(githubRepositoryOf(url)).toBe(expected));
});

describe('settings', () => {
  test('defaults need no infra keys in the sample stacks', () => {
    const settings = resolveInfraSettings(platform, parse('dev', {}), 'ferry');
    expect(settings).toEqual({
      host: {
        instanceType: 't3.large',
        diskSizeGb: 40,
        amiId: undefined,
        network: { kind: 'create', vpcCidr: '10.64.0.0/16' },
        ingressCidrs: ['0.0.0.0/0'],
        adminCidrs: [],
        microk8sChannel: '1.32/stable',
        argocdVersion: 'v3.1.9',
        argoRolloutsVersion: 'v1.8.3',
      },
      ecrKmsKeyArn: undefined,
      githubRepository: 'example-org/shop-platform',
      // No pull_request subject since issue 14 (on purpose): pull-request builds use the preview publisher.
      ciSubjects: ['repo:example-org/shop-platform:ref:refs/heads/main'],
      imagePublishers: undefined,
    });
  });

  test('image publishers: default-branch or named-branch subjects, and the platform build workflow at any ref', () => {
    expect(resolveInfraSettings(platform, parse('dev', { imagePublishers: ['example-org/api', 'acme/web@release/2025'] }), 'ferry').imagePublishers).toEqual({
      subjects: ['repo:example-org/api:ref:refs/heads/main', 'repo:acme/web:ref:refs/heads/release/2025'],
      jobWorkflowRef: 'example-org/shop-platform/.github/workflows/build-image.yaml@*',
    });
    expect(resolveInfraSettings(platform, parse('dev', { imagePublishers: ['example-org/api'], githubRepository: 'acme/infra' }), 'ferry').imagePublishers!.jobWorkflowRef).toBe(
      'acme/infra/.github/workflows/build-image.yaml@*',
    );
  });

  test('CI subjects: prod only from the production environment, stage only from the default branch', () => {
    expect(defaultCiSubjects(platform, 'prod')).toEqual(['environment:production']);
    expect(defaultCiSubjects(platform, 'stage')).toEqual(['ref:refs/heads/main']);
    expect(resolveInfraSettings(platform, parse('prod', { ciSubjects: ['environment:release'], githubRepository: 'acme/infra' }), 'ferry').ciSubjects).toEqual([
      'repo:acme/infra:environment:release',
    ]);
  });

  test('architecture follows the instance family', () => {
    expect([architectureOf('t3.large'), architectureOf('t4g.large'), architectureOf('c6gn.xlarge'), architectureOf('m7i.large')]).toEqual(['amd64', 'arm64', 'arm64', 'amd64']);
  });

  test('config values from Pulumi decode like the YAML stack file', () => {
    expect([decodeConfigValue('40'), decodeConfigValue('t3.large'), decodeConfigValue('["10.0.0.0/8"]'), decodeConfigValue('{"api":"v1.0.0"}')]).toEqual([
      40,
      't3.large',
      ['10.0.0.0/8'],
      { api: 'v1.0.0' },
    ]);
  });
});

describe('INFRA_KEYS through parseStackConfig (the renderer sees the same errors)', () => {
  test.each([
    ['dev', { instanceType: 'huge' }, "Pulumi.dev.yaml: ferry:instanceType: \"huge\" is not allowed; allowed: an EC2 instance type like 't3.large' or 'm7g.large'"],
    ['dev', { ingressCidrs: ['10.0.0.0/33'] }, "Pulumi.dev.yaml: ferry:ingressCidrs[0]: \"10.0.0.0/33\" is not a CIDR block; allowed: IPv4 or IPv6 CIDR like ['0.0.0.0/0']"],
    ['dev', { adminCidrs: ['::/0'] }, 'Pulumi.dev.yaml: ferry:adminCidrs: "::/0" would open the Kubernetes API to the internet'],
    ['dev', { microk8sChannel: 'latest/edge' }, "Pulumi.dev.yaml: ferry:microk8sChannel: \"latest/edge\" is not allowed; allowed: a pinned snap channel like '1.32/stable'"],
    ['dev', { ciSubjects: ['ref:refs/heads/*'] }, "Pulumi.dev.yaml: ferry:ciSubjects[0]: \"ref:refs/heads/*\" is not allowed; allowed: 'environment:<name>', 'ref:refs/heads/<branch>', 'ref:refs/tags/<tag>' or 'pull_request' (no wildcards; the repository prefix is added)"],
    ['dev', { imagePublishers: ['example-org/api', 'example-org/..'] }, "Pulumi.dev.yaml: ferry:imagePublishers[1]: \"example-org/..\" is not allowed; allowed: 'owner/repo' or 'owner/repo@<branch>' without wildcards, like 'example-org/api' or 'example-org/api@release'"],
    ['prod', { imagePublishers: ['example-org/api'] }, "Pulumi.prod.yaml: ferry:imagePublishers: [\"example-org/api\"] has no effect in this stack: the ECR repositories are created by the 'dev' stack; set it in Pulumi.dev.yaml"],
    ['dev', { githubRepository: 'example-org/*' }, "Pulumi.dev.yaml: ferry:githubRepository: \"example-org/*\" is not allowed; allowed: 'owner/repo' without wildcards, like 'example-org/shop-platform'"],
    ['stage', { adminCidrs: ['203.0.113.10/32'] }, "Pulumi.stage.yaml: ferry:adminCidrs: [\"203.0.113.10/32\"] has no effect in this stack: environment 'stage' creates no cluster host (cluster 'nonprod' is created by the 'dev' stack); set it in Pulumi.dev.yaml"],
  ])('%s %j', (env, extra, message) => {
    expect(() => parse(env, extra)).toThrow(message);
  });

  test('valid infra keys land in StackConfig.infra', () => {
    expect(parse('dev', { instanceType: 't3.xlarge', adminCidrs: ['203.0.113.10/32'] }).infra).toEqual({ instanceType: 't3.xlarge', adminCidrs: ['203.0.113.10/32'] });
  });
});

describe('Pulumi.yaml config section', () => {
  const config = (YAML.parse(readFileSync(join(ROOT, 'Pulumi.yaml'), 'utf8')) as { config: Record<string, any> }).config;

  test('documents every stack key and nothing else, with the schema descriptions for infra keys', () => {
    expect(Object.keys(config).sort()).toEqual(Object.keys(stackKeys()).map((k) => `ferry:${k}`).sort());
    for (const [key, spec] of Object.entries(INFRA_KEYS)) expect(config[`ferry:${key}`].description).toBe(spec.description);
  });

  test('declarations are valid project config: only string/integer/boolean/array types, arrays with items, no defaults', () => {
    for (const [key, declaration] of Object.entries(config)) {
      expect({ key, extra: Object.keys(declaration).filter((k) => !['type', 'items', 'description', 'secret'].includes(k)) }).toEqual({ key, extra: [] });
      if (declaration.type !== undefined) expect(['string', 'integer', 'boolean', 'array']).toContain(declaration.type);
      if (declaration.type === 'array') expect(declaration.items).toEqual({ type: 'string' });
    }
  });
});

describe('pure policy documents', () => {
  test('the lifecycle policy never selects a release tag', () => {
    for (const rule of ecrLifecyclePolicy().rules) {
      expect(rule.selection.tagStatus).not.toBe('any');
      for (const pattern of rule.selection.tagPatternList ?? []) expect(new RegExp(`^${pattern.replace('*', '.*')}$`).test('v1.2.3')).toBe(false);
    }
  });

  test('empty principal lists are refused', () => {
    expect(() => ecrRepositoryPolicy({ account: '123456789012', pullRoleArns: [], pushRoleArns: ['x'] })).toThrow('ecrRepositoryPolicy: pullRoleArns must not be empty');
    expect(() => ecrPushPolicy([])).toThrow('ecrPushPolicy: repositoryArns must not be empty');
  });

  test('a trust policy refuses unpinned subjects', () => {
    expect(() => githubOidcTrustPolicy('arn', ['repo:example-org/*'])).toThrow(`githubOidcTrustPolicy: subject "repo:example-org/*" must be 'repo:<owner>/<repo>:<context>' without wildcards`);
    expect(() => githubOidcTrustPolicy('arn', [])).toThrow('githubOidcTrustPolicy: subjects must not be empty');
  });

  test('a workflow-pinned trust policy refuses unpinned subjects and workflow refs', () => {
    const ok = 'example-org/shop-platform/.github/workflows/build-image.yaml@*';
    expect(() => githubOidcWorkflowTrustPolicy('arn', ['repo:*/api:ref:refs/heads/main'], ok)).toThrow(
      `githubOidcWorkflowTrustPolicy: subject "repo:*/api:ref:refs/heads/main" must be 'repo:<owner>/<repo>:<context>' without wildcards`,
    );
    expect(() => githubOidcWorkflowTrustPolicy('arn', [], ok)).toThrow('githubOidcWorkflowTrustPolicy: subjects must not be empty');
    for (const loose of ['example-org/*/.github/workflows/build-image.yaml@*', 'example-org/shop-platform/.github/workflows/*@*', 'example-org/shop-platform/.github/workflows/build-image.yaml@refs/*', '*']) {
      expect(() => githubOidcWorkflowTrustPolicy('arn', ['repo:example-org/api:ref:refs/heads/main'], loose)).toThrow(
        `githubOidcWorkflowTrustPolicy: jobWorkflowRef ${JSON.stringify(loose)} must be '<owner>/<repo>/.github/workflows/<file>@<ref>' with a wildcard at most as the whole ref`,
      );
    }
    expect(githubOidcWorkflowTrustPolicy('arn', ['repo:example-org/api:ref:refs/heads/main'], `${ok.slice(0, -1)}0123456789abcdef0123456789abcdef01234567`).Statement).toHaveLength(1);
  });

  test('ingress rules: web from the ingress CIDRs, the API only from admin CIDRs, never SSH', () => {
    const rules = hostIngressRules({ ingressCidrs: ['0.0.0.0/0', '::/0'], adminCidrs: ['203.0.113.10/32'] });
    expect(rules.map((r) => [r.name, r.port, r.cidr, r.family])).toEqual([
      ['http-0', 80, '0.0.0.0/0', 'ipv4'],
      ['http-1', 80, '::/0', 'ipv6'],
      ['https-0', 443, '0.0.0.0/0', 'ipv4'],
      ['https-1', 443, '::/0', 'ipv6'],
      ['kube-api-0', 16443, '203.0.113.10/32', 'ipv4'],
    ]);
    expect(rules.some((r) => r.port === 22)).toBe(false);
    expect(() => hostIngressRules({ ingressCidrs: [], adminCidrs: ['0.0.0.0/0'] })).toThrow('hostIngressRules: adminCidrs "0.0.0.0/0" would open the Kubernetes API to the internet');
  });

  test.each([
    ['10.64.0.0/16', '10.64.0.0/24'],
    ['10.64.128.0/17', '10.64.128.0/24'],
    ['192.168.7.0/24', '192.168.7.0/24'],
  ])('firstSubnetCidr(%s) is %s', (vpc, subnet) => expect(firstSubnetCidr(vpc)).toBe(subnet));

  test('SSM commands', () => {
    expect(portForwardCommand('i-0abc', 'eu-west-1', 30443, 8443)).toBe(
      'aws ssm start-session --region eu-west-1 --target i-0abc --document-name AWS-StartPortForwardingSession --parameters portNumber=30443,localPortNumber=8443',
    );
    expect(kubeconfigCommand('i-0abc', 'eu-west-1', 'prod')).toContain(`--parameters 'commands=["microk8s config -l"]'`);
    expect(kubeconfigCommand('i-0abc', 'eu-west-1', 'prod')).toMatch(/> kubeconfig-prod$/);
  });
});

describe('ferry userdata', () => {
  test('prints the cloud-init document of a cluster with its owner stack settings', () => {
    const text = userDataOf(ROOT, platform, 'prod');
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(text).toContain("readonly CLUSTER='prod'");
    expect(cloudInitSchema(text).status).toBe(0);
  });

  test('refuses an unknown cluster', () => {
    expect(() => userDataOf(ROOT, platform, 'staging')).toThrow("ferry userdata: unknown cluster 'staging'; clusters: nonprod, prod");
  });
});

describe('ferry userdata through the CLI', () => {
  test('needs exactly one cluster', async () => {
    const { main } = await import('../../cli/main.js');
    const err: string[] = [];
    const io = { cwd: ROOT, out: () => undefined, err: (t: string) => err.push(t), env: {}, isTTY: false };
    expect(await main(['userdata'], io)).toBe(2);
    expect(err.join('')).toBe("ferry userdata: give exactly one cluster, e.g. 'ferry userdata nonprod'\n");
  });
});
